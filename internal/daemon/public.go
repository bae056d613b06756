package daemon

import (
	"errors"
	"net"
	"net/http"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/socket"
)

// The public socket is the daemon's for its whole life; who accepts on it changes: the proxy, or
// an app whose live release runs in socket mode without a listen address of its own, which then
// inherits the socket and takes its connections from the kernel.

// proxyMode reports whether the proxy should accept on the public socket: unless an app's live
// release accepts there itself.
func (d *Daemon) proxyMode() bool {
	for _, a := range d.apps.All() {
		if live := a.Live(); live != nil && live.Config.Mode == config.ModeSocket && live.Config.Listen == "" {
			return false
		}
	}
	return true
}

// listen opens the public socket, or takes over the listener of Options.
func (d *Daemon) listen() (*socket.Shared, error) {
	if d.opts.Listener != nil {
		defer d.opts.Listener.Close()
		return socket.FromListener(d.opts.Listener)
	}
	return socket.Listen(d.opts.Listen)
}

// proxyAccepts starts or stops the proxy's accept loop on the public socket. Stopping it leaves the
// socket open for the app, and retires the proxy's client connections: each ends after its next
// request, and the client's next connection goes to whoever accepts now.
func (d *Daemon) proxyAccepts(on bool) error {
	d.acceptMu.Lock()
	defer d.acceptMu.Unlock()
	switch {
	case on == (d.proxyLn != nil):
		return nil
	case !on:
		d.proxy.Retire()
		// Closed aside: an app that inherited the socket may have switched it to blocking mode
		// (every holder shares the mode), and a close then waits for the accept under way to take
		// one more connection, which the proxy serves all the same.
		go d.proxyLn.Close()
		d.proxyLn = nil
		return nil
	}
	ln, err := d.shared.Listener()
	if err != nil {
		return err
	}
	d.proxyLn = ln
	go func() {
		if err := d.proxy.Serve(ln); !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			d.logger.Error("proxy stopped accepting", "err", err)
		}
	}()
	return nil
}
