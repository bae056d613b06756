package deploy

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/release"
)

// A rollback is refused past a later release's contract migrations, named; --force goes ahead, and
// a target no later than the release that ran them is fine.
func TestPastContract(t *testing.T) {
	store, err := release.Open(filepath.Join(t.TempDir(), "state"))
	if err != nil {
		t.Fatal(err)
	}
	var rels []*release.Release
	for _, contract := range [][]string{nil, {"db/post_migrate/003_drop_legacy.sql"}, nil} {
		r, err := store.Create(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		r.Status, r.Contract = release.Superseded, contract
		if err := store.Save(r); err != nil {
			t.Fatal(err)
		}
		rels = append(rels, r)
	}
	r := &run{d: &Deployer{Store: store}}
	err = r.pastContract(rels[0])
	if !errors.Is(err, ErrPastContract) || !strings.Contains(err.Error(), "v2: db/post_migrate/003_drop_legacy.sql") || !strings.Contains(err.Error(), "--force") {
		t.Errorf("rollback to v1: got %v, want it refused naming v2's contract migration and --force", err)
	}
	for _, target := range rels[1:] {
		if err := r.pastContract(target); err != nil {
			t.Errorf("rollback to %s: got %v, want no refusal (no contract ran after it)", target.ID, err)
		}
	}
	r.req.Force = true
	if err := r.pastContract(rels[0]); err != nil {
		t.Errorf("rollback --force to v1: got %v", err)
	}
}
