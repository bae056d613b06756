package apps

import (
	"fmt"

	"github.com/cutover-dev/cutover/internal/config"
)

// LockDeploys waits for each app's deploy under way, if any, to end, and keeps new ones (and
// changes to the set) from starting until unlock is called: the daemon stops. It returns the apps,
// sorted by name: the set's methods wait for unlock.
func (s *Set) LockDeploys() (all []*App, unlock func()) {
	s.mu.Lock()
	all = s.allLocked()
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
// an error wrapping control.ErrBusy that names it and says how to end it, then to do next. An
// upgrade hands over between deploys.
func (s *Set) TryLockDeploys(next string) (all []*App, unlock func(), err error) {
	s.mu.Lock()
	all = s.allLocked()
	var locked []*App
	unlock = func() {
		for _, a := range locked {
			a.deployMu.Unlock()
		}
		s.mu.Unlock()
	}
	for _, a := range all {
		if !a.deployMu.TryLock() {
			err := a.busy(next)
			unlock()
			return nil, nil, fmt.Errorf("app %s: %w", a.Name, err)
		}
		locked = append(locked, a)
	}
	return all, unlock, nil
}

// shareSocketLocked lets the only app serve on the public socket itself (socket mode), if it
// is neither deploying nor booting (whose deployer must not change under them); s.mu is held.
func (s *Set) shareSocketLocked() {
	if len(s.apps) != 1 || s.rt.Socket == nil {
		return
	}
	for _, a := range s.apps {
		if a.deployer.Socket != nil || a.RestoreUnderWay() || !a.deployMu.TryLock() {
			return
		}
		a.deployer.Socket, a.deployer.ProxyAccepts = s.rt.Socket, s.rt.ProxyAccepts
		a.deployMu.Unlock()
	}
}

// unshareSocketLocked takes the public socket from the only app, before a second one is made:
// refused while it serves there itself, or while it deploys or boots (it might switch to socket
// mode); s.mu is held.
func (s *Set) unshareSocketLocked() error {
	if len(s.apps) != 1 {
		return nil
	}
	for _, a := range s.apps {
		if a.deployer.Socket == nil {
			return nil
		}
		if !a.deployMu.TryLock() {
			return fmt.Errorf("app %s: %w", a.Name, a.busy("make the new app"))
		}
		defer a.deployMu.Unlock()
		if a.RestoreUnderWay() {
			return fmt.Errorf("app %s is still booting its live release after the daemon started: make the new app once it serves (see `cutover status`)", a.Name)
		}
		if live := a.Live(); live != nil && live.Config.Mode == config.ModeSocket && live.Config.Listen == "" {
			return fmt.Errorf("app %s serves on the public socket itself (mode = \"socket\"), which a daemon with several apps cannot share: deploy it with mode = \"proxy\", or with a socket of its own (listen = \":9000\" in its cutover.toml), first", a.Name)
		}
		a.deployer.Socket, a.deployer.ProxyAccepts = nil, nil
	}
	return nil
}
