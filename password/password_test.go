package password

import "testing"

func TestHashCheck(t *testing.T) {
	h, err := Hash("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := Hash("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password must differ (random salt)")
	}
	for _, tc := range []struct {
		pw, hash string
		ok       bool
		err      bool
	}{
		{"correct horse battery", h, true, false},
		{"correct horse batterY", h, false, false},
		{"", h, false, false},
		{"x", "$argon2i$v=19$m=1,t=1,p=1$AAAA$AAAA", false, true},
		{"x", "plain", false, true},
		{"x", "$argon2id$v=19$m=1,t=1,p=1$!!$AAAA", false, true},
	} {
		ok, err := Check(tc.pw, tc.hash)
		if ok != tc.ok || (err != nil) != tc.err {
			t.Errorf("Check(%q, %q) = %v, %v; want %v, err=%v", tc.pw, tc.hash, ok, err, tc.ok, tc.err)
		}
	}
}
