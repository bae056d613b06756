package deploy

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/release"
)

// The formation given with --scale is kept, 0600, and under a later deploy's own --scale.
func TestKeptScale(t *testing.T) {
	store, err := release.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	d := &Deployer{Store: store}
	first := &run{d: d, req: Request{Overrides: config.Config{Scale: map[string]int{"web": 2, "worker": 3}}}}
	first.keepScale()
	fi, err := os.Stat(filepath.Join(store.Dir(), FormationFile))
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("%s mode: got %o, want 600", FormationFile, got)
	}

	later := &run{d: d, req: Request{Overrides: config.Config{Scale: map[string]int{"worker": 1}}}}
	got := later.withKeptScale(later.req.Overrides).Scale
	if got["web"] != 2 || got["worker"] != 1 {
		t.Errorf("later deploy's scale: got %v, want web=2 (kept) worker=1 (its own --scale)", got)
	}
	later.keepScale()
	kept, err := d.KeptScale()
	if err != nil {
		t.Fatal(err)
	}
	if kept["web"] != 2 || kept["worker"] != 1 {
		t.Errorf("kept after the later deploy: got %v, want web=2 worker=1", kept)
	}
}
