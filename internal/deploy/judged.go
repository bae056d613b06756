package deploy

import (
	"context"
	"time"
)

// ending is how a judged window — a bake, a canary — ended.
type ending int

const (
	windowOver ending = iota // the window ran out with the new release no worse
	regressed                // the new release crashed or did worse than the old one
	promoted                 // `cutover promote`
	rolledBack               // `cutover rollback`
	cutShort                 // the deploy's context ended: the daemon stops
)

// judged watches the new release for window from now: every DefaultBakeTick it asks for a
// regression, every DefaultBakeProgress it calls progress, and it returns at the first regression,
// at the window's end (judging once more), at a promote or rollback through b, or when ctx ends.
// reason says why a regression was found.
func (r *run) judged(ctx context.Context, b *Bake, window time.Duration, progress func()) (how ending, reason string) {
	tick := time.NewTicker(DefaultBakeTick)
	defer tick.Stop()
	progressTick := time.NewTicker(DefaultBakeProgress)
	defer progressTick.Stop()
	deadline := time.NewTimer(window)
	defer deadline.Stop()
	for {
		select {
		case <-tick.C:
			if reason := r.regression(); reason != "" {
				b.finish()
				return regressed, reason
			}
			continue
		case <-progressTick.C:
			progress()
			continue
		case <-deadline.C:
		case <-b.promote:
		case <-b.rollback:
		case <-ctx.Done():
		}
		// The window ends here, by its deadline, a promote, a rollback or the daemon's stop; a
		// promote or rollback accepted before it ended is honoured, whichever of these select picked.
		switch b.finish() {
		case b.rollback:
			return rolledBack, ""
		case b.promote:
			return promoted, ""
		}
		if ctx.Err() != nil {
			return cutShort, ""
		}
		if reason := r.regression(); reason != "" {
			return regressed, reason
		}
		return windowOver, ""
	}
}
