package sqldb_test

import (
	"context"
	"strings"
	"testing"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
)

// TestAbuseReport: anyone reports without an account; the report reaches the
// county of the place (and the township's workers, not the sibling's), moves
// through its states with every step recorded, and the tracking code shows
// the state and nothing personal.
func TestAbuseReport(t *testing.T) {
	db := tk.NewDB(t)
	svc := sqldb.NewAbuseReportService(db, tk.Box())
	county := tk.CreateUser(t, db, "county", yanglao.RoleOfficial, tk.Beihu, nil)
	townA := tk.CreateUser(t, db, "townaworker", yanglao.RoleWorker, tk.TownA, nil)
	townB := tk.CreateUser(t, db, "townbworker", yanglao.RoleWorker, tk.TownB, nil)
	otherCounty := tk.CreateUser(t, db, "suxian", yanglao.RoleOfficial, tk.Suxian, nil)
	public := context.Background()
	r := &yanglao.AbuseReport{RegionCode: tk.VillageA1, ElderName: "张奶奶", Place: "人民路社区3栋", Kinds: []string{"neglect"},
		Description: "老人长期独自在家，无人送饭，身上有伤", ReporterContact: "13912345678"}
	code, err := svc.SubmitReport(public, r, "203.0.113.9")
	if err != nil || len(code) != 19 || r.CountyCode != tk.Beihu || r.State != yanglao.ReportReceived {
		t.Fatalf("submit: %q %+v %v", code, r, err)
	}
	tr, err := svc.TrackReport(public, strings.ToLower(code))
	if err != nil || tr.State != yanglao.ReportReceived || len(tr.Steps) != 1 {
		t.Fatalf("track: %+v %v", tr, err)
	}
	if _, err := svc.TrackReport(public, "0000-0000-0000-0000"); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("unknown code: %v", err)
	}
	for who, want := range map[*yanglao.User]int{county: 1, townA: 1, townB: 0, otherCounty: 0} {
		list, _, err := svc.AbuseReports(tk.As(who), yanglao.ReportFilter{})
		if err != nil || len(list) != want {
			t.Fatalf("%s sees %d reports, want %d (%v)", who.Username, len(list), want, err)
		}
		if want == 1 && (list[0].ReporterContact != "139****5678" || list[0].ElderName != "张奶奶") {
			t.Fatalf("worklist row: %+v", list[0])
		}
	}
	if _, err := svc.AbuseReport(tk.As(townB), r.ID); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("sibling read the report: %v", err)
	}
	if _, err := svc.UpdateReport(tk.As(townB), r.ID, yanglao.ReportUpdate{State: yanglao.ReportAssigned, AssigneeID: townB.ID}); yanglao.ErrorCode(err) != yanglao.ENOTFOUND {
		t.Fatalf("sibling moved the report: %v", err)
	}
	// Concluding needs an outcome; skipping to investigating needs an assignee first.
	if _, err := svc.UpdateReport(tk.As(county), r.ID, yanglao.ReportUpdate{State: yanglao.ReportInvestigating}); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Fatalf("received → investigating: %v", err)
	}
	if _, err := svc.UpdateReport(tk.As(county), r.ID, yanglao.ReportUpdate{State: yanglao.ReportAssigned, AssigneeID: otherCounty.ID}); yanglao.ErrorField(err) != "assignee_id" {
		t.Fatalf("assign to another county: %v", err)
	}
	steps := []yanglao.ReportUpdate{
		{State: yanglao.ReportAssigned, AssigneeID: townA.ID, Note: "请人民路街道核查"},
		{State: yanglao.ReportInvestigating, Note: "已上门"},
		{State: yanglao.ReportConcluded, Outcome: "support_arranged", Note: "已安排助餐和每周探访"},
	}
	for _, u := range steps {
		if _, err := svc.UpdateReport(tk.As(townA), r.ID, u); err != nil {
			t.Fatalf("%s: %v", u.State, err)
		}
	}
	got, err := svc.AbuseReport(tk.As(county), r.ID)
	if err != nil || got.State != yanglao.ReportConcluded || got.Outcome != "support_arranged" || len(got.Events) != 4 || got.AssigneeName != "Townaworker" {
		t.Fatalf("concluded: %+v %v", got, err)
	}
	if _, err := svc.UpdateReport(tk.As(county), r.ID, yanglao.ReportUpdate{State: yanglao.ReportInvestigating}); yanglao.ErrorCode(err) != yanglao.ECONFLICT {
		t.Fatalf("reopen: %v", err)
	}
	tr, _ = svc.TrackReport(public, code)
	if tr.State != yanglao.ReportConcluded || len(tr.Steps) != 4 || tr.Steps[1].Note != "" || tr.Steps[1].By != "" {
		t.Fatalf("tracking after the conclusion: %+v", tr)
	}
	// Bad input and the rate limit.
	if _, err := svc.SubmitReport(public, &yanglao.AbuseReport{RegionCode: tk.Chenzhou, ElderName: "x", Place: "x", Kinds: []string{"neglect"}, Description: "看到老人被打"}, "203.0.113.9"); yanglao.ErrorField(err) != "region_code" {
		t.Fatalf("a city as the place: %v", err)
	}
	if _, err := svc.SubmitReport(public, &yanglao.AbuseReport{RegionCode: tk.VillageA1, ElderName: "x", Place: "x", Kinds: []string{"gossip"}, Description: "看到老人被打"}, "203.0.113.9"); yanglao.ErrorField(err) != "kinds" {
		t.Fatalf("unknown kind: %v", err)
	}
	for i := 0; i < 6; i++ {
		_, err = svc.SubmitReport(public, &yanglao.AbuseReport{RegionCode: tk.VillageA1, ElderName: "李爷爷", Place: "x", Kinds: []string{"physical"}, Description: "看到老人被打", Anonymous: true}, "198.51.100.7")
	}
	if yanglao.ErrorCode(err) != yanglao.ETOOMANY {
		t.Fatalf("sixth report in an hour: %v", err)
	}
	if _, err := svc.SubmitReport(public, &yanglao.AbuseReport{RegionCode: tk.VillageA1, ElderName: "李爷爷", Place: "x", Kinds: []string{"physical"}, Description: "看到老人被打"}, "198.51.100.8"); err != nil {
		t.Fatalf("another sender: %v", err)
	}
}
