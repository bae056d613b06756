package release

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReconcile: the live pointer decides what serves; records a crash mid-deploy left behind are
// set to agree with it.
func TestReconcile(t *testing.T) {
	tests := []struct {
		name   string
		before []Status // of v1, v2, …
		live   string
		want   []Status
	}{
		{"crash during drain or stop old: two marked live", []Status{Superseded, Live, Live}, "v3", []Status{Superseded, Superseded, Live}},
		{"crash after the pointer moved, before the record said so", []Status{Live, Deploying}, "v2", []Status{Superseded, Live}},
		{"crash before the switch", []Status{Live, Deploying}, "v1", []Status{Live, Interrupted}},
		{"nothing to do", []Status{Superseded, Failed, Live}, "v3", []Status{Superseded, Failed, Live}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := Open(t.TempDir())
			app := writeApp(t, map[string]string{"Procfile": "web: x\n"})
			for _, st := range tt.before {
				r, err := s.Create(app)
				if err != nil {
					t.Fatal(err)
				}
				r.Status = st
				if err := s.Save(r); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.SetLive(tt.live); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Reconcile(); err != nil {
				t.Fatal(err)
			}
			all, _, _ := s.List()
			for i, r := range all {
				if r.Status != tt.want[i] {
					t.Errorf("%s: got %s, want %s", r.ID, r.Status, tt.want[i])
				}
				if r.Status == Interrupted && r.Error == "" {
					t.Errorf("%s: interrupted with no reason", r.ID)
				}
				if tt.before[i] == Deploying && r.Status == Live && !strings.Contains(r.Error, "postdeploy command") {
					t.Errorf("%s: live after a crash past the switch, with no word that the deploy did not end: %q", r.ID, r.Error)
				}
			}
		})
	}
}

// TestReconcileSkipsDamaged: a damaged record neither stops the others from being reconciled nor
// is rewritten.
func TestReconcileSkipsDamaged(t *testing.T) {
	s, _ := Open(t.TempDir())
	app := writeApp(t, map[string]string{"Procfile": "web: x\n"})
	for range 3 {
		r, _ := s.Create(app)
		r.Status = Live
		s.Save(r)
	}
	bad := filepath.Join(s.Dir(), "releases", "v1", "release.json")
	os.WriteFile(bad, []byte("{"), 0o600)
	s.SetLive("v3")
	if _, err := s.Reconcile(); err != nil {
		t.Fatal(err)
	}
	if v2, _ := s.Get("v2"); v2.Status != Superseded {
		t.Errorf("v2: got %s, want superseded", v2.Status)
	}
	if b, _ := os.ReadFile(bad); string(b) != "{" {
		t.Errorf("damaged record rewritten: %q", b)
	}
}

// TestPreviousServed: a rollback goes back to the latest release that served before the live one
// and differs from it, in its app or in its config vars.
func TestPreviousServed(t *testing.T) {
	rels := []*Release{
		{ID: "v1", Hash: "a", Status: Superseded},
		{ID: "v2", Hash: "b", Status: Superseded},
		{ID: "v3", Hash: "b", VarsVersion: 1, Status: Superseded},
		{ID: "v4", Hash: "b", VarsVersion: 2, Status: Failed},
		{ID: "v5", Hash: "b", VarsVersion: 1, Status: Live},
	}
	tests := []struct {
		name     string
		liveID   string
		liveHash string
		liveVars int
		want     string
	}{
		{"same app, same vars: skipped", "v5", "b", 1, "v2"},
		{"same app, other vars", "v5", "b", 3, "v3"},
		{"another app", "v5", "c", 1, "v3"},
		{"only the first differs", "v1", "b", 1, "v2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ""
			if r := PreviousServed(rels, tt.liveID, tt.liveHash, tt.liveVars); r != nil {
				got = r.ID
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
