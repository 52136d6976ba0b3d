package web

import (
	"net/http"

	"github.com/yanglao/yanglao"
)

// The basic service list and benefits (issue 4): handlers parse and respond;
// scope, rules and maker-checker live in the BenefitService.

var (
	pMonth    = param{Name: "month", In: "query", Type: "string", Desc: "YYYY-MM，默认本月 (default: this month)"}
	pRegion   = param{Name: "region", In: "query", Type: "string", Desc: "12位区划代码，默认本人所在区划 (12-digit region code; default your own)"}
	pItemCode = param{Name: "code", In: "path", Type: "string", Required: true, Desc: "项目编码，如 CZ-12 (item code)"}
)

var docBenefitList = &apiDoc{Tag: "benefits", Summary: "某区划的基本养老服务清单：各项目各版本（本级与继承）、标准参数、与上级清单的比较 (a region's effective list: every version, own and inherited; parameters; where it falls below the parent's)",
	Params: []param{pRegion}, Response: &yanglao.BenefitList{}}

func (s *Server) apiBenefitList(w http.ResponseWriter, r *http.Request) error {
	l, err := s.Benefits.BenefitList(r.Context(), r.URL.Query().Get("region"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, l)
	return nil
}

var docSaveBenefitItem = &apiDoc{Tag: "benefits", Summary: "发布项目新版本（自 from 起生效，原版本于前一日截止；规则保存时编译检查，错误给出位置）(publish a new version of an item from a date; rules are checked, errors give the position)",
	Params: []param{{Name: "region", In: "path", Type: "string", Required: true}}, Body: yanglao.BenefitItem{}, Response: &yanglao.BenefitItem{}, Status: http.StatusCreated}

func (s *Server) apiSaveBenefitItem(w http.ResponseWriter, r *http.Request) error {
	var in yanglao.BenefitItem
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.Benefits.SaveBenefitItem(r.Context(), r.PathValue("region"), &in); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, in)
	return nil
}

// RuleCheck is the body of POST /api/v1/benefits/rules/check.
type RuleCheck struct {
	Field string `json:"field"` // eligibility or amount
	Rule  string `json:"rule"`
}

// RuleCheckResult says the rule compiles.
type RuleCheckResult struct {
	OK bool `json:"ok"`
}

var docCheckBenefitRule = &apiDoc{Tag: "benefits", Summary: "检查规则（不保存）；错误为 400，消息含行列位置 (check a rule without saving; an error is a 400 whose message gives line and column)",
	Body: RuleCheck{}, Response: RuleCheckResult{}}

func (s *Server) apiCheckBenefitRule(w http.ResponseWriter, r *http.Request) error {
	var in RuleCheck
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.Benefits.CheckBenefitRule(r.Context(), in.Field, in.Rule); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, RuleCheckResult{OK: true})
	return nil
}

var docSetBenefitParam = &apiDoc{Tag: "benefits", Summary: "设定区划标准参数的一段取值（如低保标准，分/月）(add a dated value of a region's parameter, e.g. the dibao standard in fen a month)",
	Body: yanglao.BenefitParam{}, Response: &yanglao.BenefitParam{}, Status: http.StatusCreated}

func (s *Server) apiSetBenefitParam(w http.ResponseWriter, r *http.Request) error {
	var in yanglao.BenefitParam
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := s.Benefits.SetBenefitParam(r.Context(), &in); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, in)
	return nil
}

var docPersonEntitlements = &apiDoc{Tag: "benefits", Summary: "某人某月的全部清单项目：是否符合、金额、理由、版本，以及已享受的待遇与申请 (every item for a person and month: eligible, amount, why, version; held entitlements and applications)",
	Params: []param{pPersonID, pMonth}, Response: &yanglao.PersonEntitlements{}}

func (s *Server) apiPersonEntitlements(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	pe, err := s.Benefits.PersonEntitlements(r.Context(), id, r.URL.Query().Get("month"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pe)
	return nil
}

var docExplainEntitlement = &apiDoc{Tag: "benefits", Summary: "某人某月某项目的资格说明 (one item for a person and month, with the explanation)",
	Params: []param{pPersonID, pItemCode, pMonth}, Response: &yanglao.ItemDecision{}}

func (s *Server) apiExplainEntitlement(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.Benefits.ExplainEntitlement(r.Context(), id, r.PathValue("code"), r.URL.Query().Get("month"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// ApplicationInput is the body of POST /api/v1/people/{id}/applications.
type ApplicationInput struct {
	ItemCode  string `json:"item_code"`
	FromMonth string `json:"from_month,omitempty"`
	Reason    string `json:"reason"`
}

var docApply = &apiDoc{Tag: "benefits", Summary: "代老年人申请依申请项目 (apply for an on-application item on a person's behalf)",
	Params: []param{pPersonID}, Body: ApplicationInput{}, Response: &yanglao.BenefitApplication{}, Status: http.StatusCreated}

func (s *Server) apiApply(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in ApplicationInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ap := &yanglao.BenefitApplication{PersonID: id, ItemCode: in.ItemCode, FromMonth: in.FromMonth, Reason: in.Reason}
	if err := s.Benefits.Apply(r.Context(), ap); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ap)
	return nil
}

var docApplications = &apiDoc{Tag: "benefits", Summary: "申请工作清单（默认待审批）(the application worklist; default: submitted)",
	Params:   []param{{Name: "status", In: "query", Type: "string", Desc: "submitted | approved | rejected | all"}, pAfter, pLimit},
	Response: List[*yanglao.BenefitApplication]{}}

func (s *Server) apiApplications(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := s.Benefits.Applications(r.Context(), yanglao.ApplicationFilter{Status: r.URL.Query().Get("status"), Page: page})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.BenefitApplication]{Items: items, Next: next})
	return nil
}

// DecisionInput is the body of POST /api/v1/benefits/applications/{id}/decision.
type DecisionInput struct {
	Approve bool   `json:"approve"`
	Note    string `json:"note"`
}

var docDecideApplication = &apiDoc{Tag: "benefits", Summary: "审批申请（须由申请人以外的民政干部；驳回须写理由；批准即生成待遇）(approve or reject; by an official other than the applicant; approval creates the entitlement)",
	Params: []param{{Name: "id", In: "path", Type: "integer", Required: true}}, Body: DecisionInput{}, Response: &yanglao.BenefitApplication{}}

func (s *Server) apiDecideApplication(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in DecisionInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ap, err := s.Benefits.DecideApplication(r.Context(), id, in.Approve, in.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ap)
	return nil
}

var docBenefitNotices = &apiDoc{Tag: "benefits", Summary: "静默认证的通知（新增、终止），最新在前 (notices of silent granting, newest first)",
	Params: []param{pAfter, pLimit}, Response: List[*yanglao.BenefitNotice]{}}

func (s *Server) apiBenefitNotices(w http.ResponseWriter, r *http.Request) error {
	page, err := pageParams(r)
	if err != nil {
		return err
	}
	items, next, err := s.Benefits.Notices(r.Context(), page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, List[*yanglao.BenefitNotice]{Items: items, Next: next})
	return nil
}

var docSimulate = &apiDoc{Tag: "benefits", Summary: "政策测算：某项目规则调整后未来各月、各下级区划的资金需求（不写入任何数据）(policy simulation: the budget by child region and month; writes nothing)",
	Body: yanglao.SimulationRequest{}, Response: &yanglao.SimulationResult{}}

func (s *Server) apiSimulate(w http.ResponseWriter, r *http.Request) error {
	var in yanglao.SimulationRequest
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	res, err := s.Benefits.Simulate(r.Context(), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
