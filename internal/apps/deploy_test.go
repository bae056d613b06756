package apps

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
)

// TestDeployRefused: a second deploy of an app while one runs is refused at once, saying which;
// one of a destroyed app is refused too; a deploy of another app is not in the way.
func TestDeployRefused(t *testing.T) {
	s, _ := testSet(t, t.TempDir())
	blog, err := s.Create("blog", Settings{Hosts: []string{"blog.test"}})
	if err != nil {
		t.Fatal(err)
	}
	api, err := s.Create("api", Settings{Hosts: []string{"api.test"}})
	if err != nil {
		t.Fatal(err)
	}
	blog.deployMu.Lock()
	blog.deploying = describe(deploy.Request{Source: "/srv/blog"})
	_, err = blog.Deploy(context.Background(), deploy.Request{Source: "/srv/blog"}, func(deploy.Event) {})
	blog.deployMu.Unlock()
	if !errors.Is(err, control.ErrBusy) || !strings.Contains(err.Error(), "deploy of /srv/blog") {
		t.Fatalf("second deploy: %v", err)
	}
	if !api.deployMu.TryLock() {
		t.Fatal("a deploy of blog holds api's lock")
	}
	api.deployMu.Unlock()
	if err := s.Destroy(context.Background(), "api"); err != nil {
		t.Fatal(err)
	}
	if _, err := api.Deploy(context.Background(), deploy.Request{Source: "/srv/api"}, func(deploy.Event) {}); !errors.Is(err, control.ErrNoApp) {
		t.Fatalf("deploy of a destroyed app: %v", err)
	}
	if got := describe(deploy.Request{Rollback: "v3"}); got != "rollback to v3" {
		t.Errorf("describe: %q", got)
	}
}
