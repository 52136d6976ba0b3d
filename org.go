package yanglao

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// Organisation kinds: the bodies whose staff work in the platform.
const (
	OrgCareHome = "care_home" // 养老机构
	OrgDayCare  = "day_care"  // 日间照料中心
	OrgProvider = "provider"  // 居家服务组织
	OrgCanteen  = "canteen"   // 助餐点 / 长者食堂
	OrgHospital = "hospital"  // 医疗机构
)

var orgKinds = map[string][2]string{
	OrgCareHome: {"养老机构", "Care home"},
	OrgDayCare:  {"日间照料中心", "Day-care centre"},
	OrgProvider: {"居家服务组织", "Home-care provider"},
	OrgCanteen:  {"助餐点", "Canteen"},
	OrgHospital: {"医疗机构", "Medical institution"},
}

// OrgKindName returns the kind's name in the language.
func OrgKindName(kind, lang string) string {
	if lang == "en" {
		return orgKinds[kind][1]
	}
	return orgKinds[kind][0]
}

// Org is an organisation hanging on a region node.
type Org struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Kind       string    `json:"kind"`
	RegionCode string    `json:"region_code"`
	RegionPath string    `json:"-"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Validate checks the caller's fields.
func (o *Org) Validate() error {
	o.Name = strings.TrimSpace(o.Name)
	if o.Name == "" {
		return Invalid("name", "请填写机构名称 (name is required)")
	} else if utf8.RuneCountInString(o.Name) > 100 {
		return Invalid("name", "机构名称最多100个字符 (name: at most 100 characters)")
	} else if _, ok := orgKinds[o.Kind]; !ok {
		return Invalid("kind", "未知机构类型 (unknown organisation kind)")
	}
	return CheckRegionCode("region_code", o.RegionCode)
}

// OrgFilter selects organisations in the actor's scope.
type OrgFilter struct {
	Kind  string
	Query string
	Page  Page
}

// OrgService manages organisations.
type OrgService interface {
	CreateOrg(ctx context.Context, o *Org) error
	Org(ctx context.Context, id int64) (*Org, error)
	Orgs(ctx context.Context, f OrgFilter) ([]*Org, string, error)
	CountOrgs(ctx context.Context, f OrgFilter) (int, error)
}
