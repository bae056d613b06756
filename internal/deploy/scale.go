package deploy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/freeport"
	"github.com/cutover-dev/cutover/internal/process"
	"github.com/cutover-dev/cutover/internal/procfile"
	"github.com/cutover-dev/cutover/internal/proxy"
	"github.com/cutover-dev/cutover/internal/release"
)

// Scale changes the processes of f, the live formation, to want (process type → count; the types
// it lacks keep theirs) without a new release, as a deploy would: new web processes boot and pass
// their health check before the proxy sends them requests, and web processes to go are stopped
// only once the proxy sends them none and their requests in flight have finished. The new
// formation is kept for later deploys and rollbacks, as --scale is. Call it between deploys.
func (d *Deployer) Scale(ctx context.Context, f *Formation, want map[string]int, emit func(Event)) error {
	if f.shared != nil {
		return errors.New("in socket mode the web processes share one socket that cutover does not route: change the formation with a deploy (`cutover deploy --scale web=N DIR`)")
	}
	cur := f.Scale()
	if err := checkFormation(f.Procfile, want); err != nil {
		return err
	}
	vv, err := d.varsOf(f.Release)
	if err != nil {
		return fmt.Errorf("the config vars of %s: %w", f.Release.ID, err)
	}
	r := &run{d: d, rel: f.Release, cfg: f.Config, emit: emit, vars: vv, restoring: true}
	if n, ok := want[procfile.Web]; ok && n != cur[procfile.Web] {
		if err := r.scaleWeb(ctx, f, cur[procfile.Web], n); err != nil {
			return err
		}
	}
	for _, p := range f.Procfile.Services() {
		if n, ok := want[p.Name]; ok && p.Name != procfile.Web && n != cur[p.Name] {
			if err := r.scaleOthers(f, p, cur[p.Name], n); err != nil {
				return err
			}
		}
	}
	return r.keepFormation(f.Scale())
}

// checkFormation refuses a formation of types pf lacks, of no web process, or too many processes.
func checkFormation(pf *procfile.Procfile, want map[string]int) error {
	for name, n := range want {
		if _, ok := pf.Get(name); !ok || !slices.ContainsFunc(pf.Services(), func(p procfile.Process) bool { return p.Name == name }) {
			return fmt.Errorf("%s=%d: the live release's Procfile has no process type %q to run", name, n, name)
		}
		if name == procfile.Web && n < 1 {
			return fmt.Errorf("web=%d: a release serves with one web process at least (`cutover maintenance on` answers for it meanwhile)", n)
		}
	}
	return config.Config{Scale: want}.ValidateScale()
}

// scaleWeb goes from n web processes to m.
func (r *run) scaleWeb(ctx context.Context, f *Formation, n, m int) error {
	web, _ := f.Procfile.Get(procfile.Web)
	names := make([]string, 0, m)
	for i := 1; i <= m; i++ {
		names = append(names, fmt.Sprintf("%s.%d", procfile.Web, i))
	}
	if m > n {
		if err := r.bootWeb(ctx, f, web.Command, names[n:]); err != nil {
			return err
		}
	}
	var backends []proxy.Backend
	for _, b := range f.backends() {
		if slices.Contains(names, b.Name) {
			backends = append(backends, b)
		}
	}
	pool := proxy.NewPool(f.Release.ID, backends)
	prev := Serve(r.d.Site, pool, f.Config)
	f.Pool = pool
	r.info("traffic goes to %d web process(es) now", len(backends))
	if prev != nil {
		drain, cancel := context.WithTimeout(context.Background(), time.Duration(r.cfg.DrainTimeout))
		defer cancel()
		if err := prev.Drain(drain); err != nil {
			r.warn("%v", err)
		}
	}
	var errs []error
	for i := n; i > m; i-- {
		name := fmt.Sprintf("%s.%d", procfile.Web, i)
		if err := f.web.Remove(name, time.Duration(r.cfg.StopTimeout)); err != nil && !errors.Is(err, process.ErrKilled) {
			errs = append(errs, err)
		}
		f.setPort(name, 0)
		r.info("%s stopped", name)
	}
	return errors.Join(errs...)
}

// bootWeb starts the web processes named and waits until each passes its health check; if one
// does not, all of them are stopped again and the formation is as it was.
func (r *run) bootWeb(ctx context.Context, f *Formation, command string, names []string) error {
	s := r.spawner()
	var started []*process.Process
	undo := func() {
		for _, p := range started {
			f.web.Remove(p.Name(), time.Duration(r.cfg.StopTimeout))
			f.setPort(p.Name(), 0)
		}
	}
	for _, name := range names {
		port, err := freeport.Pick()
		if err != nil {
			undo()
			return err
		}
		f.setPort(name, port)
		p, err := f.web.Start(s.webSpec(f, name, command, port))
		if err != nil {
			f.setPort(name, 0)
			undo()
			return fmt.Errorf("start %s: %w", name, err)
		}
		started = append(started, p)
		r.info("%s started: pid %d, port %d", name, p.Pid(), port)
	}
	timeout := time.Duration(r.cfg.BootTimeout)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := r.healthy(ctx, f, started, timeout); err != nil {
		undo()
		return fmt.Errorf("%w; the formation is unchanged", err)
	}
	r.info("%d new web process(es) healthy at %s", len(started), r.cfg.HealthPath)
	return nil
}

// scaleOthers goes from n processes of the worker type p to m: more start, the last ones stop.
func (r *run) scaleOthers(f *Formation, p procfile.Process, n, m int) error {
	s := r.spawner()
	for i := n + 1; i <= m; i++ {
		name := fmt.Sprintf("%s.%d", p.Name, i)
		proc, err := f.others.Start(s.appSpec(name, p.Command, 0))
		if err != nil {
			return fmt.Errorf("start %s: %w", name, err)
		}
		r.info("%s started: pid %d", name, proc.Pid())
	}
	var errs []error
	for i := n; i > m; i-- {
		name := fmt.Sprintf("%s.%d", p.Name, i)
		if err := f.others.Remove(name, time.Duration(r.cfg.StopTimeout)); err != nil && !errors.Is(err, process.ErrKilled) {
			errs = append(errs, err)
		}
		r.info("%s stopped", name)
	}
	return errors.Join(errs...)
}

// keepFormation stores scale as the formation later deploys and rollbacks run.
func (r *run) keepFormation(scale map[string]int) error {
	b, _ := json.Marshal(scale)
	if err := release.WriteFileAtomic(filepath.Join(r.d.Store.Dir(), FormationFile), append(b, '\n')); err != nil {
		return fmt.Errorf("the formation %s runs, but could not be kept for the next deploy: %w", FormatScale(scale), err)
	}
	r.info("formation: %s (kept for later deploys and rollbacks)", strings.TrimSpace(FormatScale(scale)))
	return nil
}
