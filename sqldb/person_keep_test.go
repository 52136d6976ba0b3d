package sqldb_test

import (
	"testing"

	"github.com/yanglao/yanglao"
	"github.com/yanglao/yanglao/sqldb"
	tk "github.com/yanglao/yanglao/testkit"
)

// An update that does not send phones or contacts keeps them (screens never hold
// them in clear, so an edit form cannot send them back); an empty slice clears.
func TestUpdatePersonKeepsSealedFields(t *testing.T) {
	db := tk.NewDB(t)
	ps := sqldb.NewPersonService(db, tk.Box())
	ctx := tk.System()
	p := newPerson("钱七", tk.VillageA1, tk.CitizenID("431002", "1950-03-03", 31), "13800138001")
	p.Contacts = []yanglao.Contact{{Name: "钱小", Relation: "子", Phone: "13900139001"}}
	if err := ps.CreatePerson(ctx, p); err != nil {
		t.Fatal(err)
	}
	edit := &yanglao.Person{ID: p.ID, Name: "钱七", ResidenceCode: tk.VillageA1, Address: "新地址", Version: p.Version}
	if err := ps.UpdatePerson(ctx, edit); err != nil {
		t.Fatal(err)
	}
	_, phones, err := ps.RevealID(ctx, p.ID, "test")
	if err != nil || len(phones) != 1 || phones[0] != "13800138001" {
		t.Fatalf("phones after an edit without phones: %v %v", phones, err)
	}
	if len(edit.Contacts) != 1 || edit.Contacts[0].Name != "钱小" {
		t.Fatalf("contacts after an edit without contacts: %+v", edit.Contacts)
	}
	clear := &yanglao.Person{ID: p.ID, Name: "钱七", ResidenceCode: tk.VillageA1, Phones: []string{}, Version: edit.Version}
	if err := ps.UpdatePerson(ctx, clear); err != nil {
		t.Fatal(err)
	}
	if _, phones, _ := ps.RevealID(ctx, p.ID, "test"); len(phones) != 0 {
		t.Fatalf("phones after clearing: %v", phones)
	}
}
