package deploy

import (
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/proxy"
	"github.com/cutover-dev/cutover/internal/release"
)

// TestCanaries: which deploys start with a canary, and what the others say; none bakes after a
// canary that passed.
func TestCanaries(t *testing.T) {
	live := &Formation{Release: &release.Release{ID: "v1"}, Pool: proxy.NewPool("v1", nil)}
	on := config.Defaults()
	on.Canary = "10%"
	socket := on
	socket.Mode = config.ModeSocket
	tests := []struct {
		name string
		r    *run
		want bool
		says string
	}{
		{"a deploy", &run{live: live, cfg: on}, true, ""},
		{"no canary asked", &run{live: live, cfg: config.Defaults()}, false, ""},
		{"the first release", &run{cfg: on}, false, ""},
		{"a restore", &run{live: live, cfg: on, restoring: true}, false, ""},
		{"a rollback", &run{live: live, cfg: on, req: Request{Rollback: "previous"}}, false, "no canary for a rollback"},
		{"socket mode", &run{live: live, cfg: socket}, false, "no canary in socket mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, says := tt.r.canaries()
			if got != tt.want || !strings.Contains(says, tt.says) || (tt.says == "" && says != "") {
				t.Errorf("canaries() = %v, %q; want %v, %q", got, says, tt.want, tt.says)
			}
		})
	}
	if ok, _ := (&run{live: live, cfg: on, canaried: true}).bakes(); ok {
		t.Error("a deploy bakes after its canary passed, want no bake")
	}
}

// TestBakeCanary: a canary is under way for Promote and Rollback, and Canary says of which release
// and share, until it is ended.
func TestBakeCanary(t *testing.T) {
	b := NewBake()
	if id, _, _ := b.Canary(); id != "" || b.Promote() {
		t.Fatalf("before the canary: Canary() = %q, Promote accepted; want none", id)
	}
	until := time.Now().Add(time.Minute)
	b.setCanary("v2", 0.1, until)
	id, share, end := b.Canary()
	if id != "v2" || share != 0.1 || !end.Equal(until) {
		t.Fatalf("Canary() = %q, %v, %v; want v2, 0.1, %v", id, share, end, until)
	}
	if b.Serving() != nil {
		t.Error("Serving() during a canary: want nil, the old release is live")
	}
	if !b.Rollback() || b.finish() != b.rollback {
		t.Error("Rollback during the canary was not accepted")
	}
	b.set(nil, time.Time{})
	if id, _, _ := b.Canary(); id != "" {
		t.Errorf("after the canary: Canary() = %q, want none", id)
	}
	var none *Bake
	if id, _, _ := none.Canary(); id != "" {
		t.Errorf("nil Bake: Canary() = %q, want none", id)
	}
}
