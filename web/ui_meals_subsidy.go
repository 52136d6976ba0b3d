package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/yanglao/yanglao"
)

// The meal-subsidy rules on the canteen list page (officials): what each
// category of people gets per meal in their region, and a form to add a rule.

type subsidyForm struct {
	Region, Category, Yuan, From, Until, Source string
	Errors                                      map[string]string
	Problem                                     string
}

// subsidySection fills the canteen list's subsidy part for an official.
func (s *Server) subsidySection(r *http.Request, d *canteenListData, form *subsidyForm) error {
	a, l := actor(r), lang(r)
	if !d.CanAdd {
		return nil
	}
	rules, err := s.Meals.MealSubsidies(r.Context(), a.RegionCode)
	if err != nil {
		return err
	}
	d.Subsidies = rules
	if form == nil {
		form = &subsidyForm{Region: a.RegionCode, Category: "age_80", From: yanglao.DateOf(time.Now()).String()}
	}
	d.SubsidyForm = form
	d.Categories = [][2]string{}
	for _, c := range []string{"age_80", "age_90", "age_100", "tekun_dispersed", "tekun_centralised", "dibao", "low_income", "disabled", "dementia", "special_family", "severe_disability"} {
		d.Categories = append(d.Categories, [2]string{c, yanglao.SubsidyCategoryName(c, l)})
	}
	return nil
}

func (s *Server) postMealSubsidy(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.meals()
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := r.PostFormValue
	form := &subsidyForm{Region: strings.TrimSpace(f("region_code")), Category: f("category"), Yuan: f("yuan"), From: f("from"), Until: f("until"), Source: f("source")}
	ms := &yanglao.MealSubsidy{RegionCode: form.Region, Category: form.Category, Source: form.Source}
	ms.Fen, err = yuanField("yuan", form.Yuan)
	if err == nil {
		if ms.From, err = dateField("from", form.From); err == nil {
			if ms.Until, err = dateField("until", form.Until); err == nil {
				if err = svc.SetMealSubsidy(r.Context(), ms); err == nil {
					seeOther(w, r, "/canteens#subsidies")
					return nil
				}
			}
		}
	}
	if c := yanglao.ErrorCode(err); c != yanglao.EINVALID {
		return err // not allowed, or broken: the error page, not the form
	}
	if form.Errors, form.Problem, err = fieldErrors(lang(r), err); err != nil {
		return err
	}
	if m, ok := form.Errors["fen"]; ok {
		form.Errors["yuan"] = m
	}
	a, l := actor(r), lang(r)
	items, next, err := svc.Canteens(r.Context(), yanglao.CanteenFilter{})
	if err != nil {
		return err
	}
	d := &canteenListData{Items: items, Next: next, CanAdd: a.Unrestricted() || a.Role == yanglao.RoleOfficial,
		TypeName: func(t string) string { return yanglao.NameIn(yanglao.CanteenTypes, t, l) }}
	if err := s.subsidySection(r, d, form); err != nil {
		return err
	}
	return s.render(w, http.StatusUnprocessableEntity, "canteens.html", s.newPage(r, "助餐食堂", "Canteens", d))
}
