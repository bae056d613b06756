package apps

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/vars"
)

// TestChangeVars: with no release live, a change is stored and says the first deploy boots with
// it; a change that changes nothing stores nothing; a bad name stores nothing; a deploy under way
// refuses the change; names are listed and a value is shown only when revealed.
func TestChangeVars(t *testing.T) {
	s, _ := testSet(t, t.TempDir())
	a, err := s.Create("blog", Settings{Hosts: []string{"blog.test"}})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name        string
		change      control.VarsChange
		busy        bool
		wantErr     error
		wantVersion int
		wantSaid    string
	}{
		{"first change", control.VarsChange{Set: map[string]string{"API_TOKEN": "s3cret", "GREETING": "hi"}}, false, nil, 1, "no release is live yet"},
		{"no change", control.VarsChange{Set: map[string]string{"GREETING": "hi"}}, false, nil, 1, "no change"},
		{"unset", control.VarsChange{Unset: []string{"GREETING"}, NoRestart: true}, false, nil, 2, "unset GREETING"},
		{"bad name", control.VarsChange{Set: map[string]string{"2FA": "x"}}, false, vars.ErrInvalidName, 2, ""},
		{"while a deploy runs", control.VarsChange{Set: map[string]string{"GREETING": "hey"}}, true, control.ErrBusy, 2, ""},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.busy {
				a.deployMu.Lock()
				defer a.deployMu.Unlock()
			}
			var said []string
			rel, err := a.ChangeVars(context.Background(), st.change, func(e deploy.Event) { said = append(said, e.Message) })
			if !errors.Is(err, st.wantErr) || rel != nil {
				t.Fatalf("got %v, %v; want no release and error %v", rel, err, st.wantErr)
			}
			for _, m := range said {
				if strings.Contains(m, "s3cret") {
					t.Errorf("an event shows a value: %q", m)
				}
			}
			if st.wantSaid != "" && !strings.Contains(strings.Join(said, "\n"), st.wantSaid) {
				t.Errorf("got events %q, want one saying %q", said, st.wantSaid)
			}
			if info, err := a.Vars(); err != nil || info.Version != st.wantVersion {
				t.Errorf("got version %d (%v), want %d", info.Version, err, st.wantVersion)
			}
		})
	}
	info, _ := a.Vars()
	if strings.Join(info.Names, ",") != "API_TOKEN" || info.Live != "" {
		t.Errorf("list: got %+v, want API_TOKEN and no live release", info)
	}
	gets := []struct {
		name, want string
		reveal     bool
		wantErr    error
	}{
		{"API_TOKEN", control.Masked, false, nil},
		{"API_TOKEN", "s3cret", true, nil},
		{"GREETING", "", true, control.ErrNoVar},
	}
	for _, g := range gets {
		v, err := a.Var(g.name, g.reveal)
		if !errors.Is(err, g.wantErr) || v.Value != g.want {
			t.Errorf("get %s (reveal %v): got %q, %v; want %q, %v", g.name, g.reveal, v.Value, err, g.want, g.wantErr)
		}
	}
	// The store is in the app's directory, outside its releases, and private.
	fi, err := os.Stat(filepath.Join(a.Dir(), vars.DirName, "v2.json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the app's config vars file: got %v, %v; want it 0600 in %s", fi, err, filepath.Join(a.Dir(), vars.DirName))
	}
}
