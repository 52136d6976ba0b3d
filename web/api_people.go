package web

import (
	"net/http"
	"strconv"

	"github.com/yanglao/yanglao"
)

// The register of older people (issue 3): handlers only parse and respond;
// scope, validation and audit live in the PersonService.

// PersonInput is the body of POST /api/v1/people and PUT /api/v1/people/{id}.
type PersonInput struct {
	Name            string            `json:"name"`
	IDNumber        string            `json:"id_number"`
	BirthDate       yanglao.Date      `json:"birth_date,omitzero"` // optional cross-check of the ID
	Sex             string            `json:"sex,omitempty"`       // optional cross-check of the ID
	Phones          []string          `json:"phones,omitempty"`
	Ethnicity       string            `json:"ethnicity,omitempty"`
	HouseholdCode   string            `json:"household_code,omitempty"`
	ResidenceCode   string            `json:"residence_code"`
	Address         string            `json:"address,omitempty"`
	Lng             *float64          `json:"lng,omitempty"`
	Lat             *float64          `json:"lat,omitempty"`
	Living          string            `json:"living,omitempty"`
	DisabilityCert  string            `json:"disability_cert,omitempty"`
	DisabilityGrade int               `json:"disability_grade,omitempty"`
	Chronic         []string          `json:"chronic,omitempty"`
	Contacts        []yanglao.Contact `json:"contacts,omitempty"`
	Guardian        *yanglao.Contact  `json:"guardian,omitempty"`
	LifeStatus      string            `json:"life_status,omitempty"`
	DeathDate       yanglao.Date      `json:"death_date,omitzero"`
	MovedOutDate    yanglao.Date      `json:"moved_out_date,omitzero"`
	MovedTo         string            `json:"moved_to,omitempty"`
	Version         int               `json:"version,omitempty"` // required on update
}

func (in PersonInput) person() *yanglao.Person {
	return &yanglao.Person{Name: in.Name, IDNumber: in.IDNumber, BirthDate: in.BirthDate, Sex: in.Sex, Phones: in.Phones,
		Ethnicity: in.Ethnicity, HouseholdCode: in.HouseholdCode, ResidenceCode: in.ResidenceCode, Address: in.Address,
		Lng: in.Lng, Lat: in.Lat, Living: in.Living, DisabilityCert: in.DisabilityCert, DisabilityGrade: in.DisabilityGrade,
		Chronic: in.Chronic, Contacts: in.Contacts, Guardian: in.Guardian, Life: in.LifeStatus, DeathDate: in.DeathDate,
		MovedOutDate: in.MovedOutDate, MovedTo: in.MovedTo, Version: in.Version}
}

var pPersonID = param{Name: "id", In: "path", Type: "integer", Required: true, Desc: "老年人编号 (person id)"}

var docPeople = &apiDoc{Tag: "register", Summary: "搜索老年人（姓名前缀、完整身份证号或电话）(search the register: name prefix, whole citizen ID or phone)",
	Params: []param{{Name: "q", In: "query", Type: "string"}, {Name: "region", In: "query", Type: "string"}, {Name: "status", In: "query", Type: "string"},
		{Name: "min_age", In: "query", Type: "integer"}, {Name: "max_age", In: "query", Type: "integer"}, {Name: "grade", In: "query", Type: "integer"},
		{Name: "life", In: "query", Type: "string"}, {Name: "sort", In: "query", Type: "string", Desc: "id | name | birth_date"}, pAfter, pLimit},
	Response: List[*yanglao.Person]{}}

// personFilter reads a search from the query string; lists, counts and exports share it.
func personFilter(r *http.Request) (yanglao.PersonFilter, error) {
	q := r.URL.Query()
	page, err := pageParams(r)
	if err != nil {
		return yanglao.PersonFilter{}, err
	}
	f := yanglao.PersonFilter{Query: q.Get("q"), RegionCode: q.Get("region"), Status: q.Get("status"), Life: q.Get("life"), Sort: q.Get("sort"), Page: page}
	for name, dst := range map[string]*int{"min_age": &f.MinAge, "max_age": &f.MaxAge} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				return f, yanglao.Invalid(name, "%s 应为整数 (%s must be an integer)", name, name)
			}
			*dst = n
		}
	}
	if v := q.Get("grade"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return f, yanglao.Invalid("grade", "grade 应为整数 (grade must be an integer)")
		}
		f.Grade = &n
	}
	return f, nil
}

func (s *Server) apiPeople(w http.ResponseWriter, r *http.Request) error {
	f, err := personFilter(r)
	if err != nil {
		return err
	}
	items, next, err := s.People.People(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.Person]{Items: items, Next: next})
	return nil
}

// CountResponse answers count endpoints.
type CountResponse struct {
	Count int `json:"count"`
}

var docCountPeople = &apiDoc{Tag: "register", Summary: "按同样条件计数 (count with the same filters)", Params: docPeople.Params[:7], Response: CountResponse{}}

func (s *Server) apiCountPeople(w http.ResponseWriter, r *http.Request) error {
	f, err := personFilter(r)
	if err != nil {
		return err
	}
	n, err := s.People.CountPeople(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, CountResponse{Count: n})
	return nil
}

var docCreatePerson = &apiDoc{Tag: "register", Summary: "登记老年人 (register a person)", Body: PersonInput{}, Response: &yanglao.Person{}, Status: http.StatusCreated}

func (s *Server) apiCreatePerson(w http.ResponseWriter, r *http.Request) error {
	var in PersonInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p := in.person()
	if err := s.People.CreatePerson(r.Context(), p); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, p)
	return nil
}

var docPerson = &apiDoc{Tag: "register", Summary: "一位老年人（证件号和电话已脱敏）(one person, ID and phones masked)", Params: []param{pPersonID}, Response: &yanglao.Person{}}

func (s *Server) apiPerson(w http.ResponseWriter, r *http.Request) error {
	return respondByID(w, r, s.People.Person)
}

var docUpdatePerson = &apiDoc{Tag: "register", Summary: "修改老年人信息（带 version，防止覆盖他人修改；id_number 留空则不变）(update; send version; empty id_number keeps it)",
	Params: []param{pPersonID}, Body: PersonInput{}, Response: &yanglao.Person{}}

func (s *Server) apiUpdatePerson(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in PersonInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Version <= 0 {
		return yanglao.Invalid("version", "请提供记录的 version (version is required)")
	}
	p := in.person()
	p.ID = id
	if err := s.People.UpdatePerson(r.Context(), p); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// RevealRequest and RevealResponse: reading the whole citizen ID is a separate, audited action.
type RevealRequest struct {
	Reason string `json:"reason"`
}
type RevealResponse struct {
	IDNumber string   `json:"id_number"`
	Phones   []string `json:"phones"`
}

var docRevealPerson = &apiDoc{Tag: "register", Summary: "查看完整身份证号和电话（需说明理由，记入审计）(read the whole ID and phones; reason required; audited)",
	Params: []param{pPersonID}, Body: RevealRequest{}, Response: RevealResponse{}}

func (s *Server) apiRevealPerson(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req RevealRequest
	if err := decodeJSON(r, &req); err != nil {
		return err
	}
	idNumber, phones, err := s.People.RevealID(r.Context(), id, req.Reason)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, RevealResponse{IDNumber: idNumber, Phones: phones})
	return nil
}

var docAddStatus = &apiDoc{Tag: "register", Summary: "添加政策身份（特困、低保、失能……）(add a policy status)",
	Params: []param{pPersonID}, Body: StatusInput{}, Response: &yanglao.Status{}, Status: http.StatusCreated}

// StatusInput is the body of POST /api/v1/people/{id}/statuses.
type StatusInput struct {
	Kind   string       `json:"kind"`
	Source string       `json:"source"`
	Start  yanglao.Date `json:"start"`
	End    yanglao.Date `json:"end,omitzero"`
	Note   string       `json:"note,omitempty"`
}

func (s *Server) apiAddStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in StatusInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	st := &yanglao.Status{PersonID: id, Kind: in.Kind, Source: in.Source, Start: in.Start, End: in.End, Note: in.Note}
	if err := s.People.AddStatus(r.Context(), st); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, st)
	return nil
}

// EndStatusInput is the body of POST /api/v1/statuses/{id}/end.
type EndStatusInput struct {
	End yanglao.Date `json:"end"`
}

var docEndStatus = &apiDoc{Tag: "register", Summary: "结束一项政策身份 (end a policy status)", Params: []param{pID}, Body: EndStatusInput{}, Status: http.StatusNoContent}

func (s *Server) apiEndStatus(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in EndStatusInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.People.EndStatus(r.Context(), id, in.End); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

var docPersonHistory = &apiDoc{Tag: "register", Summary: "变更历史 (change history)", Params: []param{pPersonID}, Response: List[*yanglao.AuditEntry]{}}

func (s *Server) apiPersonHistory(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	items, err := s.People.PersonHistory(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.AuditEntry]{Items: items})
	return nil
}
