package deploy

import (
	"slices"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/procfile"
	"github.com/cutover-dev/cutover/internal/release"
)

func TestEnviron(t *testing.T) {
	s := spawner{
		rel: &release.Release{ID: "v4"},
		cfg: config.Config{Env: map[string]string{"RAILS_ENV": "production"}},
		env: []string{"PATH=/bin", "CUTOVER_STATE=/srv/state"},
	}
	got := s.environ("web.2", 4100)
	for _, want := range []string{"PATH=/bin", "CUTOVER_STATE=/srv/state", "RAILS_ENV=production",
		"CUTOVER_RELEASE=v4", "CUTOVER_PROCESS=web.2", "PORT=4100"} {
		if !slices.Contains(got, want) {
			t.Errorf("environ: %q missing from %q", want, got)
		}
	}
	if env := s.environ("worker.1", 0); slices.ContainsFunc(env, func(kv string) bool { return len(kv) > 5 && kv[:5] == "PORT=" }) {
		t.Errorf("a worker got a PORT: %q", env)
	}
}

func TestProcessTypes(t *testing.T) {
	pf, err := procfile.Parse(strings.NewReader("web: a\nworker: b\npostdeploy: c\n"), "Procfile")
	if err != nil {
		t.Fatal(err)
	}
	got := (&Formation{Procfile: pf}).ProcessTypes()
	if want := []string{"build", "release", "web", "worker", "postdeploy"}; !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
