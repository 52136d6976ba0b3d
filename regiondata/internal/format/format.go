// Package format holds what the regiondata package and its generator must agree
// on: the columns of regions.csv.gz, the names of placeholder nodes and the
// structure of the 12-digit statistical division codes. It exists so that the
// generator does not import regiondata (which embeds the file the generator
// writes).
package format

import "strings"

// Header is the header row of regions.csv.gz and of files written by regiondata.Write.
var Header = []string{"code", "parent_code", "name", "level", "ur_code", "lng", "lat", "placeholder"}

// placeholderNames are the names the statistical division codes give to nodes
// that group other nodes without being a government of their own:
//   - 市辖区: the districts of a municipality (1101, 1201, 3101, 5001) and, in
//     editions up to 2016, a county-level node under every prefecture-level city;
//   - 县: the counties of Chongqing (5002);
//   - 省直辖县级行政区划 / 自治区直辖县级行政区划: county-level units directly
//     under a province or autonomous region (4190, 4290, 4690, 6590).
//
// A real county is never called just 县, so the exact match is safe; 郊区 is
// NOT a placeholder (阳泉市郊区 140311 is a district with its own government).
var placeholderNames = map[string]bool{
	"市辖区": true,
	"县":   true,
}

// placeholderSuffixes catch the county-level groupings under a province or
// autonomous region in both spellings: the statistical codes' 省直辖县级行政区划 /
// 自治区直辖县级行政区划 and GB/T 2260's 省直辖县级行政单位 / 自治区直辖县级行政单位.
var placeholderSuffixes = []string{"直辖县级行政区划", "直辖县级行政单位"}

// PlaceholderName reports whether name is the name of a placeholder (grouping) node.
func PlaceholderName(name string) bool {
	name = strings.TrimSpace(name)
	if placeholderNames[name] {
		return true
	}
	for _, s := range placeholderSuffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// segments are the end offsets of the five parts of a code (2-2-2-3-3).
var segments = [5]int{2, 4, 6, 9, 12}

// CodeLevel returns the level (1..5) a 12-digit code denotes: the position of
// its last non-zero part. A zero part before it is allowed because the NBS
// tables hang the townships of 东莞, 中山 and 儋州 directly on the city
// (441900003000: county part 00). It returns 0 when code is not 12 digits or
// its province part is zero.
func CodeLevel(code string) int {
	if len(code) != 12 {
		return 0
	}
	for i := 0; i < 12; i++ {
		if code[i] < '0' || code[i] > '9' {
			return 0
		}
	}
	if code[:2] == "00" {
		return 0
	}
	level, start := 0, 0
	for i, end := range segments {
		if strings.Trim(code[start:end], "0") != "" {
			level = i + 1
		}
		start = end
	}
	return level
}

// Pad right-pads a short statistical code (2, 4, 6 or 9 digits) with zeros to 12 digits.
func Pad(code string) string {
	if len(code) >= 12 {
		return code
	}
	return code + strings.Repeat("0", 12-len(code))
}

// The box coordinates must fall in. GCJ-02 is defined only for China, so a
// centre outside mainland China's extent (73.5°E-135.1°E, 3.8°N-53.6°N, with a
// margin) is a data error, most often swapped columns.
const (
	MinLng = 73.0
	MaxLng = 136.0
	MinLat = 3.0
	MaxLat = 54.0
)
