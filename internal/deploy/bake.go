package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cutover-dev/cutover/internal/bake"
	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/proxy"
	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/report"
)

// StepBake is the step after the switch in which the old release stays booted while the new one
// is judged against it (see package bake).
const StepBake = "bake"

// DefaultBakeTick is how often the bake judges the new release; it bounds the time from the
// requests that show a regression to the switch back.
const DefaultBakeTick = 100 * time.Millisecond

// DefaultBakeProgress is how often the bake tells the client how it goes.
const DefaultBakeProgress = 5 * time.Second

// ErrRolledBack is the error of a deploy whose bake sent traffic back to the release before it.
var ErrRolledBack = errors.New("rolled back")

// ErrLiveNotRecorded joins ErrRolledBack when traffic went back but the live pointer could not
// say so: a restart of the daemon would boot the rolled-back release.
var ErrLiveNotRecorded = errors.New("the release serving again could not be recorded as live")

// Bake lets another goroutine end a deploy's bake: Promote ends it as passed, Rollback sends
// traffic back to the old release at once. Make one with NewBake.
type Bake struct {
	mu       sync.Mutex
	baking   bool
	release  string
	serving  *Formation // the release's formation, which serves during the bake
	until    time.Time
	share    float64 // the canary's share of new clients; 0 for a bake
	promote  chan struct{}
	rollback chan struct{}
	ended    chan struct{} // promote or rollback, whichever was closed first
}

// NewBake returns the control of one deploy's bake.
func NewBake() *Bake {
	return &Bake{promote: make(chan struct{}), rollback: make(chan struct{})}
}

// Baking says whether a bake is under way, of which release, and until when.
func (b *Bake) Baking() (release string, until time.Time, ok bool) {
	if b == nil {
		return "", time.Time{}, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.release, b.until, b.baking
}

// Promote ends the bake as passed; false when no bake is under way.
func (b *Bake) Promote() bool { return b != nil && b.end(b.promote) }

// Rollback ends the bake by sending traffic back to the old release; false when no bake is under
// way.
func (b *Bake) Rollback() bool { return b != nil && b.end(b.rollback) }

// finish ends the bake: from now on Promote and Rollback refuse. It returns the control that was
// accepted before, if one was (b.promote or b.rollback), so that it is honoured even when the bake
// ended for another reason at the same moment; nil for none or a nil b.
func (b *Bake) finish() chan struct{} {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.baking = false
	return b.ended
}

func (b *Bake) end(ch chan struct{}) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case !b.baking || (b.ended != nil && b.ended != ch):
		return false
	case b.ended == nil:
		b.ended = ch
		close(ch)
	}
	return true
}

// Serving is the formation of the release baking, which serves; nil when none bakes.
func (b *Bake) Serving() *Formation {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.serving
}

// set says a bake of f goes on until until; a nil f says none does.
func (b *Bake) set(f *Formation, until time.Time) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.serving, b.until, b.baking, b.release, b.share = f, until, f != nil, "", 0
	if f != nil {
		b.release = f.Release.ID
	}
}

// Observe feeds one result of the app's requests, ended at at, to the deploy under way's timeline
// and bake, if any: the app passes every result of its site here.
func (d *Deployer) Observe(at time.Time, res proxy.Result) {
	if tl := d.timeline.Load(); tl != nil {
		tl.Observe(at, res.Duration, res.Outcome()) // as the app's Recorder counts: every request
	}
	if res.Release == "" {
		return // a page of the proxy's own (maintenance, a pause that timed out, no release): no release's doing
	}
	j := d.judge.Load()
	if j != nil {
		j.Observe(res.Release, res.Duration, res.Outcome())
	}
	if j != nil && res.Release == j.Release() {
		// A release on trial is in no baseline until it has passed: one rolled back would
		// otherwise raise the bar for the next deploy within DefaultSteadyWindow (its failures
		// and latency counted as the old release's).
		return
	}
	d.servedRecorder().Observe(at, res.Duration, res.Outcome())
}

// servedRecorder keeps the figures of the requests the app's releases answered, the baseline a
// bake judges a new release against; a release's requests while it is judged are not in it.
func (d *Deployer) servedRecorder() *report.Recorder {
	d.servedOnce.Do(func() { d.served = report.NewRecorder(DefaultSteadyWindow + 2*time.Second) })
	return d.served
}

// bakes says whether this deploy bakes after its switch, and if not, why not ("" when that needs
// no word: a first release, a bake turned off).
func (r *run) bakes() (bool, string) {
	switch {
	case r.restoring || r.live == nil || r.live.Pool == nil || r.cfg.BakeWindow() == 0 || r.canaried:
		return false, ""
	case r.isRollback():
		return false, "no bake for a rollback: " + r.live.Release.ID + " stops now"
	case r.cfg.Mode == config.ModeSocket:
		return false, "no bake in socket mode: the app accepts its connections itself, so cutover cannot see its answers nor send them back (see docs/bake.md)"
	}
	return true, ""
}

// startJudging makes a judge of the new release against the old one's figures before the deploy,
// from the switch on: call it just before the switch.
func (r *run) startJudging() {
	if ok, _ := r.bakes(); !ok {
		return
	}
	old := bake.Baseline(r.d.servedRecorder().Summary(r.start.Add(-DefaultSteadyWindow), r.start))
	r.judge = bake.New(r.rel.ID, old, bake.Thresholds{})
	r.d.judge.Store(r.judge)
}

// bake keeps the old release booted for the bake window while the new one serves, and sends
// traffic back to it at once when the new one fails more, is slower, or crashes, or when
// `cutover rollback` asks. It returns an error wrapping ErrRolledBack when traffic went back.
func (r *run) bake(ctx context.Context) error {
	if ok, why := r.bakes(); !ok {
		if why != "" {
			r.info("%s", why)
		}
		return nil
	}
	defer r.d.judge.Store(nil)
	window := r.cfg.BakeWindow()
	start := time.Now()
	r.req.Bake.set(r.next, start.Add(window))
	defer r.req.Bake.set(nil, time.Time{})
	r.rel.Bake = &bake.Result{Window: window, Old: r.judge.Verdict().Old}
	r.info("%s stays booted for %s: traffic goes back to it at once if %s fails more, is slower or crashes "+
		"(`cutover promote` ends the bake, `cutover rollback` goes back now)", r.live.Release.ID, report.FormatDuration(window), r.rel.ID)
	if why := r.judge.LatencyUnjudged(); why != "" {
		r.info("latency not judged: in the last %s before the deploy, %s served %s",
			report.FormatDuration(DefaultSteadyWindow), r.live.Release.ID, why)
	}
	b := r.req.Bake
	if b == nil {
		b = NewBake() // nobody can promote or roll back this one by hand
	}
	how, reason := r.judged(ctx, b, window, func() {
		v := r.judge.Verdict()
		r.info("baking: %s; %s before the deploy: %s; %s left", v.New, r.live.Release.ID, v.Old,
			report.FormatDuration(time.Until(start.Add(window)).Round(time.Second)))
	})
	switch how {
	case regressed:
		return r.switchBack(bake.RolledBack, reason, start)
	case rolledBack:
		return r.switchBack(bake.RolledByHand, "`cutover rollback` during the bake", start)
	case cutShort:
		r.endBake(bake.CutShort, start)
		r.warn("bake cut short (%v): %s stays live", context.Cause(ctx), r.rel.ID)
	case promoted:
		r.endBake(bake.Promoted, start)
	default:
		r.endBake(bake.Passed, start)
	}
	return nil
}

// regression says why the new release is worse than the old one, "" while it is not: a crashed
// process, or the judge's verdict.
func (r *run) regression() string {
	if crash := r.crashed(); crash != "" {
		return crash
	}
	if v := r.judge.Verdict(); v.Regressed {
		return v.Reason
	}
	return ""
}

// crashed says which process of the new release exited, "" if none did.
func (r *run) crashed() string {
	for _, p := range r.next.Processes() {
		if p.LastExit != nil {
			return fmt.Sprintf("%s %s", p.Name, p.LastExit.Message)
		}
	}
	return ""
}

// DefaultCrashNotice is how long, once traffic went back for a regression the judge saw, the
// deploy waits for a crash of the new release's processes to be recorded: the proxy sees a crash
// (its 502s) a few milliseconds before the process's exit is, and the reason should name the cause.
// Traffic is on the old release meanwhile.
const DefaultCrashNotice = 200 * time.Millisecond

// namedCrash is reason, led by the exit of a new release's process if one shows within
// DefaultCrashNotice.
func (r *run) namedCrash(reason string) string {
	for deadline := time.Now().Add(DefaultCrashNotice); ; time.Sleep(DefaultCrashNotice / 20) {
		if crash := r.crashed(); crash != "" {
			if strings.Contains(reason, crash) {
				return reason
			}
			return crash + "; " + reason
		}
		if time.Now().After(deadline) {
			return reason
		}
	}
}

// endBake records a bake that ended with the new release serving on.
func (r *run) endBake(outcome string, start time.Time) {
	v := r.judge.Verdict()
	r.rel.Bake.Outcome, r.rel.Bake.Took, r.rel.Bake.New = outcome, time.Since(start), v.New
	if outcome == bake.CutShort {
		return
	}
	what, longer := "bake", "--bake, or bake in cutover.toml"
	if r.rel.Bake.Canary > 0 {
		what, longer = "canary", "--canary-for, or canary_for in cutover.toml"
	}
	r.info("%s %s after %s: %s", what, outcome, report.FormatDuration(time.Since(start).Round(time.Millisecond)), v.New)
	if why := r.judge.Unjudged(v); why != "" && outcome == bake.Passed {
		// A window that ends before enough requests came passes, as a deploy without one would:
		// say so, rather than let "passed" read as a verdict.
		r.rel.Bake.Reason = r.rel.ID + " " + why
		r.warn("%s passed unjudged: %s %s; with little traffic, a longer window (%s) gives it time to be", what, r.rel.ID, why, longer)
	}
}

// switchBack sends traffic back to the old release, which is still booted, then drains and stops
// the new one. The live pointer is written first, as at every switch; if it cannot be, traffic
// goes back all the same (users first) and the error says a restart would boot the new release.
func (r *run) switchBack(outcome, reason string, start time.Time) error {
	old := r.live
	var pointer error
	if err := r.d.Store.SetLive(old.Release.ID); err != nil {
		pointer = fmt.Errorf("%w: %s serves, but a restart of the daemon would boot %s until a deploy or rollback succeeds: %w",
			ErrLiveNotRecorded, old.Release.ID, r.rel.ID, err)
	}
	Serve(r.d.Site, old.Pool, old.Config)
	back := time.Now()
	r.req.Bake.set(nil, time.Time{}) // what serves is the old release again, while the new one stops
	r.rolledBack = true
	if outcome == bake.RolledBack {
		reason = r.namedCrash(reason)
	}
	v := r.judge.Verdict()
	res := r.rel.Bake
	res.Outcome, res.Reason, res.Took, res.New = outcome, reason, back.Sub(start), v.New
	if first := r.judge.FirstFailure(); !first.IsZero() && outcome == bake.RolledBack {
		res.FailureToSwitch = back.Sub(first)
	}
	r.warn("%s: %s; traffic moved back: %s → %s", outcome, reason, r.rel.ID, old.Release.ID)
	if res.FailureToSwitch > 0 {
		r.info("%s's first failed request ended %s before traffic went back; %s", r.rel.ID, report.FormatDuration(res.FailureToSwitch), v.New)
	}
	if prev, err := r.d.Store.Get(old.Release.ID); err == nil {
		prev.Status = release.Live
		if err := r.d.Store.Save(prev); err != nil {
			r.warn("%s serves again, but its record was not saved (it is set right at the next start): %v", prev.ID, err)
		}
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
	err := fmt.Errorf("%w: %s serves again (%s)", ErrRolledBack, old.Release.ID, reason)
	return errors.Join(err, pointer)
}
