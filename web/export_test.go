package web

// RouteForTest describes a route for table tests outside the package.
type RouteForTest struct {
	Method, Path string
	SignedIn     bool
}

// RouteTableForTest lists the API route table.
func RouteTableForTest() []RouteForTest {
	s := New(Services{}, Config{})
	var out []RouteForTest
	for _, rt := range s.table() {
		out = append(out, RouteForTest{Method: rt.method, Path: rt.path, SignedIn: rt.access == signedIn})
	}
	return out
}
