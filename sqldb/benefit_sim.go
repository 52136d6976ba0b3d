package sqldb

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/benefits"
)

// Simulate computes what a change of one item would cost — "90–99 at 200元
// from next January" — by region (the children of the region asked about) and
// month, on the live register, without writing anything. People alive today
// in the region are evaluated under the item as it stands (base) and as
// changed (new), month by month, with the list and parameters of their
// county. It counts everyone the rule makes eligible, also for items that
// need an application: a budget assumes full take-up.
func (s *BenefitService) Simulate(ctx context.Context, req yanglao.SimulationRequest) (*yanglao.SimulationResult, error) {
	started := time.Now()
	a, err := signedIn(ctx)
	if err != nil {
		return nil, err
	}
	if !canEditLists(a) {
		return nil, yanglao.Errorf(yanglao.EFORBIDDEN, "只有民政干部可以做政策测算 (only civil-affairs officials run policy simulations)")
	}
	if req.Region == "" {
		req.Region = a.RegionCode
		if req.Region == "" {
			req.Region = benefits.ChenzhouRegion
		}
	}
	if err := yanglao.CheckRegionCode("region", req.Region); err != nil {
		return nil, err
	}
	req.Code = strings.TrimSpace(req.Code)
	if req.Code == "" {
		return nil, yanglao.Invalid("code", "请选择项目 (choose an item)")
	}
	if strings.TrimSpace(req.Amount) == "" && strings.TrimSpace(req.Eligibility) == "" {
		return nil, yanglao.Invalid("amount", "请填写新的金额规则或资格规则 (give a new amount rule or eligibility rule)")
	}
	for field, rule := range map[string]string{"amount": req.Amount, "eligibility": req.Eligibility} {
		if strings.TrimSpace(rule) != "" {
			if err := benefits.CheckRule(field, rule); err != nil {
				return nil, err
			}
		}
	}
	if req.Months == 0 {
		req.Months = 12
	}
	if req.Months < 1 || req.Months > 36 {
		return nil, yanglao.Invalid("months", "月数应在1到36之间 (months must be 1 to 36)")
	}
	if err := s.Seed(ctx); err != nil {
		return nil, err
	}
	tx, err := s.db.BeginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	cur := thisMonth(tx)
	start, err := parseMonthOr(req.Start, cur.Next())
	if err != nil {
		return nil, yanglao.Invalid("start", "月份格式应为 YYYY-MM (start must be YYYY-MM)")
	}
	from, err := parseMonthOr(req.From, benefits.Month{Year: cur.Year + 1, Month: 1})
	if err != nil {
		return nil, yanglao.Invalid("from", "月份格式应为 YYYY-MM (from must be YYYY-MM)")
	}
	r, err := tx.region(ctx, req.Region)
	if err != nil {
		return nil, err
	}
	if !a.SeesPath(r.Path) {
		return nil, yanglao.Errorf(yanglao.ENOTFOUND, "区划 %s 不存在 (region %s not found)", req.Region, req.Region)
	}
	children, err := tx.regions(ctx, `WHERE parent_code = ? ORDER BY code`, r.Code)
	if err != nil {
		return nil, err
	}
	months := make([]benefits.Month, req.Months)
	out := &yanglao.SimulationResult{Region: r.Code, Code: req.Code, From: from.String(), Rows: []*yanglao.SimulationRow{}}
	for i, m := 0, start; i < req.Months; i, m = i+1, m.Next() {
		months[i] = m
		out.Months = append(out.Months, m.String())
	}
	newRow := func(code, name string) *yanglao.SimulationRow {
		n := len(months)
		return &yanglao.SimulationRow{Region: code, Name: name, BaseFen: make([]int64, n), NewFen: make([]int64, n),
			BasePeople: make([]int, n), NewPeople: make([]int, n)}
	}
	rowIndex := map[string]int{}
	var rows []*yanglao.SimulationRow
	for _, ch := range children {
		rowIndex[ch.Code] = len(rows)
		rows = append(rows, newRow(ch.Code, ch.Name))
	}
	self := -1 // people registered on the node itself, not in a child

	// One query for people, one for statuses, one for grades.
	lo, hi := pathRange(r.Path)
	clause, args, err := personScope(ctx)
	if err != nil {
		return nil, err
	}
	people, err := loadSubjects(ctx, tx, `p.residence_path >= ? AND p.residence_path < ? AND p.life_status = 'alive' AND `+clause,
		append([]any{lo, hi}, args...)...)
	if err != nil {
		return nil, err
	}
	out.People = len(people)

	// Per county: the item as it stands and as changed, each alone in a list.
	type pair struct {
		base, next *benefits.List
		params     *benefits.Params
	}
	pairs := map[string]*pair{}
	counties := map[string]bool{}
	for _, x := range people {
		counties[x.county] = true
	}
	for county := range counties {
		c, err := s.effective(ctx, tx, county)
		if err != nil {
			return nil, err
		}
		hist := c.list.History(req.Code)
		if len(hist) == 0 {
			return nil, yanglao.Invalid("code", "%s 的清单中没有项目 %s (the list of %s has no item %s)", c.region.Name, req.Code, county, req.Code)
		}
		if out.Name == "" {
			out.Name = hist[len(hist)-1].Name
		}
		base, _ := benefits.NewList(county, "base")
		next, _ := benefits.NewList(county, "next")
		for _, it := range hist {
			if _, err := base.Add(*it); err != nil {
				return nil, err
			}
			if _, err := next.Add(*it); err != nil {
				return nil, err
			}
		}
		if _, err := next.Revise(req.Code, from.First(), func(it *benefits.Item) {
			if strings.TrimSpace(req.Amount) != "" {
				it.Amount = req.Amount
			}
			if strings.TrimSpace(req.Eligibility) != "" {
				it.Eligibility = req.Eligibility
			}
		}); err != nil {
			return nil, err
		}
		pairs[county] = &pair{base, next, c.params}
	}
	if out.Name == "" {
		if c, err := s.effective(ctx, tx, r.Code); err == nil {
			if h := c.list.History(req.Code); len(h) > 0 {
				out.Name = h[len(h)-1].Name
			}
		}
	}
	// Which row a person counts in: the child of r on their path.
	depth := len(pathCodes(r.Path))
	rowOf := func(path string) int {
		codes := pathCodes(path)
		if len(codes) > depth {
			if i, ok := rowIndex[codes[depth]]; ok {
				return i
			}
		}
		return self
	}
	selfRow := newRow(r.Code, r.Name)

	// Evaluate in parallel, each worker with its own evaluators and sums.
	workers := min(runtime.GOMAXPROCS(0), 8, max(1, len(people)/2000))
	type acc struct {
		rows   []*yanglao.SimulationRow
		self   *yanglao.SimulationRow
		errors int
	}
	accs := make([]*acc, workers)
	var wg sync.WaitGroup
	chunk := (len(people) + workers - 1) / workers
	for w := 0; w < workers; w++ {
		ac := &acc{self: newRow(r.Code, r.Name)}
		for _, rw := range rows {
			ac.rows = append(ac.rows, newRow(rw.Region, rw.Name))
		}
		accs[w] = ac
		lo, hi := w*chunk, min((w+1)*chunk, len(people))
		wg.Add(1)
		go func() {
			defer wg.Done()
			evs := map[string][2]*benefits.Evaluator{}
			var buf []benefits.Result
			for _, x := range people[lo:hi] {
				p := pairs[x.county]
				e, ok := evs[x.county]
				if !ok {
					e = [2]*benefits.Evaluator{benefits.NewEvaluator(p.base), benefits.NewEvaluator(p.next)}
					evs[x.county] = e
				}
				x.s.Params = p.params
				row := ac.self
				if i := rowOf(x.path); i >= 0 {
					row = ac.rows[i]
				}
				for mi, m := range months {
					for k, ev := range e {
						var err error
						buf, err = ev.Month(&x.s, m, buf[:0])
						if err != nil {
							ac.errors++
							continue
						}
						for _, res := range buf {
							switch {
							case res.Err != nil:
								ac.errors++
							case res.Eligible && k == 0:
								row.BaseFen[mi] += res.AmountFen
								row.BasePeople[mi]++
							case res.Eligible:
								row.NewFen[mi] += res.AmountFen
								row.NewPeople[mi]++
							}
						}
					}
				}
			}
		}()
	}
	wg.Wait()
	add := func(dst, src *yanglao.SimulationRow) {
		for i := range months {
			dst.BaseFen[i] += src.BaseFen[i]
			dst.NewFen[i] += src.NewFen[i]
			dst.BasePeople[i] += src.BasePeople[i]
			dst.NewPeople[i] += src.NewPeople[i]
			dst.BaseTotal += src.BaseFen[i]
			dst.NewTotal += src.NewFen[i]
		}
	}
	total := newRow(r.Code, r.Name)
	for _, ac := range accs {
		out.Errors += ac.errors
		for i, rw := range ac.rows {
			add(rows[i], rw)
		}
		add(selfRow, ac.self)
	}
	for _, rw := range rows {
		add(total, rw)
	}
	add(total, selfRow)
	out.Rows = rows
	if selfRow.BaseTotal != 0 || selfRow.NewTotal != 0 {
		selfRow.Name += "（本级）"
		out.Rows = append(out.Rows, selfRow)
	}
	if out.Rows == nil {
		out.Rows = []*yanglao.SimulationRow{}
	}
	out.Total = total
	out.ElapsedMS = time.Since(started).Milliseconds()
	return out, nil
}
