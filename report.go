package yanglao

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Mandatory reports of suspected abuse or neglect of older people (老年人虐待
// 强制报告, 湘潭 第三章第六节4: "建立老年人、婴幼儿虐待强制报告制度"). Anyone may
// report, without an account; a report is routed to the county of the place,
// appears on that county's worklist and is tracked to a conclusion. The
// reporter keeps a tracking code that shows the state and nothing personal.

// Report states, in order.
const (
	ReportReceived      = "received"
	ReportAssigned      = "assigned"
	ReportInvestigating = "investigating"
	ReportConcluded     = "concluded"
)

// ReportStates names the states.
var ReportStates = map[string][2]string{
	ReportReceived:      {"已受理", "Received"},
	ReportAssigned:      {"已指派", "Assigned"},
	ReportInvestigating: {"调查中", "Investigating"},
	ReportConcluded:     {"已办结", "Concluded"},
}

// ReportKinds are what a reporter can say happened.
var ReportKinds = map[string][2]string{
	"physical":      {"身体伤害", "Physical harm"},
	"neglect":       {"疏于照料", "Neglect"},
	"abandonment":   {"遗弃", "Abandonment"},
	"financial":     {"侵占财产", "Financial abuse"},
	"psychological": {"精神伤害", "Psychological abuse"},
	"other":         {"其他", "Other"},
}

// ReportOutcomes are how a report is concluded.
var ReportOutcomes = map[string][2]string{
	"substantiated":    {"情况属实，已处置", "Substantiated and dealt with"},
	"referred":         {"已移交公安或司法机关", "Referred to police or justice"},
	"support_arranged": {"已安排帮扶", "Support arranged"},
	"unsubstantiated":  {"经核查不属实", "Not substantiated"},
	"duplicate":        {"重复报告", "Duplicate report"},
}

// AbuseReport is one report.
type AbuseReport struct {
	ID              int64              `json:"id"`
	RegionCode      string             `json:"region_code"`
	CountyCode      string             `json:"county_code"`
	ElderName       string             `json:"elder_name"`
	PersonID        *int64             `json:"person_id,omitempty"` // linked by the county when found in the register
	Place           string             `json:"place"`
	Kinds           []string           `json:"kinds"`
	Description     string             `json:"description"`
	OccurredOn      Date               `json:"occurred_on,omitzero"`
	ReporterName    string             `json:"reporter_name,omitempty"`
	ReporterContact string             `json:"reporter_contact,omitempty"` // in: plaintext; out: masked
	Anonymous       bool               `json:"anonymous"`
	State           string             `json:"state"`
	AssigneeID      *int64             `json:"assignee_id,omitempty"`
	AssigneeName    string             `json:"assignee_name,omitempty"`
	Outcome         string             `json:"outcome,omitempty"`
	Conclusion      string             `json:"conclusion,omitempty"`
	Events          []*AbuseReportStep `json:"events,omitempty"`
	CreatedAt       time.Time          `json:"created_at"`
	UpdatedAt       time.Time          `json:"updated_at"`
}

// AbuseReportStep is one recorded step of a report.
type AbuseReportStep struct {
	State string    `json:"state"`
	Note  string    `json:"note,omitempty"`
	By    string    `json:"by,omitempty"`
	At    time.Time `json:"at"`
}

// Validate checks a new report from input (today bounds the date).
func (r *AbuseReport) Validate(today Date) error {
	if err := CheckRegionCode("region_code", r.RegionCode); err != nil {
		return err
	}
	for _, f := range []struct {
		name     string
		s        *string
		min, max int
	}{{"elder_name", &r.ElderName, 1, 50}, {"place", &r.Place, 1, 200}, {"description", &r.Description, 5, 2000}, {"reporter_name", &r.ReporterName, 0, 50}} {
		if err := checkText(f.name, f.s, f.max); err != nil {
			return err
		}
		if utf8.RuneCountInString(*f.s) < f.min {
			if f.min == 1 {
				return Invalid(f.name, "此项必填 (%s is required)", f.name)
			}
			return Invalid(f.name, "请至少写%d个字说明情况 (%s: at least %d characters)", f.min, f.name, f.min)
		}
	}
	if strings.ContainsAny(r.ElderName+r.ReporterName, "<>\"`=;\\") {
		return Invalid("elder_name", "姓名含有不允许的字符 (names contain characters that are not allowed)")
	}
	if len(r.Kinds) == 0 {
		return Invalid("kinds", "请选择发生了什么 (choose at least one kind)")
	}
	if err := checkList("kinds", r.Kinds, ReportKinds); err != nil {
		return err
	}
	if !r.OccurredOn.IsZero() && r.OccurredOn.After(today) {
		return Invalid("occurred_on", "发生日期不能晚于今天 (occurred_on cannot be in the future)")
	}
	if r.Anonymous {
		r.ReporterName, r.ReporterContact = "", ""
	}
	if r.ReporterContact != "" {
		p, err := NormalizePhone("reporter_contact", r.ReporterContact)
		if err != nil {
			return err
		}
		r.ReporterContact = p
	}
	return nil
}

// ReportTracking is what a tracking code shows: the state and its dates, no names.
type ReportTracking struct {
	State     string             `json:"state"`
	CreatedAt time.Time          `json:"created_at"`
	UpdatedAt time.Time          `json:"updated_at"`
	Steps     []*AbuseReportStep `json:"steps"` // state and time only
}

// ReportFilter selects the worklist.
type ReportFilter struct {
	State string // "" = not concluded; "all"
	Page  Page
}

// ReportUpdate moves a report on: assign (AssigneeID), investigate, or conclude (Outcome).
type ReportUpdate struct {
	State      string `json:"state"`
	AssigneeID int64  `json:"assignee_id,omitempty"`
	Outcome    string `json:"outcome,omitempty"`
	Note       string `json:"note,omitempty"`
	PersonID   int64  `json:"person_id,omitempty"` // link the register's record
}

// AbuseReportService receives reports from anyone and runs the county worklist.
type AbuseReportService interface {
	// SubmitReport stores a report from anyone (signed in or not; the web
	// layer applies the anti-abuse check) and returns the tracking code,
	// shown once. clientKey identifies the sender for rate limiting (a keyed hash of the address).
	SubmitReport(ctx context.Context, r *AbuseReport, clientKey string) (code string, err error)
	// TrackReport shows the state for a tracking code.
	TrackReport(ctx context.Context, code string) (*ReportTracking, error)
	// AbuseReports is the worklist in scope.
	AbuseReports(ctx context.Context, f ReportFilter) ([]*AbuseReport, string, error)
	AbuseReport(ctx context.Context, id int64) (*AbuseReport, error)
	UpdateReport(ctx context.Context, id int64, u ReportUpdate) (*AbuseReport, error)
}
