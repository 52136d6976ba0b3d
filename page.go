package yanglao

// Keyset pagination (DESIGN §8: no OFFSET over millions). A list request carries
// the opaque cursor of the last row it saw; the response carries the next one.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// Page asks for one page of a list.
type Page struct {
	After string // opaque cursor from the previous page; empty for the first page
	Limit int
}

// Normalize clamps the limit into range.
func (p Page) Normalize() Page {
	if p.Limit <= 0 {
		p.Limit = DefaultPageSize
	}
	if p.Limit > MaxPageSize {
		p.Limit = MaxPageSize
	}
	return p
}
