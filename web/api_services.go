package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/yanglao/yanglao"
)

// Home and community services (issue 5): the catalogue, allowances, providers,
// caregivers, the employment-ban list and dispatch suggestions. Handlers parse
// and respond; scope, rules and audit live in the HomeCareService.

var pProviderID = param{Name: "id", In: "path", Type: "integer", Required: true, Desc: "服务组织编号 (provider organisation id)"}

// queryInt64 reads an optional positive integer query value.
func queryInt64(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, yanglao.Invalid(name, "%s 应为正整数 (%s must be a positive integer)", name, name)
	}
	return n, nil
}

// queryDate reads an optional YYYY-MM-DD query value.
func queryDate(r *http.Request, name string) (yanglao.Date, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return yanglao.Date{}, nil
	}
	d, err := yanglao.ParseDate(v)
	if err != nil {
		return d, yanglao.Invalid(name, "%s", err.Error())
	}
	return d, nil
}

// ---- catalogue

var docServiceItems = &apiDoc{Tag: "services", Summary: "服务目录（GB/T 43153-2023 类别与项目：标准时长、所需技能与证书）(the service catalogue: categories and items with duration, skills and certificates)",
	Params: []param{{Name: "all", In: "query", Type: "boolean", Desc: "含已停用项目 (include withdrawn items)"}}, Response: ServiceCatalogue{}}

// ServiceCatalogue is the response of GET /api/v1/service-items.
type ServiceCatalogue struct {
	Categories []yanglao.ServiceCategory `json:"categories"`
	Items      []*yanglao.ServiceItem    `json:"items"`
}

func (s *Server) apiServiceItems(w http.ResponseWriter, r *http.Request) error {
	items, err := s.HomeCare.ServiceItems(r.Context(), r.URL.Query().Get("all") == "true")
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ServiceCatalogue{Categories: yanglao.ServiceCategories, Items: items})
	return nil
}

// ServiceItemInput is the body of POST /api/v1/service-items and PUT /api/v1/service-items/{id}.
type ServiceItemInput struct {
	Code     string   `json:"code"`
	Category string   `json:"category"`
	Name     string   `json:"name"`
	NameEN   string   `json:"name_en,omitempty"`
	Minutes  int      `json:"minutes"`
	Skills   []string `json:"skills,omitempty"`
	Certs    []string `json:"certs,omitempty"`
	Source   string   `json:"source,omitempty"`
	Active   *bool    `json:"active,omitempty"` // default true
}

func (in ServiceItemInput) item(id int64) *yanglao.ServiceItem {
	active := in.Active == nil || *in.Active
	return &yanglao.ServiceItem{ID: id, Code: in.Code, Category: in.Category, Name: in.Name, NameEN: in.NameEN, Minutes: in.Minutes,
		Skills: in.Skills, Certs: in.Certs, Source: in.Source, Active: active}
}

var docCreateServiceItem = &apiDoc{Tag: "services", Summary: "新增服务项目（省、市级民政）(add a catalogue item: province and city officials)",
	Body: ServiceItemInput{}, Response: &yanglao.ServiceItem{}, Status: http.StatusCreated}

func (s *Server) apiCreateServiceItem(w http.ResponseWriter, r *http.Request) error {
	var in ServiceItemInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	it := in.item(0)
	if err := s.HomeCare.SaveServiceItem(r.Context(), it); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, it)
	return nil
}

var docUpdateServiceItem = &apiDoc{Tag: "services", Summary: "修改服务项目（active=false 停用）(change a catalogue item; active=false withdraws it)",
	Params: []param{pID}, Body: ServiceItemInput{}, Response: &yanglao.ServiceItem{}}

func (s *Server) apiUpdateServiceItem(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in ServiceItemInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	it := in.item(id)
	if err := s.HomeCare.SaveServiceItem(r.Context(), it); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, it)
	return nil
}

// ---- allowances

var docAllowances = &apiDoc{Tag: "services", Summary: "政府购买服务额度规则：本区划继承自上级的与下级设定的 (allowance rules that apply on a region, inherited, and those set under it)",
	Params:   []param{pRegion, {Name: "category", In: "query", Type: "string"}, {Name: "on", In: "query", Type: "string", Desc: "YYYY-MM-DD: 仅当日有效的 (only those in force that day)"}},
	Response: []*yanglao.ServiceAllowance{}}

func (s *Server) apiAllowances(w http.ResponseWriter, r *http.Request) error {
	on, err := queryDate(r, "on")
	if err != nil {
		return err
	}
	list, err := s.HomeCare.Allowances(r.Context(), yanglao.AllowanceFilter{RegionCode: r.URL.Query().Get("region"), Category: r.URL.Query().Get("category"), On: on})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

// AllowanceInput is the body of POST /api/v1/service-allowances.
type AllowanceInput struct {
	RegionCode string   `json:"region_code"`
	Category   string   `json:"category"`
	Statuses   []string `json:"statuses,omitempty"`
	MinAge     int      `json:"min_age,omitempty"`
	MinGrade   *int     `json:"min_grade,omitempty"`
	Unit       string   `json:"unit"`
	Amount     int64    `json:"amount"`
	ValidFrom  string   `json:"valid_from"`         // YYYY-MM-DD
	ValidTo    string   `json:"valid_to,omitempty"` // YYYY-MM-DD; empty: open
	Source     string   `json:"source"`
	Note       string   `json:"note,omitempty"`
}

var docAddAllowance = &apiDoc{Tag: "services", Summary: "设定额度规则：某区划（及其下级）某类别，按身份/年龄/能力等级，每人每月若干分或分钟 (add a rule: per person and month, in fen or minutes, for a category, by status, age and grade, on a region's subtree)",
	Body: AllowanceInput{}, Response: &yanglao.ServiceAllowance{}, Status: http.StatusCreated}

func (s *Server) apiAddAllowance(w http.ResponseWriter, r *http.Request) error {
	var in AllowanceInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	a := &yanglao.ServiceAllowance{RegionCode: in.RegionCode, Category: in.Category, Statuses: in.Statuses, MinAge: in.MinAge, MinGrade: in.MinGrade,
		Unit: in.Unit, Amount: in.Amount, Source: in.Source, Note: in.Note}
	var err error
	if a.ValidFrom, err = dateField("valid_from", in.ValidFrom); err != nil {
		return err
	}
	if a.ValidTo, err = dateField("valid_to", in.ValidTo); err != nil {
		return err
	}
	if err := s.HomeCare.AddAllowance(r.Context(), a); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, a)
	return nil
}

// EndInput is the body of the …/end routes.
type EndInput struct {
	End string `json:"end"` // YYYY-MM-DD
}

// Done is the body of a success with nothing else to say.
type Done struct {
	OK bool `json:"ok"`
}

var docEndAllowance = &apiDoc{Tag: "services", Summary: "额度规则截止于某日 (end an allowance rule on a date)", Params: []param{pID}, Body: EndInput{}, Response: Done{}}

func (s *Server) apiEndAllowance(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in EndInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	end, err := dateField("end", in.End)
	if err != nil {
		return err
	}
	if err := s.HomeCare.EndAllowance(r.Context(), id, end); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Done{OK: true})
	return nil
}

var docPersonAllowance = &apiDoc{Tag: "services", Summary: "某人某月某类别的政府购买服务额度及理由（未扣已用）(a person's allowance for a category and month, with the rule that gives it, before what was used)",
	Params: []param{pPersonID, {Name: "category", In: "query", Type: "string", Required: true}, pMonth}, Response: &yanglao.MonthlyAllowance{}}

func (s *Server) apiPersonAllowance(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.HomeCare.PersonAllowance(r.Context(), id, r.URL.Query().Get("category"), r.URL.Query().Get("month"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// ---- providers

var docProvider = &apiDoc{Tag: "services", Summary: "服务组织：覆盖范围、项目与价格、政府购买合同、持证率 (a provider: coverage, items and prices, contracts, certified-caregiver rate)",
	Params: []param{pProviderID}, Response: &yanglao.ProviderProfile{}}

func (s *Server) apiProvider(w http.ResponseWriter, r *http.Request) error {
	return respondByID(w, r, s.HomeCare.Provider)
}

// CoverageInput is the body of POST /api/v1/providers/{id}/coverage.
type CoverageInput struct {
	RegionCode string `json:"region_code"`
	Covered    bool   `json:"covered"`
}

var docSetCoverage = &apiDoc{Tag: "services", Summary: "增加（covered=true）或取消服务组织覆盖的区划（含其下级）(add or remove a region whose subtree the provider covers)",
	Params: []param{pProviderID}, Body: CoverageInput{}, Response: Done{}}

func (s *Server) apiSetCoverage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in CoverageInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.HomeCare.SetCoverage(r.Context(), id, in.RegionCode, in.Covered); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Done{OK: true})
	return nil
}

// ProviderItemInput is the body of POST /api/v1/providers/{id}/items.
type ProviderItemInput struct {
	ItemID   int64 `json:"item_id"`
	PriceFen int64 `json:"price_fen"`
	Minutes  int   `json:"minutes,omitempty"`
	Active   *bool `json:"active,omitempty"` // default true
}

var docSetProviderItem = &apiDoc{Tag: "services", Summary: "设定服务组织某项目的价格（分）与时长 (set the price in fen and duration at which a provider offers an item)",
	Params: []param{pProviderID}, Body: ProviderItemInput{}, Response: &yanglao.ProviderItem{}}

func (s *Server) apiSetProviderItem(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in ProviderItemInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p := &yanglao.ProviderItem{OrgID: id, ItemID: in.ItemID, PriceFen: in.PriceFen, Minutes: in.Minutes, Active: in.Active == nil || *in.Active}
	if err := s.HomeCare.SetProviderItem(r.Context(), p); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

// ContractInput is the body of POST /api/v1/providers/{id}/contracts.
type ContractInput struct {
	Number     string  `json:"number"`
	RegionCode string  `json:"region_code"`
	Start      string  `json:"start"` // YYYY-MM-DD
	End        string  `json:"end"`   // YYYY-MM-DD
	ItemIDs    []int64 `json:"item_ids"`
	Note       string  `json:"note,omitempty"`
}

var docAddContract = &apiDoc{Tag: "services", Summary: "登记政府购买服务合同：编号、购买方区划、期限、政府购买的项目 (record a government purchase contract: number, buying region, dates, items)",
	Params: []param{pProviderID}, Body: ContractInput{}, Response: &yanglao.ProviderContract{}, Status: http.StatusCreated}

func (s *Server) apiAddContract(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in ContractInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c := &yanglao.ProviderContract{OrgID: id, Number: in.Number, RegionCode: in.RegionCode, ItemIDs: in.ItemIDs, Note: in.Note}
	if c.Start, err = dateField("start", in.Start); err != nil {
		return err
	}
	if c.End, err = dateField("end", in.End); err != nil {
		return err
	}
	if err := s.HomeCare.AddContract(r.Context(), c); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

var docOffer = &apiDoc{Tag: "services", Summary: "服务组织在某地址某项目的报价、时长与覆盖它的政府合同；不覆盖或不提供时给出原因 (a provider's price and duration for an item at an address, and the contract that covers it; refused with the reason)",
	Params:   []param{pProviderID, {Name: "item", In: "query", Type: "integer", Required: true}, {Name: "region", In: "query", Type: "string", Required: true, Desc: "服务地址的区划代码 (the address's region code)"}},
	Response: &yanglao.ServiceOffer{}}

func (s *Server) apiOffer(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	item, err := queryInt64(r, "item")
	if err != nil {
		return err
	}
	if item == 0 {
		return yanglao.Invalid("item", "请指定服务项目 (item is required)")
	}
	o, err := s.HomeCare.Offer(r.Context(), id, item, r.URL.Query().Get("region"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, o)
	return nil
}

var docCertifiedRates = &apiDoc{Tag: "services", Summary: "各服务组织持证上岗率（有效养老护理员证书）与目标 (each provider's share of caregivers with a valid certificate, against the target)",
	Params: []param{pRegion}, Response: []*yanglao.CertifiedRate{}}

func (s *Server) apiCertifiedRates(w http.ResponseWriter, r *http.Request) error {
	rates, err := s.HomeCare.CertifiedRates(r.Context(), r.URL.Query().Get("region"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rates)
	return nil
}

// ---- caregivers

var docCaregivers = &apiDoc{Tag: "services", Summary: "护理员列表（姓名前缀、完整身份证号或手机号；技能；证书将到期）(caregivers: name prefix, whole citizen ID or phone; skill; certificates expiring)",
	Params: []param{{Name: "org", In: "query", Type: "integer"}, {Name: "q", In: "query", Type: "string"}, {Name: "skill", In: "query", Type: "string"},
		{Name: "expiring", In: "query", Type: "boolean", Desc: "证书已过期或30天内到期 (a certificate expired or expiring within 30 days)"},
		{Name: "sort", In: "query", Type: "string", Desc: "id | name"}, pAfter, pLimit},
	Response: List[*yanglao.Caregiver]{}}

func caregiverFilter(r *http.Request) (yanglao.CaregiverFilter, error) {
	page, err := pageParams(r)
	if err != nil {
		return yanglao.CaregiverFilter{}, err
	}
	q := r.URL.Query()
	f := yanglao.CaregiverFilter{Query: q.Get("q"), Skill: q.Get("skill"), Sort: q.Get("sort"), Page: page}
	switch q.Get("expiring") {
	case "", "false":
	case "true", "1":
		f.Expiring = true
	default:
		return f, yanglao.Invalid("expiring", "expiring 应为 true 或 false (expiring must be true or false)")
	}
	f.OrgID, err = queryInt64(r, "org")
	return f, err
}

func (s *Server) apiCaregivers(w http.ResponseWriter, r *http.Request) error {
	f, err := caregiverFilter(r)
	if err != nil {
		return err
	}
	list, next, err := s.HomeCare.Caregivers(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.Caregiver]{Items: list, Next: next})
	return nil
}

// CaregiverInput is the body of POST /api/v1/caregivers and PUT /api/v1/caregivers/{id}.
type CaregiverInput struct {
	OrgID    int64       `json:"org_id,omitempty"` // required on create
	UserID   *int64      `json:"user_id,omitempty"`
	Name     string      `json:"name"`
	IDNumber string      `json:"id_number,omitempty"` // required on create; on update only to change it
	Phone    string      `json:"phone,omitempty"`     // on update: empty keeps the stored phone
	Skills   []string    `json:"skills,omitempty"`
	Lng      *float64    `json:"lng,omitempty"`
	Lat      *float64    `json:"lat,omitempty"`
	Active   *bool       `json:"active,omitempty"` // default true
	Certs    []CertInput `json:"certs,omitempty"`  // on create only
	Version  int         `json:"version,omitempty"`
}

func (in CaregiverInput) caregiver(id int64) (*yanglao.Caregiver, error) {
	c := &yanglao.Caregiver{ID: id, OrgID: in.OrgID, UserID: in.UserID, Name: in.Name, IDNumber: in.IDNumber, Phone: in.Phone, Skills: in.Skills,
		Lng: in.Lng, Lat: in.Lat, Active: in.Active == nil || *in.Active, Version: in.Version}
	for _, ci := range in.Certs {
		ct, err := ci.cert(id)
		if err != nil {
			return nil, err
		}
		c.Certs = append(c.Certs, ct)
	}
	return c, nil
}

var docCreateCaregiver = &apiDoc{Tag: "services", Summary: "登记护理员（身份证号加密存储；在从业禁止名单中的会被标记且不能派单）(record a caregiver; the ID is sealed; a banned person is flagged and never assigned)",
	Body: CaregiverInput{}, Response: &yanglao.Caregiver{}, Status: http.StatusCreated}

func (s *Server) apiCreateCaregiver(w http.ResponseWriter, r *http.Request) error {
	var in CaregiverInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := in.caregiver(0)
	if err != nil {
		return err
	}
	if err := s.HomeCare.CreateCaregiver(r.Context(), c); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

var docCaregiver = &apiDoc{Tag: "services", Summary: "护理员详情：证书、是否被禁止从业、是否持证 (a caregiver with certificates, ban and certified flags)",
	Params: []param{pID}, Response: &yanglao.Caregiver{}}

func (s *Server) apiCaregiver(w http.ResponseWriter, r *http.Request) error {
	return respondByID(w, r, s.HomeCare.Caregiver)
}

var docUpdateCaregiver = &apiDoc{Tag: "services", Summary: "修改护理员（需 version）(change a caregiver; version required)",
	Params: []param{pID}, Body: CaregiverInput{}, Response: &yanglao.Caregiver{}}

func (s *Server) apiUpdateCaregiver(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in CaregiverInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if len(in.Certs) > 0 {
		return yanglao.Invalid("certs", "证书请通过 POST /api/v1/caregivers/{id}/certs 添加 (add certificates with POST /api/v1/caregivers/{id}/certs)")
	}
	c, err := in.caregiver(id)
	if err != nil {
		return err
	}
	if err := s.HomeCare.UpdateCaregiver(r.Context(), c); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// CertInput is the body of POST /api/v1/caregivers/{id}/certs.
type CertInput struct {
	Kind    string `json:"kind"`
	Level   string `json:"level,omitempty"`
	Number  string `json:"number,omitempty"`
	Issued  string `json:"issued"`            // YYYY-MM-DD
	Expires string `json:"expires,omitempty"` // YYYY-MM-DD; empty: does not expire
}

func (in CertInput) cert(caregiverID int64) (*yanglao.CaregiverCert, error) {
	c := &yanglao.CaregiverCert{CaregiverID: caregiverID, Kind: in.Kind, Level: in.Level, Number: in.Number}
	var err error
	if c.Issued, err = dateField("issued", in.Issued); err != nil {
		return nil, err
	}
	c.Expires, err = dateField("expires", in.Expires)
	return c, err
}

var docAddCert = &apiDoc{Tag: "services", Summary: "添加证书（养老护理员等级、健康证、岗前培训）(add a certificate: nursing level, health, training)",
	Params: []param{pID}, Body: CertInput{}, Response: &yanglao.CaregiverCert{}, Status: http.StatusCreated}

func (s *Server) apiAddCert(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in CertInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := in.cert(id)
	if err != nil {
		return err
	}
	if err := s.HomeCare.AddCert(r.Context(), c); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

// EligibilityResult is the response of GET /api/v1/caregivers/{id}/eligible.
type EligibilityResult struct {
	Eligible bool   `json:"eligible"`
	Reason   string `json:"reason,omitempty"`
}

var docCheckCaregiver = &apiDoc{Tag: "services", Summary: "护理员某日能否承接某项目：技能、证书有效、未被禁止、在岗；不能时给出全部原因 (may the caregiver deliver the item on the day: skills, valid certificates, not banned, active; every reason when not)",
	Params:   []param{pID, {Name: "item", In: "query", Type: "integer", Required: true}, {Name: "day", In: "query", Type: "string", Desc: "YYYY-MM-DD，默认今天 (default today)"}},
	Response: EligibilityResult{}}

func (s *Server) apiCheckCaregiver(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	item, err := queryInt64(r, "item")
	if err != nil {
		return err
	}
	if item == 0 {
		return yanglao.Invalid("item", "请指定服务项目 (item is required)")
	}
	day, err := queryDate(r, "day")
	if err != nil {
		return err
	}
	err = s.HomeCare.CheckCaregiver(r.Context(), id, item, day)
	if err != nil && yanglao.ErrorField(err) == "caregiver_id" && yanglao.ErrorCode(err) == yanglao.EINVALID {
		writeJSON(w, http.StatusOK, EligibilityResult{Reason: yanglao.ErrorMessage(err)})
		return nil
	} else if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, EligibilityResult{Eligible: true})
	return nil
}

// SuggestInput is the body of POST /api/v1/caregivers/suggest.
type SuggestInput struct {
	OrgID  int64     `json:"org_id"`
	ItemID int64     `json:"item_id"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Lat    float64   `json:"lat"`
	Lng    float64   `json:"lng"`
	Sex    string    `json:"sex,omitempty"`
	MaxKm  float64   `json:"max_km,omitempty"`
	Limit  int       `json:"limit,omitempty"`
}

var docSuggest = &apiDoc{Tag: "services", Summary: "派单建议：该时段空闲、具备技能与有效证书、未被禁止的护理员，按距离由近到远 (dispatch suggestions: caregivers free in the window, qualified, not banned, nearest first)",
	Body: SuggestInput{}, Response: []*yanglao.CaregiverSuggestion{}}

func (s *Server) apiSuggest(w http.ResponseWriter, r *http.Request) error {
	var in SuggestInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	out, err := s.HomeCare.SuggestCaregivers(r.Context(), yanglao.SuggestQuery(in))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// ---- employment bans

var docBans = &apiDoc{Tag: "services", Summary: "从业禁止名单（本辖区登记的）(the employment-ban list recorded in your region)",
	Params:   []param{{Name: "q", In: "query", Type: "string", Desc: "姓名前缀或完整身份证号 (name prefix or whole citizen ID)"}, pAfter, pLimit},
	Response: List[*yanglao.EmploymentBan]{}}

func (s *Server) apiBans(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	list, next, err := s.HomeCare.Bans(r.Context(), yanglao.BanFilter{Query: r.URL.Query().Get("q"), Page: page})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.EmploymentBan]{Items: list, Next: next})
	return nil
}

// BanInput is the body of POST /api/v1/employment-bans.
type BanInput struct {
	IDNumber   string `json:"id_number"`
	Name       string `json:"name"`
	Source     string `json:"source"`
	Reason     string `json:"reason"`
	Start      string `json:"start"`         // YYYY-MM-DD
	End        string `json:"end,omitempty"` // YYYY-MM-DD; empty: for life
	RegionCode string `json:"region_code,omitempty"`
}

var docAddBan = &apiDoc{Tag: "services", Summary: "登记从业禁止（按身份证号的密钥哈希在全平台生效）(record an employment ban; it applies platform-wide by the ID's keyed hash)",
	Body: BanInput{}, Response: &yanglao.EmploymentBan{}, Status: http.StatusCreated}

func (s *Server) apiAddBan(w http.ResponseWriter, r *http.Request) error {
	var in BanInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	b := &yanglao.EmploymentBan{IDNumber: in.IDNumber, Name: in.Name, Source: in.Source, Reason: in.Reason, RegionCode: in.RegionCode}
	var err error
	if b.Start, err = dateField("start", in.Start); err != nil {
		return err
	}
	if b.End, err = dateField("end", in.End); err != nil {
		return err
	}
	if err := s.HomeCare.AddBan(r.Context(), b); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, b)
	return nil
}
