package apps

import (
	"context"
	"errors"
	"testing"

	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/release"
)

// TestDeploymentRelease: the deploy's release id is learnt from its events, and from its end.
func TestDeploymentRelease(t *testing.T) {
	var dep *deployment
	if dep.releaseID() != "" {
		t.Fatal("no deploy has a release")
	}
	dep = &deployment{}
	emit := dep.watch(func(deploy.Event) {})
	emit(deploy.Event{Step: "prepare"})
	emit(deploy.Event{Release: "v7"})
	if dep.releaseID() != "v7" {
		t.Fatalf("got %q", dep.releaseID())
	}
	dep.end(&release.Release{ID: "v8"}, nil)
	if dep.releaseID() != "v8" {
		t.Fatalf("got %q", dep.releaseID())
	}
}

// TestAbortNothing: an abort with no deploy under way says there is nothing to abort.
func TestAbortNothing(t *testing.T) {
	s, _ := testSet(t, t.TempDir())
	a, err := s.Create("blog", Settings{Hosts: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Abort(context.Background()); !errors.Is(err, control.ErrNoDeploy) {
		t.Fatalf("got %v", err)
	}
}
