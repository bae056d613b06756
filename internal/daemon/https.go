package daemon

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/cutover-dev/cutover/internal/apps"
	"github.com/cutover-dev/cutover/internal/certs"
	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/socket"
	"golang.org/x/sys/unix"
)

// CertsDirName is where, in the state directory, certificates and the ACME account are kept.
const CertsDirName = "certs"

// ACME configures certificates from an ACME CA (Let's Encrypt, or the CA given).
type ACME struct {
	Email string // the account's contact; setting it (or CA) turns ACME on
	CA    string // directory URL; "" means Let's Encrypt, "staging" its staging CA
	// CARoots is a PEM file of roots to trust for the CA (a private CA, Pebble in tests).
	CARoots    string
	Challenges []string // "http-01", "tls-alpn-01"; nil means both
	// RenewalWindowRatio and RenewCheckInterval are certs.Options'; zero means their defaults.
	RenewalWindowRatio float64
	RenewCheckInterval time.Duration
}

// On reports whether certificates come from ACME for hosts without files of their own.
func (a ACME) On() bool { return a.Email != "" || a.CA != "" }

// openHTTPS opens the HTTPS socket if the daemon serves HTTPS: the one the daemon before it handed
// over, the listener of Options, or a new one.
func (d *Daemon) openHTTPS(pred *socket.Predecessor) (err error) {
	if pred != nil {
		if f := pred.File("https"); f != nil {
			d.https, err = socket.FromFile(f)
			return err
		}
	}
	switch {
	case d.opts.HTTPSListener != nil:
		defer d.opts.HTTPSListener.Close()
		d.https, err = socket.FromListener(d.opts.HTTPSListener)
	case d.opts.HTTPS != "":
		d.https, err = socket.Listen(d.opts.HTTPS)
	}
	if err != nil {
		return fmt.Errorf("--https %s: %w (a port below 1024 needs root or CAP_NET_BIND_SERVICE, as contrib/cutover.service gives; a busy one, the server that holds it stopped)", d.opts.HTTPS, err)
	}
	return nil
}

// newCerts makes the certificate manager when the daemon serves HTTPS: before the daemon before it
// (at an upgrade, pred) lets go, so that bad options leave that one serving. It goes on with the
// session ticket keys pred handed over, so that clients resume their TLS sessions here.
func (d *Daemon) newCerts(pred *socket.Predecessor) error {
	if d.https == nil {
		return nil
	}
	keys, err := handedTicketKeys(pred)
	if err != nil {
		d.logger.Warn("TLS clients of the daemon before make a full handshake once", "err", err)
	}
	m, err := certs.New(certs.Options{
		TicketKeys: keys,
		Dir:        filepath.Join(d.stateDir, CertsDirName), Email: d.opts.ACME.Email, CA: d.opts.ACME.CA,
		CARoots: d.opts.ACME.CARoots, Challenges: d.opts.ACME.Challenges,
		HTTPPort: port(d.shared.Addr()), TLSPort: port(d.https.Addr()),
		RenewalWindowRatio: d.opts.ACME.RenewalWindowRatio, RenewCheckInterval: d.opts.ACME.RenewCheckInterval,
		OnChange: d.tlsChanged, Logger: d.logger,
	})
	if err != nil {
		return fmt.Errorf("certificates: %w", err)
	}
	d.certs = m
	return nil
}

// startTLS gives the apps' hosts their certificates and starts serving HTTPS, when the daemon does.
// A host's certificate never stops the daemon: certs says what is wrong with it.
func (d *Daemon) startTLS() error {
	if d.certs == nil {
		return nil
	}
	d.syncTLS()
	go d.keepTLSInSync()
	ln, err := d.https.Listener()
	if err != nil {
		return err
	}
	d.httpsLn = ln
	go func() {
		if err := d.proxy.ServeTLS(ln, d.certs.TLSConfig()); !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			d.logger.Error("stopped accepting HTTPS", "err", err)
		}
	}()
	return nil
}

// httpsPort is the port of the HTTPS listener the options ask for, 0 for none.
func httpsPort(opts Options) int {
	if opts.HTTPSListener != nil {
		return port(opts.HTTPSListener.Addr())
	}
	if _, p, err := net.SplitHostPort(opts.HTTPS); err == nil {
		n, _ := strconv.Atoi(p)
		return n
	}
	return 0
}

// port is the port of a listening address.
func port(a net.Addr) int {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.Port
	}
	return 0
}

// tlsChanged asks for the certificates and redirects to be brought in line with the apps, from any
// goroutine, without waiting.
func (d *Daemon) tlsChanged() {
	select {
	case d.tlsSync <- struct{}{}:
	default: // one is due already
	}
}

// keepTLSInSync brings the certificates in line with the apps whenever either changed, until the
// daemon stops.
func (d *Daemon) keepTLSInSync() {
	for {
		select {
		case <-d.tlsSync:
			d.syncTLS()
		case <-d.stopping:
			return
		}
	}
}

// syncTLS gives each host of the apps its certificate source, and each app its redirect to HTTPS
// once its certificates are valid.
func (d *Daemon) syncTLS() {
	if d.certs == nil {
		return
	}
	d.tlsMu.Lock()
	defer d.tlsMu.Unlock()
	d.certs.Set(d.apps.CertSources(d.opts.ACME.On()))
	d.apps.ApplyHTTPS(true, d.certs.Valid)
}

// serveChallenge answers an ACME HTTP-01 challenge on the plain HTTP listener.
func (d *Daemon) serveChallenge(w http.ResponseWriter, r *http.Request) bool {
	if m := d.certs; m != nil {
		return m.ServeChallenge(w, r)
	}
	return false
}

// stopTLS stops accepting HTTPS (the socket stays, for the new daemon at an upgrade) and the
// certificates' maintenance, so that one daemon renews at a time.
func (d *Daemon) stopTLS() {
	if d.httpsLn != nil {
		go d.httpsLn.Close() // as proxyAccepts does
		d.httpsLn = nil
	}
	if d.certs != nil {
		d.certs.Close()
	}
}

// certStates adds the state of each host's certificate to the apps' descriptions.
func (d *Daemon) certStates(infos []control.AppInfo) {
	if d.certs == nil {
		return
	}
	byHost := map[string]certs.State{}
	for _, st := range d.certs.States() {
		byHost[st.Host] = st
	}
	for i := range infos {
		seen := map[string]bool{}
		for _, route := range infos[i].Hosts {
			host := apps.CertHost(route)
			st, ok := byHost[host]
			if !ok || seen[host] {
				continue
			}
			seen[host] = true
			infos[i].Certs = append(infos[i].Certs, control.CertState{Host: st.Host, Source: st.Source, Status: st.Status,
				NotAfter: st.NotAfter, Issuer: st.Issuer, LastError: st.LastError, NextAttempt: st.NextAttempt})
		}
	}
}

// ticketsFile is the name of the file that carries the session ticket keys at an upgrade.
const ticketsFile = "tls-tickets"

// ticketKeysFile is a file in memory, never on disk, with the session ticket keys, for the daemon
// that takes over; nil without HTTPS.
func (d *Daemon) ticketKeysFile() (*socket.NamedFile, error) {
	if d.certs == nil {
		return nil, nil
	}
	fd, err := unix.MemfdCreate(ticketsFile, unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("hand over the TLS session ticket keys: %w", err)
	}
	f := os.NewFile(uintptr(fd), ticketsFile)
	if _, err := d.certs.TicketKeys().WriteTo(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("hand over the TLS session ticket keys: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("hand over the TLS session ticket keys: %w", err)
	}
	return &socket.NamedFile{Name: ticketsFile, File: f}, nil
}

// handedTicketKeys reads the session ticket keys the daemon before handed over, if any.
func handedTicketKeys(pred *socket.Predecessor) (certs.TicketKeys, error) {
	if pred == nil {
		return certs.TicketKeys{}, nil
	}
	f := pred.File(ticketsFile)
	if f == nil {
		return certs.TicketKeys{}, nil // a daemon from before they were handed over
	}
	defer f.Close()
	return certs.ReadTicketKeys(f)
}
