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
	"github.com/cutover-dev/cutover/internal/proxy"
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
// routes requests to them. An app whose settings cannot be read is left out and logged, never in
// the way of the others.
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
		st, err := ReadSettings(Dir(rt.StateDir, name))
		if err != nil {
			rt.Logger.Error("app left out: its settings cannot be read", "app", name, "err", err)
			continue
		}
		a, err := open(rt, name, st)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.apps[name] = a
	}
	s.shareSocketLocked()
	if err := s.route(); err != nil {
		rt.Logger.Error("the apps' hosts conflict: requests get 404 until they are fixed with `cutover apps hosts`", "err", err)
	}
	return s, nil
}

// All returns the apps, sorted by name.
func (s *Set) All() []*App {
	s.mu.Lock()
	defer s.mu.Unlock()
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
	empty := len(s.apps) == 0
	s.mu.Unlock()
	if !empty {
		return s.Get(name)
	}
	if name == "" {
		name = fallback
	}
	a, err := s.Create(name, st)
	if errors.Is(err, ErrExists) { // a deploy at the same time made it
		return s.Get(name)
	}
	return a, err
}

// Create makes a new app with settings st, and routes its hosts at once. Its name and hosts are
// checked first, against every other app's: nothing changes on an error.
func (s *Set) Create(name string, st Settings) (*App, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	hosts, err := CheckHosts(st.Hosts)
	if err != nil {
		return nil, err
	}
	st.Hosts = hosts
	if (st.TLSCert == "") != (st.TLSKey == "") {
		return nil, fmt.Errorf("give the certificate and its key together (--tls-cert and --tls-key)")
	}
	if st.Created.IsZero() {
		st.Created = time.Now().UTC()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.upgradedErr(); err != nil {
		return nil, err
	}
	if s.apps[name] != nil {
		return nil, fmt.Errorf("%w: %s (see `cutover apps`)", ErrExists, name)
	}
	if err := s.unshareSocketLocked(); err != nil {
		return nil, err
	}
	if _, err := s.tableLocked(name, hosts); err != nil {
		return nil, err
	}
	dir := Dir(s.rt.StateDir, name)
	if exists(dir) {
		return nil, fmt.Errorf("%w: %s holds a directory of that name, but no app: move it away first", ErrExists, dir)
	}
	if err := release.MakePrivateDir(dir); err != nil {
		return nil, fmt.Errorf("create the app's dir: %w", err)
	}
	if err := WriteSettings(dir, st); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	a, err := open(s.rt, name, st)
	if err != nil {
		return nil, err
	}
	s.apps[name] = a
	s.shareSocketLocked()
	s.rt.Logger.Info("app created", "app", name, "hosts", hosts)
	defer s.changed() // after the unlock
	return a, s.routeLocked()
}

// SetHosts changes the hosts of an app by change, which gets its current hosts and returns the new
// ones; they are checked against every other app's, saved, then routed at once.
func (s *Set) SetHosts(name string, change func(hosts []string) ([]string, error)) (*App, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.upgradedErr(); err != nil {
		return nil, err
	}
	a := s.apps[name]
	if a == nil {
		return nil, fmt.Errorf("%w %q on this server (%s)", ErrNoApp, name, s.namesLocked())
	}
	st := a.Settings()
	next, err := change(slices.Clone(st.Hosts))
	if err != nil {
		return nil, err
	}
	if next, err = CheckHosts(next); err != nil {
		return nil, err
	}
	if _, err := s.tableLocked(name, next); err != nil {
		return nil, err
	}
	st.Hosts = next
	if err := WriteSettings(a.dir, st); err != nil {
		return nil, err
	}
	a.mu.Lock()
	a.settings = st
	a.mu.Unlock()
	s.rt.Logger.Info("app's hosts changed", "app", name, "hosts", next)
	defer s.changed() // after the unlock
	return a, s.routeLocked()
}

// Destroy removes an app: its routes at once, then, once its requests in flight have finished (at
// most DefaultDestroyDrainTimeout), its processes and everything of it on disk. A deploy of it
// under way makes it an error wrapping control.ErrBusy.
func (s *Set) Destroy(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.upgradedErr(); err != nil {
		return err
	}
	a := s.apps[name]
	if a == nil {
		return fmt.Errorf("%w %q on this server (%s)", ErrNoApp, name, s.namesLocked())
	}
	if !a.deployMu.TryLock() {
		return fmt.Errorf("%w (%s): wait for it, or stop it with `cutover deploy --abort --app %s`, then destroy", control.ErrBusy, a.describeDeploy(), name)
	}
	defer a.deployMu.Unlock()
	delete(s.apps, name)
	defer s.changed() // after the unlock
	if err := s.routeLocked(); err != nil {
		s.rt.Logger.Error("route the apps left", "err", err)
	}
	a.StopRestore()
	if pool := a.site.Switch(nil); pool != nil {
		dctx, cancel := context.WithTimeout(ctx, DefaultDestroyDrainTimeout)
		pool.Drain(dctx)
		cancel()
	}
	err := a.Stop()
	a.Close()
	s.shareSocketLocked()
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

// shareSocketLocked lets the only app serve on the public socket itself (socket mode), if it
// is not deploying; s.mu is held.
func (s *Set) shareSocketLocked() {
	if len(s.apps) != 1 || s.rt.Socket == nil {
		return
	}
	for _, a := range s.apps {
		if a.deployMu.TryLock() {
			a.deployer.Socket, a.deployer.ProxyAccepts = s.rt.Socket, s.rt.ProxyAccepts
			a.deployMu.Unlock()
		}
	}
}

// unshareSocketLocked takes the public socket from the only app, before a second one is made:
// refused while it serves there itself, or while it deploys (it might switch to socket mode);
// s.mu is held.
func (s *Set) unshareSocketLocked() error {
	if len(s.apps) != 1 {
		return nil
	}
	for _, a := range s.apps {
		if a.deployer.Socket == nil {
			return nil
		}
		if !a.deployMu.TryLock() {
			return fmt.Errorf("%w (app %s: %s): make the new app once it is done", control.ErrBusy, a.Name, a.describeDeploy())
		}
		defer a.deployMu.Unlock()
		if a.RestoreUnderWay() {
			return fmt.Errorf("app %s is still booting its live release after the daemon started: make the new app once it serves (see `cutover status`)", a.Name)
		}
		if live := a.Live(); live != nil && live.Config.Mode == config.ModeSocket {
			return fmt.Errorf("app %s serves on the public socket itself (mode = \"socket\"), which a daemon with several apps cannot share: deploy it with mode = \"proxy\" first", a.Name)
		}
		a.deployer.Socket, a.deployer.ProxyAccepts = nil, nil
	}
	return nil
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

// route builds the routing table from every app's hosts and gives it to the proxy.
func (s *Set) route() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.routeLocked()
}

func (s *Set) routeLocked() error {
	table, err := s.tableLocked("", nil)
	if err != nil {
		return err
	}
	s.rt.Proxy.SetRoutes(table)
	return nil
}

// tableLocked builds the routing table of every app, with app name's hosts replaced by hosts when
// name is not "": the error names the app a route conflicts with.
func (s *Set) tableLocked(name string, hosts []string) (*router.Table[*proxy.Site], error) {
	var routes []router.Route[*proxy.Site]
	add := func(owner string, site *proxy.Site, hosts []string) {
		for _, h := range hosts {
			r := router.Route[*proxy.Site]{Host: h, Target: site, Owner: owner}
			if h != router.AnyHost {
				r.Host, r.Prefix, _ = router.Parse(h)
			}
			routes = append(routes, r)
		}
	}
	for n, a := range s.apps {
		if n == name {
			continue
		}
		add(n, a.site, a.Settings().Hosts)
	}
	if name != "" {
		add(name, nil, hosts)
	}
	return router.Build(routes)
}

// Close closes every app's log; their processes are the daemon's to stop first.
func (s *Set) Close() {
	for _, a := range s.All() {
		a.Close()
	}
}

// LockDeploys waits for each app's deploy under way, if any, to end, and keeps new ones (and
// changes to the set) from starting until unlock is called: the daemon stops. It returns the apps,
// sorted by name: the set's methods wait for unlock.
func (s *Set) LockDeploys() (all []*App, unlock func()) {
	all = s.All()
	s.mu.Lock()
	for _, a := range all {
		a.deployMu.Lock()
	}
	return all, func() {
		for _, a := range all {
			a.deployMu.Unlock()
		}
		s.mu.Unlock()
	}
}

// TryLockDeploys is LockDeploys that does not wait: while a deploy of any app runs, it fails with
// an error wrapping control.ErrBusy that names it. An upgrade hands over between deploys.
func (s *Set) TryLockDeploys() (all []*App, unlock func(), err error) {
	all = s.All()
	s.mu.Lock()
	var locked []*App
	unlock = func() {
		for _, a := range locked {
			a.deployMu.Unlock()
		}
		s.mu.Unlock()
	}
	for _, a := range all {
		if !a.deployMu.TryLock() {
			desc := a.describeDeploy()
			unlock()
			return nil, nil, fmt.Errorf("%w (app %s: %s)", control.ErrBusy, a.Name, desc)
		}
		locked = append(locked, a)
	}
	return all, unlock, nil
}
