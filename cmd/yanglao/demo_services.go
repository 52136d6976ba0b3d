package main

import (
	"context"
	"fmt"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/config"
	"github.com/yanglao/yanglao/idcard"
	"github.com/yanglao/yanglao/sqldb"
)

// demoServices gives the providers and caregivers pages something to show
// (issue 5): besides the demo provider (set up by demoOrders), two more
// providers cover townships of the county with prices and a government
// contract; about twenty caregivers with skills and certificates live near
// their township's centre — one with an expired nursing certificate, one whose
// health certificate expires within the month, and one on the employment-ban
// list — and the county buys basic nursing care in minutes for people with a
// severe capability loss. Prices and amounts are demo values (the seeds set
// none). Re-running changes nothing: everything is found by name or ID first.
func (a *app) demoServices(ctx context.Context, cfg *config.Config, s *store, d *demoSetup) error {
	box, err := a.box(cfg)
	if err != nil {
		return err
	}
	sys := system(ctx)
	hc := sqldb.NewHomeCareService(s.db, box)
	towns, err := s.regions.Children(ctx, d.county.Code)
	if err != nil {
		return err
	}
	var townships []*yanglao.Region
	for _, t := range towns {
		if !t.Placeholder && t.Level == yanglao.LevelTownship {
			townships = append(townships, t)
		}
	}
	if len(townships) == 0 {
		return nil
	}
	town := func(i int) *yanglao.Region { return townships[i%len(townships)] }
	items, err := hc.ServiceItems(sys, false)
	if err != nil {
		return err
	}
	byCode := map[string]*yanglao.ServiceItem{}
	for _, it := range items {
		byCode[it.Code] = it
	}
	year := time.Now().In(yanglao.Shanghai).Year()
	today := yanglao.DateOf(time.Now())

	type provSpec struct {
		name   string
		home   *yanglao.Region   // where it is registered
		covers []*yanglao.Region // townships it serves
		prices map[string]int64  // demo prices in fen
	}
	var first *yanglao.Org
	for _, o := range d.orgs {
		if o.Kind == yanglao.OrgProvider {
			first = o
		}
	}
	specs := []provSpec{
		{"康乐居家服务社（演示）", town(1), []*yanglao.Region{town(1), town(2)},
			map[string]int64{"meal_delivery": 1200, "clean": 5500, "bath": 7500, "walk": 3500, "care_visit": 2500, "comfort_talk": 3000}},
		{"安心助老服务中心（演示）", d.county, []*yanglao.Region{town(0), town(3)},
			map[string]int64{"daily_nursing": 6500, "bath": 8500, "health_check": 2000, "medical_escort": 9000, "emergency_help": 5000}},
	}
	provs := []*yanglao.Org{}
	if first != nil {
		provs = append(provs, first)
	}
	for i, sp := range specs {
		o, err := ensureOrg(sys, s, &yanglao.Org{Name: d.county.Name + sp.name, Kind: yanglao.OrgProvider, RegionCode: sp.home.Code})
		if err != nil {
			return err
		}
		provs = append(provs, o)
		for _, t := range sp.covers {
			if err := hc.SetCoverage(sys, o.ID, t.Code, true); err != nil {
				return fmt.Errorf("demo coverage: %w", err)
			}
		}
		var ids []int64
		for code, fen := range sp.prices {
			if it := byCode[code]; it != nil {
				if err := hc.SetProviderItem(sys, &yanglao.ProviderItem{OrgID: o.ID, ItemID: it.ID, PriceFen: fen, Active: true}); err != nil {
					return fmt.Errorf("demo price %s: %w", code, err)
				}
				ids = append(ids, it.ID)
			}
		}
		p, err := hc.Provider(sys, o.ID)
		if err != nil {
			return err
		}
		if len(p.Contracts) == 0 {
			if err := hc.AddContract(sys, &yanglao.ProviderContract{OrgID: o.ID, Number: fmt.Sprintf("BH-GMFW-%d-%02d（演示）", year, i+2), RegionCode: d.county.Code,
				Start: yanglao.Date{Year: year, Month: time.January, Day: 1}, End: yanglao.Date{Year: year, Month: time.December, Day: 31}, ItemIDs: ids,
				Note: "演示合同 (demo contract)"}); err != nil {
				return fmt.Errorf("demo contract: %w", err)
			}
		}
	}

	// Caregivers: name, male, skills, and which provider (index into provs) and township.
	type cgSpec struct {
		name   string
		male   bool
		skills []string
		prov   int
		certs  string // "ok": nursing + health; "expired": nursing expired last month; "soon": health expires in 20 days; "none": training only
	}
	specsCG := []cgSpec{
		{"王桂香", false, []string{"bath", "clean", "nursing"}, 0, "ok"},
		{"李秀英", false, []string{"meal", "clean", "visit"}, 0, "ok"},
		{"张建国", true, []string{"walk", "medical", "errand"}, 0, "ok"},
		{"刘春燕", false, []string{"bath", "nursing", "rehab"}, 0, "soon"},
		{"陈志强", true, []string{"clean", "retrofit"}, 0, "none"},
		{"杨丽华", false, []string{"meal", "comfort", "visit"}, 0, "ok"},
		{"黄小梅", false, []string{"nursing", "health", "emergency"}, 0, "ok"},
		{"周海燕", false, []string{"bath", "clean", "meal"}, 1, "ok"},
		{"吴国平", true, []string{"walk", "visit", "comfort"}, 1, "expired"},
		{"徐翠兰", false, []string{"clean", "meal"}, 1, "ok"},
		{"孙美玲", false, []string{"bath", "clean"}, 1, "ok"},
		{"马红梅", false, []string{"comfort", "visit"}, 1, "ok"},
		{"朱德明", true, []string{"walk", "clean"}, 1, "none"},
		{"胡玉兰", false, []string{"meal", "visit"}, 1, "ok"},
		{"郭淑珍", false, []string{"nursing", "bath", "health"}, 2, "ok"},
		{"何建华", true, []string{"medical", "walk", "emergency"}, 2, "ok"},
		{"罗秀梅", false, []string{"nursing", "rehab", "health"}, 2, "ok"},
		{"高凤英", false, []string{"nursing", "bath"}, 2, "soon"},
		{"林志伟", true, []string{"emergency", "medical"}, 2, "none"},
		{"宋某某", true, []string{"clean", "nursing"}, 2, "banned"},
	}
	existing := map[string]bool{}
	for _, o := range provs {
		cgs, _, err := hc.Caregivers(sys, yanglao.CaregiverFilter{OrgID: o.ID, Page: yanglao.Page{Limit: yanglao.MaxPageSize}})
		if err != nil {
			return err
		}
		for _, c := range cgs {
			existing[fmt.Sprint(o.ID, c.Name)] = true
		}
	}
	county6 := d.county.Code[:6]
	for i, sp := range specsCG {
		if sp.prov >= len(provs) {
			continue
		}
		o := provs[sp.prov]
		seq := 600 + 2*i // even: a woman (GB 11643: the sequence's parity is the sex)
		if sp.male {
			seq++
		}
		birth := time.Date(1968+i%20, time.Month(1+i%12), 1+i%27, 0, 0, 0, 0, time.UTC)
		idNumber := idcard.Generate(county6, birth, seq)
		if sp.certs == "banned" {
			// The ban comes first, as a court's decision would: the record is then flagged at entry.
			found, _, err := hc.Bans(sys, yanglao.BanFilter{Query: idNumber})
			if err != nil {
				return err
			}
			if len(found) == 0 {
				if err := hc.AddBan(sys, &yanglao.EmploymentBan{IDNumber: idNumber, Name: sp.name, RegionCode: d.county.Code,
					Source: "演示：北湖区人民法院刑事判决（演示编号）(demo court decision)", Reason: "演示：虐待被看护人，禁止从事看护工作五年 (demo: abuse of a person in care; five-year ban)",
					Start: yanglao.Date{Year: year - 1, Month: time.June, Day: 1}, End: yanglao.Date{Year: year + 4, Month: time.May, Day: 31}}); err != nil {
					return fmt.Errorf("demo ban: %w", err)
				}
			}
		}
		if existing[fmt.Sprint(o.ID, sp.name)] {
			continue
		}
		// Near the centre of one of the townships the provider covers.
		covers := [][]*yanglao.Region{{town(0)}, specs[0].covers, specs[1].covers}[sp.prov]
		centre := covers[i%len(covers)]
		if centre.Lat == nil {
			centre = d.county
		}
		var lat, lng *float64
		if centre.Lat != nil {
			la, ln := *centre.Lat+float64(i%5-2)*0.004, *centre.Lng+float64(i%4-1)*0.005
			lat, lng = &la, &ln
		}
		c := &yanglao.Caregiver{OrgID: o.ID, Name: sp.name, IDNumber: idNumber, Skills: sp.skills, Lat: lat, Lng: lng, Active: true,
			Phone: fmt.Sprintf("139%08d", 73100000+i)}
		training := &yanglao.CaregiverCert{Kind: yanglao.CertTraining, Number: fmt.Sprintf("DEMO-TRAIN-%02d", i), Issued: yanglao.Date{Year: year - 1, Month: time.March, Day: 1}}
		nursing := &yanglao.CaregiverCert{Kind: yanglao.CertNursing, Level: yanglao.NursingLevels[i%3][0], Number: fmt.Sprintf("DEMO-NURSE-%02d", i), Issued: yanglao.Date{Year: year - 3, Month: time.May, Day: 10}}
		health := &yanglao.CaregiverCert{Kind: yanglao.CertHealth, Number: fmt.Sprintf("DEMO-HEALTH-%02d", i), Issued: today.AddDays(-200), Expires: today.AddDays(165)}
		switch sp.certs {
		case "ok", "banned":
			c.Certs = []*yanglao.CaregiverCert{training, nursing, health}
		case "expired":
			nursing.Expires = today.AddDays(-25)
			c.Certs = []*yanglao.CaregiverCert{training, nursing, health}
		case "soon":
			health.Issued, health.Expires = today.AddDays(-345), today.AddDays(20)
			c.Certs = []*yanglao.CaregiverCert{training, nursing, health}
		case "none":
			c.Certs = []*yanglao.CaregiverCert{training, health}
		}
		if err := hc.CreateCaregiver(sys, c); err != nil {
			return fmt.Errorf("demo caregiver %s: %w", sp.name, err)
		}
	}

	// The county buys basic nursing care, in minutes, for people in difficulty
	// with a severe capability loss (grade 3 or worse): Chenzhou annex item 5.
	rules, err := hc.Allowances(sys, yanglao.AllowanceFilter{RegionCode: d.county.Code, Category: yanglao.CatBasicCare})
	if err != nil {
		return err
	}
	if len(rules) == 0 {
		three := 3
		if err := hc.AddAllowance(sys, &yanglao.ServiceAllowance{RegionCode: d.county.Code, Category: yanglao.CatBasicCare,
			Statuses: []string{"tekun_dispersed", "dibao", "low_income"}, MinGrade: &three, Unit: yanglao.UnitMinutes, Amount: 480,
			ValidFrom: yanglao.Date{Year: year, Month: time.January, Day: 1}, Source: "郴州附件第5项 居家上门服务（演示时长）",
			Note: "演示值：文件未规定时长 (demo value: the seed sets no amount)"}); err != nil {
			return fmt.Errorf("demo allowance: %w", err)
		}
	}
	rates, err := hc.CertifiedRates(sys, d.county.Code)
	if err != nil {
		return err
	}
	for _, r := range rates {
		fmt.Fprintf(a.stdout, "居家服务组织演示 (demo provider): %s — %d 名护理员 (caregivers)，持证率 (certified) %.1f%%，目标 (target) %d%%\n",
			r.OrgName, r.Active, r.Percent, r.TargetPercent)
	}
	return nil
}
