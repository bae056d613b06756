package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/cutover-dev/cutover/internal/report"

	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/loadgen"
	"github.com/cutover-dev/cutover/internal/release"
)

// Defaults of "cutover bench deploy"; each is also its flag's default.
const (
	// DefaultRate is the open-loop load during each run, in requests per second.
	DefaultRate = 2500
	// DefaultDelay is how long the sample app takes to answer each request, so that requests are
	// in flight when traffic switches and the old release drains.
	DefaultDelay = 300 * time.Millisecond
	// DefaultRuns is how many deploys are measured, alternating between two versions.
	DefaultRuns = 3
	// DefaultDeployDuration is how long the load of each run lasts.
	DefaultDeployDuration = 8 * time.Second
	// DefaultSettle is how long the load runs before each deploy starts: the steady figures come
	// from it and from the time after the deploy.
	DefaultSettle = 1500 * time.Millisecond
	// DefaultHeadroom sizes the load generator: it keeps enough connections for Rate × (Delay +
	// DefaultHeadroom) requests in flight, so a stall of up to DefaultHeadroom shows as latency
	// rather than as requests never sent.
	DefaultHeadroom = time.Second
	// MaxRuns is the most runs RunDeploy accepts.
	MaxRuns = 100
)

// versionHeader is the response header in which the sample app names its version.
const versionHeader = "X-App-Version"

// appVersions are the two versions the runs deploy in turn, after the first.
var appVersions = [2]string{"v1", "v2"}

// DeployOptions configure RunDeploy. The zero value of a field means its default, except Delay.
type DeployOptions struct {
	// Exe is the cutover binary, which runs the daemon ("cutover serve") and the app it deploys
	// ("cutover sample-app"). Required.
	Exe string
	// Rate is the load in requests per second; 0 means DefaultRate.
	Rate int
	// Delay is how long the app takes to answer each request; 0 means at once.
	Delay time.Duration
	// Runs is how many deploys are measured; 0 means DefaultRuns.
	Runs int
	// Duration is how long the load of each run lasts; 0 means DefaultDeployDuration.
	Duration time.Duration
	// Settle is how long the load runs before each deploy; 0 means DefaultSettle.
	Settle time.Duration
	// Progress, if not nil, gets a line as the daemon starts and each run ends.
	Progress io.Writer
}

func (o DeployOptions) withDefaults() (DeployOptions, error) {
	if o.Exe == "" {
		return o, errors.New("the cutover binary to run the daemon and the app is not known")
	}
	o.Rate = cmp.Or(o.Rate, DefaultRate)
	o.Runs = cmp.Or(o.Runs, DefaultRuns)
	o.Duration = cmp.Or(o.Duration, DefaultDeployDuration)
	o.Settle = cmp.Or(o.Settle, DefaultSettle)
	switch {
	case o.Rate < 0 || o.Rate > loadgen.MaxRate:
		return o, fmt.Errorf("rate %d is out of bounds; give 1 to %d requests per second", o.Rate, loadgen.MaxRate)
	case o.Delay < 0 || o.Delay >= loadgen.DefaultRequestTimeout:
		return o, fmt.Errorf("delay %v is out of bounds; give 0 up to %v", o.Delay, loadgen.DefaultRequestTimeout)
	case o.Runs < 0 || o.Runs > MaxRuns:
		return o, fmt.Errorf("runs %d is out of bounds; give 1 to %d", o.Runs, MaxRuns)
	case o.Duration < 0 || o.Duration > loadgen.DefaultMaxDuration:
		return o, fmt.Errorf("duration %v is out of bounds; give up to %v", o.Duration, loadgen.DefaultMaxDuration)
	case o.Settle < 0 || o.Settle >= o.Duration:
		return o, fmt.Errorf("the load before each deploy (%v) must be shorter than the load of a run (--duration %v)", o.Settle, o.Duration)
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return o, nil
}

// workers is how many requests the load generator may have outstanding at once.
func (o DeployOptions) workers() int {
	n := int(int64(o.Rate) * int64(o.Delay+DefaultHeadroom) / int64(time.Second))
	return min(max(n, loadgen.DefaultConcurrency), loadgen.MaxConcurrency)
}

// RunDeploy starts a real "cutover serve" in a temporary directory, deploys the sample app at v1,
// then runs opts.Runs deploys (v2, v1, v2, ...) each under fixed-rate open-loop load to the daemon
// on 127.0.0.1, and reports what the load saw and what the daemon cost. A deploy that fails ends
// the bench: the figures so far are returned with the error.
func RunDeploy(ctx context.Context, opts DeployOptions) (*DeployReport, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "cutover-bench-deploy-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	apps, err := writeSampleApps(dir, o.Exe, appVersions[:]...)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Progress, "starting cutover serve and deploying v1 without load\n")
	d, err := startServing(ctx, o.Exe, dir, apps[0])
	if err != nil {
		return nil, err
	}
	defer d.proc.stop(DefaultStopTimeout)
	fmt.Fprintf(o.Progress, "cutover serve is running on %s (pid %d) with v1 live\n", d.addr, d.proc.pid())
	rep := &DeployReport{Rate: o.Rate, Delay: o.Delay, Duration: o.Duration, Settle: o.Settle, DaemonPid: d.proc.pid()}
	idle, err := report.ReadMemory(d.proc.pid())
	if err != nil {
		return nil, err
	}
	rep.IdleRSS, rep.PeakRSS = idle.RSS, idle.Peak
	url := fmt.Sprintf("http://%s/?delay=%s", d.addr, o.Delay)
	var total tally
	for i := 1; i <= o.Runs; i++ {
		v := i % len(appVersions)
		run, t, err := runOnce(ctx, o, d, url, apps[v], appVersions[v])
		run.Run = i
		total.merge(t)
		rep.Runs = append(rep.Runs, run)
		rep.PeakRSS = max(rep.PeakRSS, run.PeakRSS)
		fmt.Fprintf(o.Progress, "run %d/%d: %s\n", i, o.Runs, run.summary())
		if err != nil {
			rep.Total = total.load()
			return rep, fmt.Errorf("run %d: %w; the daemon's output:\n%s", i, err, d.proc.logTail())
		}
	}
	rep.Total = total.load()
	rep.MaxHealthyToFirst = maxHealthyToFirst(rep.Runs)
	return rep, nil
}

// runOnce deploys app (the sample app at version) under load and measures the run. The peak RSS
// is the daemon's during the run.
func runOnce(ctx context.Context, o DeployOptions, d *daemon, url, app, version string) (DeployRun, *tally, error) {
	run := DeployRun{Version: version}
	pid := d.proc.pid()
	peakSinceRun := report.ResetPeak(pid) == nil
	type outcome struct {
		res *loadgen.Result
		err error
	}
	loaded := make(chan outcome, 1)
	loadStart := time.Now()
	go func() {
		res, err := loadgen.Run(ctx, loadgen.Options{
			URL: url, Rate: o.Rate, Concurrency: o.workers(), Duration: o.Duration,
			VersionHeader: versionHeader, KeepSamples: true,
		})
		loaded <- outcome{res, err}
	}()
	var derr error
	if sleep(ctx, o.Settle) {
		var rel *release.Release
		var events []deploy.Event
		rel, events, derr = d.deploy(ctx, app)
		if rel != nil {
			run.Release = rel.ID
		}
		run.Recorded = recordOf(rel)
		run.setDeploy(events)
	}
	out := <-loaded
	if out.err != nil {
		return run, &tally{}, fmt.Errorf("load: %w", out.err)
	}
	if mem, err := report.ReadMemory(pid); err == nil {
		run.PeakRSS, run.PeakSinceStart = mem.Peak, !peakSinceRun
	}
	t := newTally(out.res, run.DeployStart, run.DeployEnd)
	run.Load = t.load()
	run.setFirstServed(out.res.Samples, o.Delay)
	if !run.DeployEnd.IsZero() && run.DeployEnd.After(loadStart.Add(o.Duration)) {
		run.Warning = "the deploy outlasted the load: raise --duration to measure all of it"
	}
	if derr != nil {
		run.Error = derr.Error()
	}
	return run, t, derr
}

// sleep waits for d or until ctx ends, and reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
