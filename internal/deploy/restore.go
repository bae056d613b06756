package deploy

import (
	"context"
	"fmt"
	"time"

	"github.com/cutover-dev/cutover/internal/release"
)

// Defaults of restoring the live release when the daemon starts.
const (
	// DefaultRestoreRetryMin is the wait after a restore's first failed attempt: the live release's
	// database or another service it needs may come up after the daemon at a reboot.
	DefaultRestoreRetryMin = time.Second
	// DefaultRestoreRetryMax is the longest wait between attempts; the wait doubles up to it, and
	// the attempts go on until one succeeds or a deploy takes over.
	DefaultRestoreRetryMax = 30 * time.Second
)

// RestoreState is where a restore that has not succeeded yet stands, for `cutover status` and the
// proxy's "starting" page.
type RestoreState struct {
	Release   string    `json:"release"`
	Attempt   int       `json:"attempt"`              // the attempt under way or, while waiting, the next one, from 1
	LastError string    `json:"last_error,omitempty"` // why the last attempt failed
	Next      time.Time `json:"next,omitzero"`        // when the next attempt starts; zero while one runs
}

// Restore boots a release that was live before the daemon restarted and switches traffic to it: the
// deploy story from boot to switch, without a release phase or migrations, and without writing
// anything, so a daemon restarted on a full disk serves all the same.
func (d *Deployer) Restore(ctx context.Context, rel *release.Release, emit func(Event)) (*Formation, error) {
	r := &run{d: d, rel: rel, cfg: rel.Config, emit: emit, start: time.Now(), restoring: true}
	// The formation a `cutover scale` or --scale set since the release was deployed is the app's:
	// it runs as it ran before the restart.
	pf, cfg, _, err := loadApp(rel.Dir, r.withKeptScale(rel.Config))
	if err != nil {
		return nil, fmt.Errorf("restore %s: %w", rel.ID, err)
	}
	r.pf, r.cfg = pf, cfg
	if r.vars, err = d.varsOf(rel); err != nil {
		return nil, fmt.Errorf("restore %s: %w", rel.ID, err)
	}
	for _, s := range []struct {
		name string
		fn   func() error
	}{
		{"boot", r.boot},
		{StepHealthy, func() error { return r.waitHealthy(ctx) }},
		{"switch", r.switchTraffic},
	} {
		if err := r.step(s.name, s.fn); err != nil {
			r.abort()
			return nil, fmt.Errorf("restore %s: %w", rel.ID, err)
		}
	}
	// From the switch on the release serves: a worker that fails to start is reported, as in a
	// deploy, and never takes the web processes down with it.
	r.step("start workers", r.startWorkers)
	return r.next, nil
}

// RestoreUntilUp calls Restore until it succeeds or ctx is done (a deploy took over, the daemon
// stops), waiting DefaultRestoreRetryMin after the first failure and doubling the wait up to
// DefaultRestoreRetryMax. progress, if not nil, is called as each attempt starts and after each
// failure. It returns ctx's error when ctx ends first.
func (d *Deployer) RestoreUntilUp(ctx context.Context, rel *release.Release, emit func(Event), progress func(RestoreState)) (*Formation, error) {
	st := RestoreState{Release: rel.ID}
	wait := DefaultRestoreRetryMin
	for {
		st.Attempt++
		st.Next = time.Time{}
		if progress != nil {
			progress(st)
		}
		f, err := d.Restore(ctx, rel, emit)
		if err == nil {
			return f, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		st.LastError, st.Next = err.Error(), time.Now().Add(wait)
		d.logger().Error("could not boot the live release: trying again", "release", rel.ID, "attempt", st.Attempt, "retry_in", wait, "err", err)
		if progress != nil {
			progress(RestoreState{Release: st.Release, Attempt: st.Attempt + 1, LastError: st.LastError, Next: st.Next})
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		wait = min(2*wait, DefaultRestoreRetryMax)
	}
}
