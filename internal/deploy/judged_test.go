package deploy

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/bake"
	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/report"
)

// TestJudged: how a judged window ends, by what came first.
func TestJudged(t *testing.T) {
	// A window shorter than DefaultBakeTick ends before the first tick: only the check at its end
	// can find the regression.
	short, long := time.Millisecond, time.Minute
	tests := []struct {
		name    string
		window  time.Duration
		failing bool                            // the new release answers 500 to every request
		control func(*Bake, context.CancelFunc) // what happens before the window starts
		want    ending
	}{
		{"a clean window", short, false, nil, windowOver},
		{"a regression at the window's end", short, true, nil, regressed},
		{"a regression within the window", long, true, nil, regressed},
		{"promoted", long, false, func(b *Bake, _ context.CancelFunc) { b.Promote() }, promoted},
		{"rolled back", long, false, func(b *Bake, _ context.CancelFunc) { b.Rollback() }, rolledBack},
		{"a rollback wins over a regression", long, true, func(b *Bake, _ context.CancelFunc) { b.Rollback() }, rolledBack},
		{"cut short", long, false, func(_ *Bake, cancel context.CancelFunc) { cancel() }, cutShort},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &run{next: &Formation{Release: &release.Release{ID: "v2"}}, judge: bake.New("v2", bake.Figures{}, bake.Thresholds{})}
			outcome := report.OK
			if tt.failing {
				outcome = report.AppError
			}
			for range 2 * bake.DefaultMinRequests {
				r.judge.Observe("v2", time.Millisecond, outcome)
			}
			b := NewBake()
			b.set(r.next, time.Now().Add(tt.window))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.control != nil {
				tt.control(b, cancel)
			}
			how, reason := r.judged(ctx, b, tt.window, func() {})
			if how != tt.want {
				t.Fatalf("got ending %d (%q), want %d", how, reason, tt.want)
			}
			if (how == regressed) != (reason != "") || (how == regressed && !strings.Contains(reason, "requests failed")) {
				t.Errorf("got reason %q for ending %d, want one saying the error rate for a regression only", reason, how)
			}
		})
	}
}

// TestNamedCrash: with no process of the new release gone, the reason stays as the judge gave it.
func TestNamedCrash(t *testing.T) {
	r := &run{next: &Formation{Release: &release.Release{ID: "v2"}}}
	if got := r.namedCrash("3% of 200 requests failed"); got != "3% of 200 requests failed" {
		t.Errorf("got %q, want the judge's reason alone", got)
	}
}
