package deploy_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/release"
)

// TestSwitchWriteFailureKeepsOld: when the live pointer cannot be written, the deploy fails before
// traffic moves, the new processes stop and the old release serves on.
func TestSwitchWriteFailureKeepsOld(t *testing.T) {
	for _, canary := range []string{"", "50%"} {
		t.Run("canary="+canary, func(t *testing.T) { testSwitchWriteFailureKeepsOld(t, canary) })
	}
}

// testSwitchWriteFailureKeepsOld: with a canary, the switch fails after the canary passed (with
// too few requests to judge, at the end of its window): its clients must go back to v1, not stay
// on the stopped v2.
func testSwitchWriteFailureKeepsOld(t *testing.T, canary string) {
	f := newFixture(t)
	_, v1, _, err := f.run(deploy.Request{Source: f.app("web: cutover sample-app --version v1\n")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// A directory where the pointer's file goes: the rename onto it fails, as a full disk would.
	live := filepath.Join(f.d.Store.Dir(), "live")
	os.Remove(live)
	if err := os.MkdirAll(filepath.Join(live, "blocked"), 0o700); err != nil {
		t.Fatal(err)
	}
	req := deploy.Request{Source: f.app("web: cutover sample-app --version v2\n")}
	if canary != "" {
		req.Overrides.Canary = canary
		if err := req.Overrides.CanaryFor.UnmarshalText([]byte("300ms")); err != nil {
			t.Fatal(err)
		}
	}
	rel, next, _, err := f.run(req, v1)
	if err == nil || !strings.Contains(err.Error(), "switch") || !strings.Contains(err.Error(), "not switched") {
		t.Errorf("deploy: got %v, want the switch to fail before traffic moved", err)
	}
	if next != nil || rel.Status != release.Failed {
		t.Errorf("got formation %v, status %s; want none and failed", next, rel.Status)
	}
	for range 10 {
		if got := f.version(); got != "v1" {
			t.Fatalf("after the failed switch: got %s answering, want v1", got)
		}
	}
}

// TestDeployRefusedWithoutSpace: a deploy that would not fit on the state disk is refused before
// anything is copied.
func TestDeployRefusedWithoutSpace(t *testing.T) {
	f := newFixture(t)
	f.d.FreeSpaceMargin = 1 << 62
	_, _, _, err := f.run(deploy.Request{Source: f.app("web: cutover sample-app --version v1\n")}, nil)
	var se *release.SpaceError
	if !errors.As(err, &se) {
		t.Fatalf("deploy: got %v, want a *release.SpaceError", err)
	}
	if entries, _ := os.ReadDir(filepath.Join(f.d.Store.Dir(), "releases")); len(entries) != 0 {
		t.Errorf("got %d release directories, want none: nothing is copied on a refused deploy", len(entries))
	}
}
