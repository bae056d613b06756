package deploy

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/bake"
	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/proxy"
	"github.com/cutover-dev/cutover/internal/release"
)

// TestBakes: which deploys bake after their switch, and what the others say.
func TestBakes(t *testing.T) {
	live := &Formation{Release: &release.Release{ID: "v1"}, Pool: proxy.NewPool("v1", nil)}
	on := config.Defaults()
	socket := on
	socket.Mode = config.ModeSocket
	off := on
	off.Bake = "off"
	tests := []struct {
		name string
		r    *run
		want bool
		says string
	}{
		{"a deploy", &run{live: live, cfg: on}, true, ""},
		{"the first release", &run{cfg: on}, false, ""},
		{"bake off", &run{live: live, cfg: off}, false, ""},
		{"a restore", &run{live: live, cfg: on, restoring: true}, false, ""},
		{"a rollback", &run{live: live, cfg: on, req: Request{Rollback: "previous"}}, false, "no bake for a rollback: v1 stops now"},
		{"socket mode", &run{live: live, cfg: socket}, false, "no bake in socket mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, says := tt.r.bakes()
			if got != tt.want || !strings.Contains(says, tt.says) || (tt.says == "" && says != "") {
				t.Errorf("bakes() = %v, %q; want %v, %q", got, says, tt.want, tt.says)
			}
		})
	}
}

// TestBakeControl: promote and rollback end only a bake under way, and once.
func TestBakeControl(t *testing.T) {
	b := NewBake()
	if b.Promote() || b.Rollback() {
		t.Fatal("promote or rollback took with no bake under way")
	}
	f := &Formation{Release: &release.Release{ID: "v2"}}
	b.set(f, time.Now().Add(time.Minute))
	if id, _, ok := b.Baking(); !ok || id != "v2" || b.Serving() != f {
		t.Fatalf("Baking = %q, %v; want v2", id, ok)
	}
	if !b.Promote() || !b.Promote() {
		t.Fatal("promote refused during a bake")
	}
	if b.Rollback() {
		t.Fatal("rollback taken after a promote")
	}
	select {
	case <-b.promote:
	default:
		t.Fatal("promote did not reach the bake")
	}
	b.set(nil, time.Now().Add(time.Minute))
	if _, _, ok := b.Baking(); ok || b.Serving() != nil || b.Rollback() {
		t.Fatal("a bake still under way after it ended")
	}
	var none *Bake
	if none.Promote() || none.Serving() != nil {
		t.Fatal("a nil Bake took a promote")
	}
}

// TestBakeFinish: a rollback accepted before the bake ended is what finish returns, so it is
// honoured even when the window ended at the same moment; after finish, both are refused.
func TestBakeFinish(t *testing.T) {
	b := NewBake()
	b.set(&Formation{Release: &release.Release{ID: "v2"}}, time.Now().Add(time.Minute))
	if !b.Rollback() {
		t.Fatal("rollback refused during a bake")
	}
	if got := b.finish(); got != b.rollback {
		t.Fatal("finish did not return the rollback accepted before it")
	}
	if b.Rollback() || b.Promote() {
		t.Fatal("a rollback or promote taken after the bake finished")
	}
	if got := NewBake().finish(); got != nil {
		t.Fatal("finish of a bake nobody ended returned a control")
	}
}

// TestBaselineLeavesOutTheProxysPages: the proxy's own answers (maintenance, a pause that timed
// out) belong to no release and are not in the baseline a bake judges against.
func TestBaselineLeavesOutTheProxysPages(t *testing.T) {
	d := &Deployer{}
	start := time.Now()
	d.Observe(time.Now(), proxy.Result{Status: 503, Err: errors.New("maintenance")})
	d.Observe(time.Now(), proxy.Result{Release: "v1", Status: 200, Duration: time.Millisecond})
	if s := d.servedRecorder().Summary(start.Add(-time.Second), time.Now().Add(time.Second)); s.Requests != 1 || s.Failed != 0 {
		t.Fatalf("baseline %d requests, %d failed; want v1's one request alone", s.Requests, s.Failed)
	}
}

// TestBaselineLeavesOutTheReleaseJudged: the requests of a release while it is judged (in its bake
// or canary) are not in the baseline of the next deploy, so a release rolled back for its failures
// does not make them look usual; the old release's requests meanwhile are.
func TestBaselineLeavesOutTheReleaseJudged(t *testing.T) {
	d := &Deployer{}
	start := time.Now()
	d.Observe(time.Now(), proxy.Result{Release: "v1", Status: 200, Duration: time.Millisecond})
	d.judge.Store(bake.New("v2", bake.Figures{}, bake.Thresholds{}))
	for range 5 {
		d.Observe(time.Now(), proxy.Result{Release: "v2", Status: 500, Duration: time.Millisecond})
	}
	d.Observe(time.Now(), proxy.Result{Release: "v1", Status: 200, Duration: time.Millisecond})
	if got := d.judge.Load().Figures(); got.Requests != 5 || got.Failed != 5 {
		t.Errorf("judge saw %+v, want v2's 5 requests, 5 failed", got)
	}
	d.judge.Store(nil) // the bake ended: v2 was sent back
	if s := d.servedRecorder().Summary(start.Add(-time.Second), time.Now().Add(time.Second)); s.Requests != 2 || s.Failed != 0 {
		t.Fatalf("baseline %d requests, %d failed; want v1's two requests alone", s.Requests, s.Failed)
	}
}
