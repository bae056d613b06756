package apps

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
)

// TestPromoteAndRollbackWithoutBake: promote with nothing baking says so; a rollback while a
// deploy that is not baking runs is refused like any deploy (the bake's own paths are tested on a
// real daemon: internal/daemon TestPromoteAndRollbackDuringBake).
func TestPromoteAndRollbackWithoutBake(t *testing.T) {
	s, _ := testSet(t, t.TempDir())
	blog, err := s.Create("blog", Settings{Hosts: []string{"blog.test"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := blog.Promote(context.Background()); !errors.Is(err, control.ErrNoDeploy) {
		t.Fatalf("promote with no deploy: %v", err)
	}
	blog.deployMu.Lock()
	defer blog.deployMu.Unlock()
	blog.current = &deployment{bake: deploy.NewBake(), done: make(chan struct{})}
	if _, err := blog.Promote(context.Background()); !errors.Is(err, control.ErrNoDeploy) || !strings.Contains(err.Error(), "no release is baking") {
		t.Fatalf("promote while a deploy runs that does not bake: %v", err)
	}
	_, err = blog.Deploy(context.Background(), deploy.Request{Rollback: "previous"}, func(deploy.Event) {})
	if !errors.Is(err, control.ErrBusy) || !strings.Contains(err.Error(), "cutover deploy --abort") {
		t.Fatalf("rollback while a deploy runs that does not bake: %v", err)
	}
}
