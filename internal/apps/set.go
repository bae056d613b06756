package apps

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/process"
	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/router"
)

// DefaultDestroyDrainTimeout bounds how long a destroyed app's requests in flight may take to
// finish before its processes are stopped.
const DefaultDestroyDrainTimeout = 30 * time.Second

// Errors of the set: the control API's, which says what each means to a client.
var (
	ErrNoApp     = control.ErrNoApp
	ErrAmbiguous = control.ErrAmbiguous
	ErrExists    = control.ErrExists
)

// Set is the apps of one daemon. Every change is written to the app's settings before it takes
// effect, then the proxy's routing table is rebuilt from every app's hosts and swapped in at once.
type Set struct {
	rt *Runtime

	mu   sync.Mutex // serializes changes; guards apps
	apps map[string]*App
}

// Open opens every app of the state directory (migrated to layout 2 already, see Migrate), and
// routes requests to them. An app that cannot be opened (its settings damaged, its directory
// unsafe) is left out and logged, and its processes a daemon before this one left are stopped:
// never in the way of the others.
func Open(rt *Runtime) (*Set, error) {
	if err := release.MakePrivateDir(filepath.Join(rt.StateDir, AppsDirName)); err != nil {
		return nil, fmt.Errorf("create the apps dir: %w", err)
	}
	if err := removeDestroyed(rt.StateDir); err != nil {
		rt.Logger.Warn("remove what a destroyed app left", "err", err)
	}
	names, err := Names(rt.StateDir)
	if err != nil {
		return nil, err
	}
	s := &Set{rt: rt, apps: map[string]*App{}}
	for _, name := range names {
		a, err := openDir(rt, name)
		if err != nil {
			rt.Logger.Error("app left out: fix what the error says, then restart the daemon", "app", name, "err", err)
			process.KillOrphans(Dir(rt.StateDir, name))
			continue
		}
		a.set = s
		s.apps[name] = a
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shareSocketLocked()
	s.routeLocked()
	return s, nil
}

// openDir opens the app name of the state directory with the settings it has there.
func openDir(rt *Runtime, name string) (*App, error) {
	st, err := ReadSettings(Dir(rt.StateDir, name))
	if err != nil {
		return nil, err
	}
	a, err := open(rt, name, st)
	if err == nil {
		a.metrics = rt.Metrics.App(name)
	}
	return a, err
}

// All returns the apps, sorted by name.
func (s *Set) All() []*App {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.allLocked()
}

func (s *Set) allLocked() []*App {
	all := make([]*App, 0, len(s.apps))
	for _, a := range s.apps {
		all = append(all, a)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	return all
}

// Get returns the app named name; "" names the only app, and is an error wrapping ErrAmbiguous
// when there are several, or ErrNoApp when there is none.
func (s *Set) Get(name string) (*App, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.getLocked(name)
}

func (s *Set) getLocked(name string) (*App, error) {
	if name != "" {
		if a := s.apps[name]; a != nil {
			return a, nil
		}
		return nil, fmt.Errorf("%w %q on this server (%s): create it with `cutover apps create %s --host NAME`", ErrNoApp, name, s.namesLocked(), name)
	}
	switch len(s.apps) {
	case 0:
		return nil, fmt.Errorf("%w yet on this server: create one with `cutover apps create NAME --host NAME`, or deploy and one is made", ErrNoApp)
	case 1:
		for _, a := range s.apps {
			return a, nil
		}
	}
	return nil, fmt.Errorf("%w on this server (%s): name one with --app or CUTOVER_APP", ErrAmbiguous, s.namesLocked())
}

// namesLocked lists the apps' names for an error message; s.mu is held.
func (s *Set) namesLocked() string {
	if len(s.apps) == 0 {
		return "none yet"
	}
	names := make([]string, 0, len(s.apps))
	for n := range s.apps {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// First returns the app named name, "" for the only one, as Get does; on a set with no app yet, it
// makes one with settings st instead, named name, or else fallback.
func (s *Set) First(name, fallback string, st Settings) (*App, error) {
	s.mu.Lock()
	if len(s.apps) > 0 {
		defer s.mu.Unlock()
		return s.getLocked(name)
	}
	if name == "" {
		name = fallback
	}
	a, err := s.createLocked(name, st)
	s.mu.Unlock()
	if err == nil {
		s.changed()
	}
	return a, err
}

// Create makes a new app with settings st, and routes its hosts at once. Its name and hosts are
// checked first, against every other app's: nothing changes on an error.
func (s *Set) Create(name string, st Settings) (*App, error) {
	s.mu.Lock()
	a, err := s.createLocked(name, st)
	s.mu.Unlock()
	if err == nil {
		s.changed()
	}
	return a, err
}

func (s *Set) createLocked(name string, st Settings) (*App, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	hosts, err := CheckHosts(st.Hosts)
	if err != nil {
		return nil, err
	}
	st.Hosts = hosts
	if err := checkCertHosts(st, hosts); err != nil {
		return nil, err
	}
	if st.Created.IsZero() {
		st.Created = time.Now().UTC()
	}
	if err := s.upgradedErr(); err != nil {
		return nil, err
	}
	if s.apps[name] != nil {
		return nil, fmt.Errorf("%w: %s (see `cutover apps`)", ErrExists, name)
	}
	if _, err := s.tableLocked(name, hosts); err != nil {
		return nil, err
	}
	dir := Dir(s.rt.StateDir, name)
	if exists(dir) {
		return nil, fmt.Errorf("%w: %s holds a directory of that name, but no app: move it away first", ErrExists, dir)
	}
	if err := s.unshareSocketLocked(); err != nil {
		return nil, err
	}
	defer s.shareSocketLocked() // back to the only app if this one is not made
	if err := release.MakePrivateDir(dir); err != nil {
		return nil, fmt.Errorf("create the app's dir: %w", err)
	}
	if err := WriteSettings(dir, st); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	a, err := open(s.rt, name, st)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	a.set = s
	a.metrics = s.rt.Metrics.App(name)
	s.apps[name] = a
	s.rt.Logger.Info("app created", "app", name, "hosts", hosts)
	s.routeLocked()
	return a, nil
}

// SetHosts changes the hosts of an app by change, which gets its current hosts and returns the new
// ones; they are checked against every other app's, saved, then routed at once.
func (s *Set) SetHosts(name string, change func(hosts []string) ([]string, error)) (*App, error) {
	s.mu.Lock()
	a, err := s.setHostsLocked(name, change)
	s.mu.Unlock()
	if err == nil {
		s.changed()
	}
	return a, err
}

func (s *Set) setHostsLocked(name string, change func(hosts []string) ([]string, error)) (*App, error) {
	a, err := s.changingLocked(name)
	if err != nil {
		return nil, err
	}
	st := a.Settings()
	next, err := change(slices.Clone(st.Hosts))
	if err != nil {
		return nil, err
	}
	if next, err = CheckHosts(next); err != nil {
		return nil, err
	}
	if err := checkCertHosts(st, next); err != nil {
		return nil, err
	}
	if _, err := s.tableLocked(name, next); err != nil {
		if errors.Is(err, router.ErrTaken) {
			return nil, fmt.Errorf("%w; to take it from that app in one step, with no request in between answered 404: `cutover apps hosts move %s HOST`", err, name)
		}
		return nil, err
	}
	st.Hosts = next
	if err := a.save(st); err != nil {
		return nil, err
	}
	s.rt.Logger.Info("app's hosts changed", "app", name, "hosts", next)
	s.routeLocked()
	return a, nil
}

// changingLocked returns the app named name for a change of its settings, or why it cannot have
// one.
func (s *Set) changingLocked(name string) (*App, error) {
	if err := s.upgradedErr(); err != nil {
		return nil, err
	}
	a := s.apps[name]
	if a == nil {
		return nil, fmt.Errorf("%w %q on this server (%s)", ErrNoApp, name, s.namesLocked())
	}
	return a, nil
}

// save writes st as the app's settings, then holds them.
func (a *App) save(st Settings) error {
	if err := WriteSettings(a.dir, st); err != nil {
		return err
	}
	a.mu.Lock()
	a.settings = st
	a.mu.Unlock()
	return nil
}

// Destroy removes an app: its routes at once, then, once its requests in flight have finished (at
// most DefaultDestroyDrainTimeout, whatever becomes of ctx's client), its processes and everything
// of it on disk. A deploy of it under way makes it an error wrapping control.ErrBusy.
func (s *Set) Destroy(ctx context.Context, name string) error {
	s.mu.Lock()
	if err := s.upgradedErr(); err != nil {
		s.mu.Unlock()
		return err
	}
	a := s.apps[name]
	if a == nil {
		defer s.mu.Unlock()
		return fmt.Errorf("%w %q on this server (%s)", ErrNoApp, name, s.namesLocked())
	}
	if !a.deployMu.TryLock() {
		s.mu.Unlock()
		return a.busy("destroy")
	}
	defer a.deployMu.Unlock()
	a.destroyed = true // a deploy that found the app before it was removed is refused
	delete(s.apps, name)
	s.routeLocked()
	live := a.Live()
	if live != nil && live.Config.Mode == config.ModeSocket && live.Config.Listen == "" && a.deployer.ProxyAccepts != nil {
		a.deployer.ProxyAccepts(true) // the app served on the public socket itself: the proxy takes it back
	}
	s.shareSocketLocked()
	s.mu.Unlock()
	s.changed()

	a.StopRestore()
	if pool := a.site.Switch(nil); pool != nil {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultDestroyDrainTimeout)
		pool.Drain(dctx)
		cancel()
	}
	err := a.Stop()
	a.Close()
	// Renamed first, so that a crash halfway leaves no half app: Names skips dot-dirs, and Open
	// removes them.
	gone := filepath.Join(s.rt.StateDir, AppsDirName, ".destroyed-"+name+"-"+strconv.FormatInt(time.Now().UnixNano(), 36))
	if rerr := os.Rename(a.dir, gone); rerr != nil {
		return errors.Join(err, fmt.Errorf("remove the app's dir %s: %w", a.dir, rerr))
	}
	if rerr := os.RemoveAll(gone); rerr != nil {
		err = errors.Join(err, fmt.Errorf("remove %s: %w", gone, rerr))
	}
	s.rt.Logger.Info("app destroyed", "app", name)
	return err
}

// upgradedErr refuses a change once a new daemon has taken over.
func (s *Set) upgradedErr() error {
	select {
	case <-s.rt.Upgraded:
		return fmt.Errorf("%w: ask again, the new daemon takes it", ErrUpgraded)
	default:
		return nil
	}
}

// Close closes every app's log; their processes are the daemon's to stop first.
func (s *Set) Close() {
	for _, a := range s.All() {
		a.Close()
	}
}
