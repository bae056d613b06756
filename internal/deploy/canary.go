package deploy

import (
	"context"
	"fmt"
	"time"

	"github.com/cutover-dev/cutover/internal/bake"
	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/proxy"
	"github.com/cutover-dev/cutover/internal/report"
)

// StepCanary is the step before the switch in which a share of new clients goes to the new
// release, judged beside the old release serving the others (see docs/bake.md).
const StepCanary = "canary"

// Canary is the release of the canary under way, its share of new clients and its end; "" when
// none runs.
func (b *Bake) Canary() (release string, share float64, until time.Time) {
	if b == nil {
		return "", 0, time.Time{}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.baking || b.share == 0 {
		return "", 0, time.Time{}
	}
	return b.release, b.share, b.until
}

// setCanary says a canary of release at share goes on until until: Promote and Rollback end it.
func (b *Bake) setCanary(release string, share float64, until time.Time) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.serving, b.until, b.baking, b.release, b.share = nil, until, true, release, share
}

// canaries says whether this deploy starts with a canary, and if not, why not ("" when that needs
// no word: no canary asked, or nothing serving to share with).
func (r *run) canaries() (bool, string) {
	switch {
	case r.cfg.CanaryShare() == 0 || r.restoring || r.live == nil || r.live.Pool == nil:
		return false, ""
	case r.isRollback():
		return false, "no canary for a rollback"
	case r.cfg.Mode == config.ModeSocket:
		return false, "no canary in socket mode: the kernel shares the app's connections among its processes, so cutover cannot send a share of clients to one release"
	}
	return true, ""
}

// canary sends the configured share of new clients to the new release, sticky by a cookie, and
// judges it beside the old release serving the others. At the end of the canary window, or on
// `cutover promote`, it returns nil and the full switch follows; on a regression, a crash,
// `cutover rollback` or the daemon's stop it ends the split, stops the new release and returns an
// error wrapping ErrRolledBack. The live pointer names the old release throughout.
func (r *run) canary(ctx context.Context) error {
	if ok, why := r.canaries(); !ok {
		if why != "" {
			r.info("%s", why)
		}
		return nil
	}
	share, window, old := r.cfg.CanaryShare(), r.cfg.CanaryWindow(), r.live.Release.ID
	r.judge = bake.NewSideBySide(r.rel.ID, old, bake.Thresholds{})
	r.d.judge.Store(r.judge)
	defer r.d.judge.Store(nil)
	r.next.Pool = proxy.NewPool(r.rel.ID, r.next.backends())
	start := time.Now()
	b := r.req.Bake
	if b == nil {
		b = NewBake() // nobody can promote or roll back this one by hand
	}
	b.setCanary(r.rel.ID, share, start.Add(window))
	defer b.set(nil, time.Time{})
	r.rel.Bake = &bake.Result{Window: window, Canary: share}
	r.d.Site.SetCanary(r.next.Pool, share)
	r.info("canary: %s of new clients go to %s for %s, the others stay on %s (cookie %s); it is judged beside %s "+
		"(`cutover promote` switches all now, `cutover rollback` goes back)", config.FormatShare(share), r.rel.ID,
		report.FormatDuration(window), old, r.d.Site.CanaryCookie(), old)
	how, reason := r.judged(ctx, b, window, func() {
		v := r.judge.Verdict()
		r.info("canary: %s to %s: %s; %s beside it: %s; %s left", config.FormatShare(share), r.rel.ID, v.New, old, v.Old,
			report.FormatDuration(time.Until(start.Add(window)).Round(time.Second)))
	})
	switch how {
	case regressed:
		return r.endCanary(bake.RolledBack, reason, start)
	case rolledBack:
		return r.endCanary(bake.RolledByHand, "`cutover rollback` during the canary", start)
	case cutShort:
		return r.endCanary(bake.CutShort, fmt.Sprintf("the canary was cut short: %v", context.Cause(ctx)), start)
	case promoted:
		r.endBake(bake.Promoted, start)
	default:
		r.endBake(bake.Passed, start)
	}
	r.rel.Bake.Old = r.judge.Verdict().Old
	r.canaried = true
	return nil
}

// endCanary sends every client back to the old release, which never stopped serving, then drains
// and stops the new one.
func (r *run) endCanary(outcome, reason string, start time.Time) error {
	r.d.Site.SetCanary(nil, 0)
	back := time.Now()
	r.rolledBack = true
	if outcome == bake.RolledBack {
		reason = r.namedCrash(reason)
	}
	v := r.judge.Verdict()
	res := r.rel.Bake
	res.Outcome, res.Reason, res.Took, res.New, res.Old = outcome, reason, back.Sub(start), v.New, v.Old
	if first := r.judge.FirstFailure(); !first.IsZero() && outcome == bake.RolledBack {
		res.FailureToSwitch = back.Sub(first)
	}
	old := r.live.Release.ID
	r.warn("canary %s: %s; every client goes to %s again", outcome, reason, old)
	r.info("%s: %s; %s beside it: %s", r.rel.ID, v.New, old, v.Old)
	if res.FailureToSwitch > 0 {
		r.info("%s's first failed request ended %s before its clients went back", r.rel.ID, report.FormatDuration(res.FailureToSwitch))
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Duration(r.cfg.DrainTimeout))
	defer cancel()
	if err := r.next.Pool.Drain(ctx); err != nil {
		r.warn("%v", err)
	}
	if err := r.next.Stop(); err != nil {
		r.warn("stop %s: %v", r.rel.ID, err)
	}
	r.next = nil
	return fmt.Errorf("%w: %s serves on, the canary %s is stopped (%s)", ErrRolledBack, old, r.rel.ID, reason)
}

// canaryPool is the pool the app's site sends a canary's clients to, nil when it has no canary.
func (r *run) canaryPool() *proxy.Pool {
	if r.d.Site == nil {
		return nil
	}
	pool, _ := r.d.Site.Canary()
	return pool
}
