package meals

import "testing"

func TestSubsidy(t *testing.T) {
	city := []Rule{{"age_80", 200, 2, "2025-01-01"}, {"age_90", 400, 2, "2025-01-01"}, {"tekun_dispersed", 600, 2, "2025-01-01"}, {"dibao", 300, 2, "2025-01-01"}}
	county := append(city, Rule{"age_80", 250, 3, "2025-06-01"}, Rule{"dibao", 300, 3, "2024-01-01"}, Rule{"dibao", 350, 3, "2026-01-01"})
	for _, tc := range []struct {
		name     string
		rules    []Rule
		age      int
		statuses map[string]bool
		cat      string
		fen      int64
	}{
		{"too young, no status", city, 79, nil, "", 0},
		{"80 on the day", city, 80, nil, "age_80", 200},
		{"90 gets the 90 rule, not both", city, 93, nil, "age_90", 400},
		{"特困 beats age", city, 85, map[string]bool{"tekun_dispersed": true}, "tekun_dispersed", 600},
		{"the county's rule overrides the city's", county, 82, nil, "age_80", 250},
		{"the later rule at one depth wins", county, 70, map[string]bool{"dibao": true}, "dibao", 350},
		{"an unrelated status", city, 70, map[string]bool{"veteran": true}, "", 0},
		{"no rules", nil, 99, map[string]bool{"dibao": true}, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cat, fen := Subsidy(tc.rules, tc.age, tc.statuses)
			if cat != tc.cat || fen != tc.fen {
				t.Errorf("got %q %d, want %q %d", cat, fen, tc.cat, tc.fen)
			}
		})
	}
	for c, want := range map[string]int{"age_80": 80, "age_100": 100} {
		if n, ok := CategoryAge(c); !ok || n != want {
			t.Errorf("CategoryAge(%q) = %d %v", c, n, ok)
		}
	}
	for _, c := range []string{"age_", "age_x", "age_5", "dibao"} {
		if _, ok := CategoryAge(c); ok {
			t.Errorf("CategoryAge(%q) accepted", c)
		}
	}
}
