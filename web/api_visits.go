package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/visitrules"
)

// Care visits (探访关爱) and mandatory abuse reports (强制报告), issue 6:
// handlers parse and respond; rules, scope and the plan live in the services.

var (
	pVisitID  = param{Name: "id", In: "path", Type: "integer", Required: true, Desc: "探访记录编号 (visit id)"}
	pReportID = param{Name: "id", In: "path", Type: "integer", Required: true, Desc: "报告编号 (report id)"}
)

// GroupsResponse lists the target groups and the visit-rate target.
type GroupsResponse struct {
	Groups    []visitrules.GroupInfo `json:"groups"`
	TargetPct int                    `json:"target_pct"`
}

var docCareGroups = &apiDoc{Tag: "carevisits", Summary: "探访对象类别及其政策出处、月探访率目标 (target groups with their policy sources, and the monthly visit-rate target)",
	Response: GroupsResponse{}}

func (s *Server) apiCareGroups(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, GroupsResponse{Groups: visitrules.Groups, TargetPct: yanglao.VisitRateTarget / 10})
	return nil
}

var docCareRules = &apiDoc{Tag: "carevisits", Summary: "某区划适用的探访规则（本级与上级，inherited 标明继承）(the visit rules that apply in a region: its own and its ancestors')",
	Params: []param{pRegion}, Response: List[*yanglao.CareRule]{}}

func (s *Server) apiCareRules(w http.ResponseWriter, r *http.Request) error {
	items, err := s.CareVisits.CareRules(r.Context(), r.URL.Query().Get("region"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.CareRule]{Items: items})
	return nil
}

var docSaveCareRule = &apiDoc{Tag: "carevisits", Summary: "为区划新增一条探访规则（民政干部）：类别、每月次数（至少1次）、高龄起始年龄、有效期、依据 (add a region's rule: group, visits a month (at least one), oldest-old age, validity, source)",
	Body: yanglao.CareRule{}, Response: &yanglao.CareRule{}, Status: http.StatusCreated}

func (s *Server) apiSaveCareRule(w http.ResponseWriter, r *http.Request) error {
	var in yanglao.CareRule
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.CareVisits.SaveCareRule(r.Context(), &in); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, in)
	return nil
}

// EndRuleRequest closes a rule.
type EndRuleRequest struct {
	To yanglao.Date `json:"to"`
}

var docEndCareRule = &apiDoc{Tag: "carevisits", Summary: "规则截止于某日（含）(end a rule on a day, inclusive)",
	Params: []param{{Name: "id", In: "path", Type: "integer", Required: true}}, Body: EndRuleRequest{}, Response: &yanglao.CareRule{}}

func (s *Server) apiEndCareRule(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in EndRuleRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	rule, err := s.CareVisits.EndCareRule(r.Context(), id, in.To)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rule)
	return nil
}

// RefreshRequest asks for a month's list to be computed.
type RefreshRequest struct {
	Region string `json:"region,omitempty"`
	Month  string `json:"month,omitempty"`
}

var docRefreshTargets = &apiDoc{Tag: "carevisits", Summary: "按规则从老年人名册重新计算某月探访名单（保留探访人与已做的探访）(recompute a month's list from the register by the rules, keeping visitors and visits)",
	Body: RefreshRequest{}, Response: &yanglao.RefreshReport{}}

func (s *Server) apiRefreshTargets(w http.ResponseWriter, r *http.Request) error {
	var in RefreshRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	rep, err := s.CareVisits.RefreshTargets(r.Context(), in.Region, in.Month)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

func boolParam(r *http.Request, name string) (bool, error) {
	switch v := r.URL.Query().Get(name); v {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, yanglao.Invalid(name, "%s 应为 true 或 false (%s must be true or false)", name, name)
}

func careTargetFilter(r *http.Request) (yanglao.CareTargetFilter, error) {
	q := r.URL.Query()
	f := yanglao.CareTargetFilter{Month: q.Get("month"), RegionCode: q.Get("region")}
	var err error
	if f.Mine, err = boolParam(r, "mine"); err != nil {
		return f, err
	}
	if f.Pending, err = boolParam(r, "pending"); err != nil {
		return f, err
	}
	f.Page, err = pageParams(r)
	return f, err
}

var docCareTargets = &apiDoc{Tag: "carevisits", Summary: "某月探访名单，按区划排序分页；pending=true 为未完成探访的预警名单，mine=true 为本人负责的老人 (a month's list in region order; pending=true: the alert list of people not yet visited enough; mine=true: the people you visit)",
	Params:   []param{pMonth, pRegion, {Name: "pending", In: "query", Type: "boolean"}, {Name: "mine", In: "query", Type: "boolean"}, pAfter, pLimit},
	Response: List[*yanglao.CareTarget]{}}

func (s *Server) apiCareTargets(w http.ResponseWriter, r *http.Request) error {
	f, err := careTargetFilter(r)
	if err != nil {
		return err
	}
	items, next, err := s.CareVisits.CareTargets(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.CareTarget]{Items: items, Next: next})
	return nil
}

var docVisitRates = &apiDoc{Tag: "carevisits", Summary: "某月探访率：本区划与各下级区划（逐级汇总），目标100% (a month's visit rate of a region and of each child region, rolled up; target 100 %)",
	Params: []param{pRegion, pMonth}, Response: &yanglao.VisitRates{}}

func (s *Server) apiVisitRates(w http.ResponseWriter, r *http.Request) error {
	res, err := s.CareVisits.VisitRates(r.Context(), r.URL.Query().Get("region"), r.URL.Query().Get("month"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

var docVisitors = &apiDoc{Tag: "carevisits", Summary: "辖区内登记的探访人 (visitors registered in your region)",
	Params: []param{pRegion, pAfter, pLimit}, Response: List[*yanglao.CareVisitor]{}}

func (s *Server) apiVisitors(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := s.CareVisits.Visitors(r.Context(), r.URL.Query().Get("region"), page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.CareVisitor]{Items: items, Next: next})
	return nil
}

var docCreateVisitor = &apiDoc{Tag: "carevisits", Summary: "登记没有账号的探访人（志愿者、老年协会会员等）(register a visitor without an account: a volunteer, an association member …)",
	Body: yanglao.CareVisitor{}, Response: &yanglao.CareVisitor{}, Status: http.StatusCreated}

func (s *Server) apiCreateVisitor(w http.ResponseWriter, r *http.Request) error {
	var in yanglao.CareVisitor
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.CareVisits.CreateVisitor(r.Context(), &in); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, in)
	return nil
}

// AssignResponse says how many people were given the visitor.
type AssignResponse struct {
	Assigned int `json:"assigned"`
}

var docAssign = &apiDoc{Tag: "carevisits", Summary: "批量指派探访人：某村（社区）或乡镇（街道）名单上尚无探访人的老人（replace=true 时全部），或列出的老人；以后各月沿用 (assign a visitor in bulk, by village or township, or listed people; later months keep it)",
	Body: yanglao.AssignRequest{}, Response: AssignResponse{}}

func (s *Server) apiAssign(w http.ResponseWriter, r *http.Request) error {
	var in yanglao.AssignRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	n, err := s.CareVisits.Assign(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, AssignResponse{Assigned: n})
	return nil
}

// FollowUpInput is a follow-up in a visit request.
type FollowUpInput struct {
	Kind       string `json:"kind"`
	Detail     string `json:"detail"`
	ReferredTo string `json:"referred_to,omitempty"`
}

// VisitInput is the body of POST /api/v1/carevisits/visits. Photos are
// base64 in JSON; the 1 MiB body limit leaves room for one or two phone
// pictures (each at most 512 KiB, JPEG, PNG or WebP, checked by content).
type VisitInput struct {
	PersonID   int64           `json:"person_id"`
	Date       yanglao.Date    `json:"date"`
	Mode       string          `json:"mode"`
	VisitorID  *int64          `json:"visitor_id,omitempty"`
	Health     string          `json:"health"`
	HealthNote string          `json:"health_note,omitempty"`
	Hazards    []string        `json:"hazards,omitempty"`
	HazardNote string          `json:"hazard_note,omitempty"`
	Needs      []string        `json:"needs,omitempty"`
	NeedsNote  string          `json:"needs_note,omitempty"`
	Note       string          `json:"note,omitempty"`
	Lat        *float64        `json:"lat,omitempty"`
	Lng        *float64        `json:"lng,omitempty"`
	RequestKey string          `json:"request_key,omitempty"`
	Photos     [][]byte        `json:"photos,omitempty"`
	FollowUps  []FollowUpInput `json:"follow_ups,omitempty"`
}

// photo sniffs an upload's type from its bytes; the client's claim is not trusted.
func photo(data []byte) *yanglao.VisitPhoto {
	return &yanglao.VisitPhoto{ContentType: http.DetectContentType(data), Data: data}
}

func (in *VisitInput) visit() (*yanglao.CareVisit, []*yanglao.FollowUp) {
	v := &yanglao.CareVisit{PersonID: in.PersonID, Date: in.Date, Mode: in.Mode, VisitorID: in.VisitorID, Health: in.Health, HealthNote: in.HealthNote,
		Hazards: in.Hazards, HazardNote: in.HazardNote, Needs: in.Needs, NeedsNote: in.NeedsNote, Note: in.Note, Lat: in.Lat, Lng: in.Lng, RequestKey: in.RequestKey}
	for _, p := range in.Photos {
		v.Photos = append(v.Photos, photo(p))
	}
	var fus []*yanglao.FollowUp
	for _, f := range in.FollowUps {
		fus = append(fus, &yanglao.FollowUp{Kind: f.Kind, Detail: f.Detail, ReferredTo: f.ReferredTo})
	}
	return v, fus
}

var docRecordVisit = &apiDoc{Tag: "carevisits", Summary: "记录一次探访：日期、方式、健康、安全隐患、需求、照片、位置、跟进事项；同一 request_key 只记一次 (record a visit with findings, photos, position and follow-ups; one visit per request_key)",
	Body: VisitInput{}, Response: &yanglao.CareVisit{}, Status: http.StatusCreated}

func (s *Server) apiRecordVisit(w http.ResponseWriter, r *http.Request) error {
	var in VisitInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	v, fus := in.visit()
	if err := s.CareVisits.RecordVisit(r.Context(), v, fus); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, v)
	return nil
}

var docCareVisit = &apiDoc{Tag: "carevisits", Summary: "一次探访的记录（含照片说明与跟进事项）(one visit with its photos' descriptions and follow-ups)",
	Params: []param{pVisitID}, Response: &yanglao.CareVisit{}}

func (s *Server) apiCareVisit(w http.ResponseWriter, r *http.Request) error {
	return respondByID(w, r, s.CareVisits.CareVisit)
}

var docVisitPhoto = &apiDoc{Tag: "carevisits", Summary: "探访照片（图片本身）(a visit photo: the image itself)",
	Params: []param{pVisitID, {Name: "photo", In: "path", Type: "integer", Required: true}}}

func (s *Server) apiVisitPhoto(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	pid, err := pathID(r, "photo")
	if err != nil {
		return err
	}
	p, err := s.CareVisits.VisitPhoto(r.Context(), id, pid)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", p.ContentType)
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(p.Data)))
	w.Write(p.Data)
	return nil
}

var docPersonVisits = &apiDoc{Tag: "carevisits", Summary: "某位老人的探访记录，新的在前 (a person's visits, newest first)",
	Params: []param{pPersonID, pAfter, pLimit}, Response: List[*yanglao.CareVisit]{}}

func (s *Server) apiPersonVisits(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := s.CareVisits.PersonVisits(r.Context(), id, page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.CareVisit]{Items: items, Next: next})
	return nil
}

var docFollowUps = &apiDoc{Tag: "carevisits", Summary: "探访跟进事项（服务需求、转介、能力评估申请），默认未办结的 (follow-ups of visits: service requests, referrals, assessment requests; open ones by default)",
	Params: []param{{Name: "kind", In: "query", Type: "string"}, {Name: "state", In: "query", Type: "string", Desc: "open, in_progress, done, cancelled, all"},
		{Name: "person", In: "query", Type: "integer"}, pAfter, pLimit}, Response: List[*yanglao.FollowUp]{}}

func (s *Server) apiFollowUps(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	f := yanglao.FollowUpFilter{Kind: q.Get("kind"), State: q.Get("state")}
	if p := q.Get("person"); p != "" {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil || id <= 0 {
			return yanglao.Invalid("person", "person 应为正整数 (person must be a positive integer)")
		}
		f.PersonID = id
	}
	var err error
	if f.Page, err = pageParams(r); err != nil {
		return err
	}
	items, next, err := s.CareVisits.FollowUps(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.FollowUp]{Items: items, Next: next})
	return nil
}

// FollowUpUpdate moves a follow-up on.
type FollowUpUpdate struct {
	State string `json:"state"`
	Note  string `json:"note,omitempty"`
}

var docUpdateFollowUp = &apiDoc{Tag: "carevisits", Summary: "跟进事项改为处理中、已完成或已取消 (move a follow-up to in_progress, done or cancelled)",
	Params: []param{{Name: "id", In: "path", Type: "integer", Required: true}}, Body: FollowUpUpdate{}, Response: &yanglao.FollowUp{}}

func (s *Server) apiUpdateFollowUp(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in FollowUpUpdate
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	f, err := s.CareVisits.UpdateFollowUp(r.Context(), id, in.State, in.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, f)
	return nil
}

var docCareReminders = &apiDoc{Tag: "carevisits", Summary: "月底探访提醒（本人的，及辖区内无账号探访人和未指派老人的）(month-end reminders: yours, and in your region those for visitors without accounts and people with no visitor)",
	Params: []param{pMonth, pAfter, pLimit}, Response: List[*yanglao.CareReminder]{}}

func (s *Server) apiCareReminders(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := s.CareVisits.Reminders(r.Context(), r.URL.Query().Get("month"), page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.CareReminder]{Items: items, Next: next})
	return nil
}

// --- mandatory reports

// challengeKey signs the anti-abuse challenges of the public report form.
// It lives as long as the process: a challenge is good for two hours, and a
// restart only asks a reporter to answer a new one.
var challengeKey = func() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}()

// Challenge is a small sum a person answers before a public report is
// accepted, with a signed token that carries no answer.
type Challenge struct {
	Token    string `json:"token"`
	Question string `json:"question"`
}

const (
	challengeMinAge = 2 * time.Second // faster than a person can read the form
	challengeMaxAge = 2 * time.Hour
)

func signChallenge(issued int64, nonce string, answer int) string {
	m := hmac.New(sha256.New, challengeKey)
	fmt.Fprintf(m, "%d|%s|%d", issued, nonce, answer)
	return hex.EncodeToString(m.Sum(nil))
}

func newChallenge(now time.Time) Challenge {
	a, _ := rand.Int(rand.Reader, big.NewInt(9))
	b, _ := rand.Int(rand.Reader, big.NewInt(9))
	x, y := int(a.Int64())+1, int(b.Int64())+1
	nb := make([]byte, 8)
	rand.Read(nb)
	nonce := hex.EncodeToString(nb)
	issued := now.Unix()
	return Challenge{Token: fmt.Sprintf("%d.%s.%s", issued, nonce, signChallenge(issued, nonce, x+y)),
		Question: fmt.Sprintf("%d 加 %d 等于几？(What is %d plus %d?)", x, y, x, y)}
}

// checkChallenge verifies the answer, the token's age and the honeypot field
// (hidden from people; a form-filling robot fills it).
func checkChallenge(now time.Time, token, answer, honeypot string) error {
	if honeypot != "" {
		return yanglao.Invalid("website", "请不要填写此项 (leave this field empty)")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return yanglao.Invalid("challenge_token", "验证已失效，请重新回答 (the check expired: answer the new question)")
	}
	issued, err := strconv.ParseInt(parts[0], 10, 64)
	n, aerr := strconv.Atoi(strings.TrimSpace(answer))
	if err != nil {
		return yanglao.Invalid("challenge_token", "验证已失效，请重新回答 (the check expired: answer the new question)")
	}
	if aerr != nil || !hmac.Equal([]byte(signChallenge(issued, parts[1], n)), []byte(parts[2])) {
		return yanglao.Invalid("challenge_answer", "验证答案不对，请再算一下 (the answer to the check is wrong)")
	}
	age := now.Sub(time.Unix(issued, 0))
	if age < challengeMinAge {
		return yanglao.Invalid("challenge_answer", "提交太快，请稍候再提交 (submitted too fast: wait a moment)")
	}
	if age > challengeMaxAge {
		return yanglao.Invalid("challenge_token", "验证已失效，请重新回答 (the check expired: answer the new question)")
	}
	return nil
}

var docReportChallenge = &apiDoc{Tag: "reports", Summary: "公开报告前的简单验证题 (the simple check a public report answers)", Response: Challenge{}}

func (s *Server) apiReportChallenge(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, newChallenge(time.Now()))
	return nil
}

// ReportInput is the body of a public report.
type ReportInput struct {
	RegionCode      string       `json:"region_code"`
	ElderName       string       `json:"elder_name"`
	Place           string       `json:"place"`
	Kinds           []string     `json:"kinds"`
	Description     string       `json:"description"`
	OccurredOn      yanglao.Date `json:"occurred_on,omitzero"`
	ReporterName    string       `json:"reporter_name,omitempty"`
	ReporterContact string       `json:"reporter_contact,omitempty"`
	Anonymous       bool         `json:"anonymous,omitempty"`
	ChallengeToken  string       `json:"challenge_token"`
	ChallengeAnswer string       `json:"challenge_answer"`
	Website         string       `json:"website,omitempty"` // honeypot: must stay empty
}

// ReportReceipt gives the tracking code, once.
type ReportReceipt struct {
	ID           int64  `json:"id"`
	TrackingCode string `json:"tracking_code"`
	State        string `json:"state"`
}

var docSubmitReport = &apiDoc{Tag: "reports", Summary: "报告疑似虐待或疏于照料老年人（无需登录；限频；需回答验证题）；返回查询码，只显示一次 (report suspected abuse or neglect of an older person: no account needed, rate-limited, with a check question; returns the tracking code once)",
	Body: ReportInput{}, Response: ReportReceipt{}, Status: http.StatusCreated}

func (s *Server) apiSubmitReport(w http.ResponseWriter, r *http.Request) error {
	var in ReportInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	rep, code, err := s.submitReport(r, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ReportReceipt{ID: rep.ID, TrackingCode: code, State: rep.State})
	return nil
}

func (s *Server) submitReport(r *http.Request, in ReportInput) (*yanglao.AbuseReport, string, error) {
	if err := checkChallenge(time.Now(), in.ChallengeToken, in.ChallengeAnswer, in.Website); err != nil {
		return nil, "", err
	}
	rep := &yanglao.AbuseReport{RegionCode: in.RegionCode, ElderName: in.ElderName, Place: in.Place, Kinds: in.Kinds, Description: in.Description,
		OccurredOn: in.OccurredOn, ReporterName: in.ReporterName, ReporterContact: in.ReporterContact, Anonymous: in.Anonymous}
	code, err := s.AbuseReports.SubmitReport(r.Context(), rep, clientIP(r))
	return rep, code, err
}

var docTrackReport = &apiDoc{Tag: "reports", Summary: "凭查询码查看报告办理状态（不含任何个人信息）(the state of a report by its tracking code, with nothing personal)",
	Params: []param{{Name: "code", In: "path", Type: "string", Required: true}}, Response: &yanglao.ReportTracking{}}

func (s *Server) apiTrackReport(w http.ResponseWriter, r *http.Request) error {
	t, err := s.AbuseReports.TrackReport(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, t)
	return nil
}

var docAbuseReports = &apiDoc{Tag: "reports", Summary: "辖区内的强制报告工作清单，默认未办结的 (the worklist of reports in your region; not concluded by default)",
	Params: []param{{Name: "state", In: "query", Type: "string", Desc: "received, assigned, investigating, concluded, all"}, pAfter, pLimit}, Response: List[*yanglao.AbuseReport]{}}

func (s *Server) apiAbuseReports(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := s.AbuseReports.AbuseReports(r.Context(), yanglao.ReportFilter{State: r.URL.Query().Get("state"), Page: page})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.AbuseReport]{Items: items, Next: next})
	return nil
}

var docAbuseReport = &apiDoc{Tag: "reports", Summary: "一份报告及其全部办理步骤 (one report with every step)", Params: []param{pReportID}, Response: &yanglao.AbuseReport{}}

func (s *Server) apiAbuseReport(w http.ResponseWriter, r *http.Request) error {
	return respondByID(w, r, s.AbuseReports.AbuseReport)
}

var docUpdateReport = &apiDoc{Tag: "reports", Summary: "办理报告：指派（assignee_id）、调查中、办结（outcome 与 note）；每步记录并审计 (move a report on: assign, investigate, conclude with an outcome; every step recorded and audited)",
	Params: []param{pReportID}, Body: yanglao.ReportUpdate{}, Response: &yanglao.AbuseReport{}}

func (s *Server) apiUpdateReport(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in yanglao.ReportUpdate
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	rep, err := s.AbuseReports.UpdateReport(r.Context(), id, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}
