package register

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yanglao/yanglao"
)

// Parsing turns the text of cells into typed values and rejects only what cannot
// be read at all (a grade that is not a number, a date that is not a date). Whether
// the values are acceptable — the citizen ID, the region, phones, lengths — is
// decided by the register's own validation (yanglao.Person.ValidateFields and
// sqldb's preparePerson), so a row and a form are judged by the same rules.

// Person reads a row of a people file. Columns the file does not have stay
// zero; the importer keeps the stored value of such columns when it updates.
func (h *Header) Person(cells []string) (*yanglao.Person, []*yanglao.Status, error) {
	c := func(key string) string { return h.cell(cells, key) }
	p := &yanglao.Person{
		Name:           c(ColName),
		ResidenceCode:  codeCell(c(ColResidence)),
		HouseholdCode:  codeCell(c(ColHousehold)),
		Address:        c(ColAddress),
		Ethnicity:      c(ColEthnicity),
		DisabilityCert: c(ColDisabilityCert),
	}
	id, err := IDCell(c(ColIDNumber))
	if err != nil {
		return nil, nil, err
	}
	p.IDNumber = id
	if utf8.RuneCountInString(p.Ethnicity) > 20 {
		return nil, nil, yanglao.Invalid(ColEthnicity, "民族最多20个字 (ethnicity: at most 20 characters)")
	}
	if utf8.RuneCountInString(p.DisabilityCert) > 30 {
		return nil, nil, yanglao.Invalid(ColDisabilityCert, "残疾证号最多30个字符 (disability certificate: at most 30 characters)")
	}
	for _, ph := range SplitList(c(ColPhones)) {
		p.Phones = append(p.Phones, strings.TrimPrefix(ph, "'"))
	}
	if v := c(ColLiving); v != "" {
		key, ok := livingKey(v)
		if !ok {
			return nil, nil, yanglao.Invalid(ColLiving, "未知的居住状况“%s”，可填：%s (unknown living arrangement; see the code sheet)", clip(v), livingChoices())
		}
		p.Living = key
	}
	if v := c(ColDisabilityGrade); v != "" {
		g, ok := gradeNumber(v)
		if !ok {
			return nil, nil, yanglao.Invalid(ColDisabilityGrade, "残疾等级应为1到4 (disability grade must be 1 to 4)")
		}
		p.DisabilityGrade = g
	}
	p.Chronic = SplitList(c(ColChronic))
	lng, lat := c(ColLng), c(ColLat)
	if lng != "" || lat != "" {
		x, errX := strconv.ParseFloat(lng, 64)
		y, errY := strconv.ParseFloat(lat, 64)
		if errX != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, nil, yanglao.Invalid(ColLng, "经度应为数字，且与纬度成对填写 (longitude must be a number, given with latitude)")
		}
		if errY != nil || math.IsNaN(y) || math.IsInf(y, 0) {
			return nil, nil, yanglao.Invalid(ColLat, "纬度应为数字，且与经度成对填写 (latitude must be a number, given with longitude)")
		}
		p.Lng, p.Lat = &x, &y
	}
	if name, rel, ph := c(ColContactName), c(ColContactRelation), c(ColContactPhone); name != "" || rel != "" || ph != "" {
		if utf8.RuneCountInString(name) > 50 || utf8.RuneCountInString(rel) > 20 {
			return nil, nil, yanglao.Invalid(ColContactName, "联系人姓名最多50个字，关系最多20个字 (contact name: at most 50 characters, relation: 20)")
		}
		p.Contacts = []yanglao.Contact{{Name: name, Relation: rel, Phone: strings.TrimPrefix(ph, "'")}}
	}
	statuses, err := h.statuses(cells)
	if err != nil {
		return nil, nil, err
	}
	return p, statuses, nil
}

// statuses reads the status columns: one or more kinds sharing source and dates.
func (h *Header) statuses(cells []string) ([]*yanglao.Status, error) {
	kinds := SplitList(h.cell(cells, ColStatusKind))
	source, startS, endS := h.cell(cells, ColStatusSource), h.cell(cells, ColStatusStart), h.cell(cells, ColStatusEnd)
	if len(kinds) == 0 {
		if source != "" || startS != "" || endS != "" {
			return nil, yanglao.Invalid(ColStatusKind, "填了身份来源或日期，但没有填身份类别 (a status source or date without a status kind)")
		}
		return nil, nil
	}
	var start, end yanglao.Date
	var err error
	if startS != "" {
		if start, err = ParseDay(ColStatusStart, startS); err != nil {
			return nil, err
		}
	}
	if endS != "" {
		if end, err = ParseDay(ColStatusEnd, endS); err != nil {
			return nil, err
		}
	}
	if utf8.RuneCountInString(source) > 100 {
		return nil, yanglao.Invalid(ColStatusSource, "身份来源最多100个字 (status source: at most 100 characters)")
	}
	var out []*yanglao.Status
	seen := map[string]bool{}
	for _, k := range kinds {
		key, ok := statusKey(k)
		if !ok {
			return nil, yanglao.Invalid(ColStatusKind, "未知的身份类别“%s”，见“代码说明”表 (unknown status kind; see the code sheet)", clip(k))
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		st := &yanglao.Status{Kind: key, Source: source, Start: start, End: end}
		if err := st.Validate(); err != nil { // the domain's own status rules
			return nil, yanglao.Invalid(fieldColumn(yanglao.ErrorField(err)), "%s", yanglao.ErrorMessage(err))
		}
		out = append(out, st)
	}
	return out, nil
}

// FeedRow is one row of a deaths or moves feed.
type FeedRow struct {
	IDNumber string
	Name     string // optional cross-check
	Date     yanglao.Date
	MovedTo  string
}

// Feed reads a row of a deaths or moves feed.
func (h *Header) Feed(cells []string) (FeedRow, error) {
	var r FeedRow
	var err error
	if r.IDNumber, err = IDCell(h.cell(cells, ColIDNumber)); err != nil {
		return r, err
	}
	if r.IDNumber == "" {
		return r, yanglao.Invalid(ColIDNumber, "请填写身份证号 (citizen ID is required)")
	}
	r.Name = h.cell(cells, ColName)
	dateCol := ColDeathDate
	if h.Kind == Moves {
		dateCol = ColMovedOutDate
		r.MovedTo = h.cell(cells, ColMovedTo)
		if utf8.RuneCountInString(r.MovedTo) > 200 {
			return r, yanglao.Invalid(ColMovedTo, "迁往地最多200个字 (destination: at most 200 characters)")
		}
	}
	s := h.cell(cells, dateCol)
	if s == "" {
		return r, yanglao.Invalid(dateCol, "请填写%s (%s is required)", headerOf(h.Kind, dateCol), dateCol)
	}
	if r.Date, err = ParseDay(dateCol, s); err != nil {
		return r, err
	}
	return r, nil
}

// IDCell cleans a citizen-ID cell and recognises what Excel does to long
// numbers typed into a general cell (4.31002E+17), which no check digit can
// explain to the user.
func IDCell(s string) (string, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "'")
	if strings.ContainsAny(s, "Ee") && strings.ContainsAny(s, ".+") {
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return "", yanglao.Invalid(ColIDNumber, "身份证号被Excel转成了科学计数法数字，请把该列设为“文本”后重新填写 (Excel turned the ID into a number in scientific notation: format the column as text and enter it again)")
		}
	}
	return s, nil
}

// codeCell cleans a region-code cell: a leading apostrophe (Excel's "as text")
// and a ".0" a spreadsheet may add to a number are dropped.
func codeCell(s string) string {
	s = strings.TrimPrefix(s, "'")
	return strings.TrimSuffix(s, ".0")
}

// SplitList splits a list cell on the separators people type: 、 , ， ; ； and |.
func SplitList(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool {
		return r == '、' || r == ',' || r == '，' || r == ';' || r == '；' || r == '|' || r == '\n'
	})
	out := f[:0]
	for _, v := range f {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// ParseDay reads a date as people and spreadsheets write it: 2024-01-05,
// 2024/1/5, 2024.1.5, 20240105, 2024年1月5日, or an Excel serial day number.
func ParseDay(field, s string) (yanglao.Date, error) {
	s = strings.TrimSpace(s)
	bad := func() (yanglao.Date, error) {
		return yanglao.Date{}, yanglao.Invalid(field, "日期“%s”无效，应为 YYYY-MM-DD (invalid date: use YYYY-MM-DD)", clip(s))
	}
	if s == "" {
		return bad()
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "-/") && len(s) != 8 {
		// An Excel serial day (1900 date system): day 1 is 1900-01-01, and Excel
		// counts a 29 February 1900 that never was, so serials from 61 on are one
		// day ahead of the calendar; 1899-12-30 + n is right for them.
		if n < 61 || n > 2958465 || n != math.Trunc(n) {
			return bad()
		}
		t := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(n))
		return yanglao.Date{Year: t.Year(), Month: t.Month(), Day: t.Day()}, nil
	}
	var y, m, d int
	var ok bool
	switch {
	case len(s) == 8 && allDigits(s):
		y, _ = strconv.Atoi(s[:4])
		m, _ = strconv.Atoi(s[4:6])
		d, _ = strconv.Atoi(s[6:])
		ok = true
	default:
		t := strings.NewReplacer("年", "-", "月", "-", "日", "", "/", "-", ".", "-").Replace(s)
		if i := strings.IndexAny(t, " T"); i > 0 { // "2024-01-05 00:00:00" from a spreadsheet
			t = t[:i]
		}
		parts := strings.Split(t, "-")
		if len(parts) == 3 && len(parts[0]) == 4 && allDigits(parts[0]) && allDigits(parts[1]) && allDigits(parts[2]) &&
			len(parts[1]) >= 1 && len(parts[1]) <= 2 && len(parts[2]) >= 1 && len(parts[2]) <= 2 {
			y, _ = strconv.Atoi(parts[0])
			m, _ = strconv.Atoi(parts[1])
			d, _ = strconv.Atoi(parts[2])
			ok = true
		}
	}
	if !ok || y < 1890 || y > 2200 || m < 1 || m > 12 || d < 1 || d > 31 {
		return bad()
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return bad()
	}
	return yanglao.Date{Year: y, Month: time.Month(m), Day: d}, nil
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// clip shortens user text quoted back in a message.
func clip(s string) string {
	if utf8.RuneCountInString(s) > 20 {
		return string([]rune(s)[:20]) + "…"
	}
	return s
}

// foldLabel normalises a label for matching: half-width brackets, no spaces.
func foldLabel(s string) string {
	s = strings.NewReplacer("(", "（", ")", "）", " ", "", "　", "").Replace(strings.TrimSpace(s))
	return strings.ToLower(s)
}

var livingByLabel, statusByLabel = labelIndex(yanglao.LivingArrangements), labelIndex(yanglao.StatusKinds)

func labelIndex(m map[string][2]string) map[string]string {
	out := map[string]string{}
	for key, names := range m {
		out[foldLabel(key)] = key
		out[foldLabel(names[0])] = key
		out[foldLabel(names[1])] = key
	}
	return out
}

func livingKey(s string) (string, bool) { k, ok := livingByLabel[foldLabel(s)]; return k, ok }
func statusKey(s string) (string, bool) { k, ok := statusByLabel[foldLabel(s)]; return k, ok }

func livingChoices() string {
	var out []string
	for _, k := range sortedKeys(yanglao.LivingArrangements) {
		out = append(out, yanglao.LivingArrangements[k][0])
	}
	return strings.Join(out, "、")
}

// gradeNumber reads a disability grade: 1, 1级, 一级, 一.
func gradeNumber(s string) (int, bool) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "级")
	switch s {
	case "1", "一":
		return 1, true
	case "2", "二":
		return 2, true
	case "3", "三":
		return 3, true
	case "4", "四":
		return 4, true
	}
	return 0, false
}
