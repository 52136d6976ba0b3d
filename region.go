package yanglao

import (
	"context"
	"strings"
)

// Region levels of the statistical division codes (统计用区划代码): 2-2-2-3-3 digits.
const (
	LevelProvince = 1 // 省
	LevelCity     = 2 // 地级
	LevelCounty   = 3 // 县级
	LevelTownship = 4 // 乡镇街道
	LevelVillage  = 5 // 村居委会
)

// Region is one node of the five-level tree. Path is the chain of codes from the
// root, "/430000000000/431000000000/…/", so a subtree is a path prefix even
// under placeholder nodes such as 市辖区 (DESIGN §4: a code prefix is not a subtree test).
type Region struct {
	Code        string   `json:"code"`
	ParentCode  string   `json:"parent_code,omitempty"`
	Name        string   `json:"name"`
	Level       int      `json:"level"`
	Path        string   `json:"path"`
	URCode      string   `json:"ur_code,omitempty"` // 城乡分类代码, e.g. 111 main urban area, 220 village
	Lng         *float64 `json:"lng,omitempty"`     // GCJ-02 centre, where known
	Lat         *float64 `json:"lat,omitempty"`
	Placeholder bool     `json:"placeholder,omitempty"` // 市辖区, 省直辖县级行政区划 …: a grouping, not a government
	ChildCount  int      `json:"child_count"`
}

// LevelName returns the level's name in Chinese.
func LevelName(level int) string {
	switch level {
	case LevelProvince:
		return "省级"
	case LevelCity:
		return "地市级"
	case LevelCounty:
		return "县区级"
	case LevelTownship:
		return "乡镇街道"
	case LevelVillage:
		return "村社区"
	}
	return ""
}

// ValidRegionCode reports whether s is 12 digits.
func ValidRegionCode(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// CheckRegionCode validates a code from input, naming the field.
func CheckRegionCode(field, s string) error {
	if !ValidRegionCode(s) {
		return Invalid(field, "区划代码应为12位数字 (region code must be 12 digits)")
	}
	return nil
}

// PathContains reports whether the node at path lies in the subtree rooted at root (inclusive).
func PathContains(root, path string) bool { return root != "" && strings.HasPrefix(path, root) }

// CountyCode returns the 6-digit county part of a 12-digit code, the sharding key
// every large table carries (DESIGN §3).
func CountyCode(code string) string {
	if len(code) < 6 {
		return code
	}
	return code[:6] + "000000"
}

// RegionFilter selects regions. Search by name is a substring match.
type RegionFilter struct {
	ParentCode *string
	Within     string // a subtree root: only nodes under it (inclusive), judged by path
	Name       string
	Level      int
	Page       Page
}

// RegionService reads the tree. Regions are public reference data: no scope applies to reads.
type RegionService interface {
	Region(ctx context.Context, code string) (*Region, error)
	Children(ctx context.Context, code string) ([]*Region, error)
	Ancestors(ctx context.Context, code string) ([]*Region, error) // root first, excluding the node itself
	// RegionsByCode returns the nodes among codes that exist, keyed by code (for naming many rows at once).
	RegionsByCode(ctx context.Context, codes []string) (map[string]*Region, error)
	SearchRegions(ctx context.Context, f RegionFilter) ([]*Region, string, error)
	ImportRegions(ctx context.Context, regions []*Region) (int, error)
	CountRegions(ctx context.Context) (int, error)
}
