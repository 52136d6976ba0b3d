package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/yanglao/yanglao"
)

// The region browser (/regions, /regions/{code}), its live name search, and the
// region picker partial that forms embed.

const regionSearchPage = 20

// regionRow is a region with the names of the regions above it, so two
// "人民路街道" in different cities can be told apart.
type regionRow struct {
	*yanglao.Region
	Where string
}

type regionsData struct {
	Crumbs     crumbsData
	Here       *yanglao.Region
	Children   []*yanglao.Region
	Query      string
	QueryError string
	Results    []regionRow
	Searched   bool
	More       string // URL of the next page of results, for links and htmx
	Mine       string // the user's own region
	UsersLink  bool
	URName     string
}

func (s *Server) pageRegions(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	d := regionsData{Mine: actor(r).RegionCode}
	if err := s.searchRegions(ctx, r, &d); err != nil {
		return err
	}
	if !d.Searched {
		tops, _, err := s.Regions.SearchRegions(ctx, yanglao.RegionFilter{Level: yanglao.LevelProvince, Page: yanglao.Page{Limit: 100}})
		if err != nil {
			return err
		}
		d.Children = tops
	}
	status := http.StatusOK
	if d.QueryError != "" {
		status = http.StatusBadRequest
	}
	return s.render(w, status, "regions.html", s.newPage(r, "区划", "Regions", d))
}

func (s *Server) pageRegion(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	code := r.PathValue("code")
	here, trail, err := s.regionTrail(ctx, code)
	if err != nil {
		if yanglao.ErrorCode(err) == yanglao.EINVALID {
			return yanglao.Errorf(yanglao.ENOTFOUND, "区划代码 %s 不存在 (region %s does not exist)", code, code)
		}
		return err
	}
	children, err := s.Regions.Children(ctx, code)
	if err != nil {
		return err
	}
	l := lang(r)
	a := actor(r)
	d := regionsData{Crumbs: crumbsData{Lang: l, Trail: trail, Here: here, Link: true}, Here: here, Children: children,
		Mine: a.RegionCode, UsersLink: manages(a) && a.SeesPath(here.Path), URName: urName(here.URCode, l)}
	return s.render(w, http.StatusOK, "region.html", s.newPage(r, here.Name, here.Name, d))
}

// pageRegionSearch answers the live search: the results block, or with after=
// the next rows only. Without htmx it sends the browser to the full page.
func (s *Server) pageRegionSearch(w http.ResponseWriter, r *http.Request) error {
	if r.Header.Get("HX-Request") == "" {
		seeOther(w, r, "/regions?"+r.URL.RawQuery)
		return nil
	}
	d := regionsData{}
	if err := s.searchRegions(r.Context(), r, &d); err != nil {
		return err
	}
	p := s.newPage(r, "区划", "Regions", d)
	if r.URL.Query().Get("after") != "" {
		return s.render(w, http.StatusOK, "region-rows", p)
	}
	return s.render(w, http.StatusOK, "region-results", p)
}

// searchRegions fills d from ?q= and ?after=.
func (s *Server) searchRegions(ctx context.Context, r *http.Request, d *regionsData) error {
	q := r.URL.Query()
	d.Query = strings.TrimSpace(q.Get("q"))
	if d.Query == "" {
		return nil
	}
	d.Searched = true
	if utf8.RuneCountInString(d.Query) > 50 {
		d.QueryError = tr(lang(r), "名称最多50个字", "A name has at most 50 characters")
		return nil
	}
	after := q.Get("after")
	if after != "" && !yanglao.ValidRegionCode(after) {
		after = ""
	}
	items, next, err := s.Regions.SearchRegions(ctx, yanglao.RegionFilter{Name: d.Query, Page: yanglao.Page{After: after, Limit: regionSearchPage}})
	if err != nil {
		return err
	}
	d.Results = s.regionRows(ctx, items)
	if next != "" {
		d.More = "?q=" + url.QueryEscape(d.Query) + "&after=" + url.QueryEscape(next)
	}
	return nil
}

func (s *Server) regionRows(ctx context.Context, items []*yanglao.Region) []regionRow {
	rows := make([]regionRow, len(items))
	for i, it := range items {
		rows[i] = regionRow{Region: it}
		if trail, err := s.Regions.Ancestors(ctx, it.Code); err == nil {
			names := make([]string, 0, len(trail))
			for _, a := range trail {
				if !a.Placeholder {
					names = append(names, a.Name)
				}
			}
			rows[i].Where = strings.Join(names, " › ")
		}
	}
	return rows
}

// urName names the urban-rural classification code (城乡分类代码) of the statistics bureau.
func urName(code, l string) string {
	names := map[string][2]string{
		"111": {"主城区", "main urban area"},
		"112": {"城乡结合区", "urban-rural fringe"},
		"121": {"镇中心区", "town centre"},
		"122": {"镇乡结合区", "town-rural fringe"},
		"123": {"特殊区域", "special area"},
		"210": {"乡中心区", "township centre"},
		"220": {"村庄", "village"},
	}
	n, ok := names[code]
	if !ok {
		return ""
	}
	return code + " " + tr(l, n[0], n[1])
}

// --- the picker

// pickerData is the region picker: a real form field holding the 12-digit code
// (typing it works without JavaScript), the chosen region's trail, and buttons
// to move down to a child, up to an ancestor, or to a search result.
type pickerData struct {
	Lang     string
	Field    string // the form field's name: region_code or region
	Label    string
	Hint     string
	Code     string
	Error    string
	Required bool
	Selected *yanglao.Region
	Trail    []pickerStep // ancestors of the browsed node
	Browse   *yanglao.Region
	Children []*yanglao.Region
	Query    string
	Results  []regionRow
	Searched bool
	Top      bool // administrators may go up to the whole country
	Open     bool // show the browsing tools unfolded
}

// pickerStep is one ancestor in the picker; outside the user's scope it is not a button.
type pickerStep struct {
	*yanglao.Region
	InScope bool
}

// pickerFields are the fields a picker may fill, with their labels.
var pickerFields = map[string][4]string{
	"region_code": {"所属区划", "Region", "输入12位区划代码，或在下方按名称查找、逐级选择。", "Type the 12-digit code, or find it by name or step through the levels below."},
	"region":      {"区划范围", "Within region", "留空表示您的全部辖区。", "Leave empty for your whole scope."},
}

// picker builds the picker for field with code chosen; errMsg is a field error to show.
func (s *Server) picker(ctx context.Context, r *http.Request, field, code, query, errMsg string) (*pickerData, error) {
	l := lang(r)
	a := actor(r)
	names := pickerFields[field]
	d := &pickerData{Lang: l, Field: field, Label: tr(l, names[0], names[1]), Hint: tr(l, names[2], names[3]),
		Code: code, Error: errMsg, Required: field == "region_code", Top: a.Unrestricted(), Open: field == "region_code"}
	inScope := func(reg *yanglao.Region) bool { return a.SeesPath(reg.Path) }
	browse := a.RegionCode
	if code != "" {
		sel, err := s.Regions.Region(ctx, code)
		switch {
		case err == nil && inScope(sel):
			d.Selected, browse = sel, sel.Code
		case err == nil:
			d.Selected = sel
			if d.Error == "" {
				d.Error = tr(l, "该区划不在您的辖区内", "This region lies outside your scope")
			}
		case yanglao.ErrorCode(err) == yanglao.EINVALID || yanglao.ErrorCode(err) == yanglao.ENOTFOUND:
			if d.Error == "" {
				d.Error = localMsg(l, yanglao.ErrorMessage(err))
			}
		default:
			return nil, err
		}
	}
	if browse != "" {
		here, trail, err := s.regionTrail(ctx, browse)
		if err == nil {
			d.Browse = here
			for _, t := range trail {
				d.Trail = append(d.Trail, pickerStep{t, inScope(t)})
			}
			if d.Children, err = s.Regions.Children(ctx, browse); err != nil {
				return nil, err
			}
		}
	}
	if d.Browse == nil && a.Unrestricted() {
		tops, _, err := s.Regions.SearchRegions(ctx, yanglao.RegionFilter{Level: yanglao.LevelProvince, Page: yanglao.Page{Limit: 100}})
		if err != nil {
			return nil, err
		}
		d.Children = tops
	}
	if query = strings.TrimSpace(query); query != "" && utf8.RuneCountInString(query) <= 50 {
		d.Query, d.Searched = query, true
		keep, err := s.searchWithin(ctx, a, query, 10)
		if err != nil {
			return nil, err
		}
		d.Results = s.regionRows(ctx, keep)
	}
	return d, nil
}

// pageRegionPicker re-renders a picker (part=results: only its search results).
func (s *Server) pageRegionPicker(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	field := q.Get("field")
	if _, ok := pickerFields[field]; !ok {
		return yanglao.Invalid("field", "未知字段 (unknown field)")
	}
	code := q.Get("code")
	if !q.Has("code") {
		code = strings.TrimSpace(q.Get(field))
	}
	d, err := s.picker(r.Context(), r, field, code, q.Get(field+"_q"), "")
	if err != nil {
		return err
	}
	d.Open = true // the user is working with it
	if q.Get("part") == "results" {
		return s.render(w, http.StatusOK, "picker-results", d)
	}
	return s.render(w, http.StatusOK, "picker", d)
}

// searchWithin finds regions by name inside the actor's scope (the whole tree
// for administrators), judged by path in the region service.
func (s *Server) searchWithin(ctx context.Context, a *yanglao.Actor, query string, limit int) ([]*yanglao.Region, error) {
	f := yanglao.RegionFilter{Name: query, Page: yanglao.Page{Limit: limit}}
	if !a.Unrestricted() {
		f.Within = a.RegionCode
	}
	out, _, err := s.Regions.SearchRegions(ctx, f)
	return out, err
}
