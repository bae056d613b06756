package daemon

import (
	"fmt"
	"sync"

	"github.com/cutover-dev/cutover/internal/socket"
)

// appListeners are the listening sockets apps in socket mode have of their own (`listen` in their
// cutover.toml), by address: opened at the first deploy that asks, kept for the daemon's life and
// handed over at an upgrade, so that the kernel queues connections while releases swap, as on the
// public socket.
type appListeners struct {
	mu    sync.Mutex
	byAdd map[string]appListener
}

type appListener struct {
	app    string
	shared *socket.Shared
}

// get returns the socket at addr, opening it for app the first time; an address another app has
// is refused.
func (l *appListeners) get(app, addr string) (*socket.Shared, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if al, ok := l.byAdd[addr]; ok {
		if al.app != app {
			return nil, fmt.Errorf("%s is app %s's socket: give each app an address of its own", addr, al.app)
		}
		return al.shared, nil
	}
	sh, err := socket.Listen(addr)
	if err != nil {
		return nil, err
	}
	l.add(app, addr, sh)
	return sh, nil
}

// add keeps a socket (one a daemon before this one handed over); l.mu is held or l not yet shared.
func (l *appListeners) add(app, addr string, sh *socket.Shared) {
	if l.byAdd == nil {
		l.byAdd = map[string]appListener{}
	}
	l.byAdd[addr] = appListener{app: app, shared: sh}
}

// handover returns the sockets to hand the next daemon, named "listen:ADDR", and who has each.
func (l *appListeners) handover() (files []socket.NamedFile, owners map[string]string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for addr, al := range l.byAdd {
		if owners == nil {
			owners = map[string]string{}
		}
		owners[addr] = al.app
		files = append(files, socket.NamedFile{Name: "listen:" + addr, File: al.shared.File()})
	}
	return files, owners
}

// inherit takes the sockets the daemon before this one handed over.
func (l *appListeners) inherit(pred *socket.Predecessor, owners map[string]string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for addr, app := range owners {
		f := pred.File("listen:" + addr)
		if f == nil {
			return fmt.Errorf("the old daemon handed over no socket for app %s's listen = %q", app, addr)
		}
		sh, err := socket.FromFile(f)
		if err != nil {
			return fmt.Errorf("app %s's socket %s: %w", app, addr, err)
		}
		l.add(app, addr, sh)
	}
	return nil
}

// close closes every socket.
func (l *appListeners) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, al := range l.byAdd {
		al.shared.Close()
	}
}
