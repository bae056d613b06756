package certs

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// waitTimeout bounds every poll in these tests; Pebble issues in well under a second.
const waitTimeout = 90 * time.Second

// frontDoor is a tiny server in front of a Manager: a TLS listener using its TLSConfig and a plain
// HTTP listener answering its challenges, both on 127.0.0.1, as the daemon's listeners will be.
type frontDoor struct {
	httpLn, tlsLn net.Listener
	m             atomic.Pointer[Manager]
}

// listen opens the two listeners; serve starts answering once a Manager exists.
func listen(t *testing.T) *frontDoor {
	t.Helper()
	fd := &frontDoor{}
	var err error
	if fd.httpLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	if fd.tlsLn, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	return fd
}

func (fd *frontDoor) httpPort() int { return fd.httpLn.Addr().(*net.TCPAddr).Port }
func (fd *frontDoor) tlsPort() int  { return fd.tlsLn.Addr().(*net.TCPAddr).Port }

// use makes m the manager behind the door; the first call starts serving.
func (fd *frontDoor) use(t *testing.T, m *Manager) {
	t.Helper()
	if fd.m.Swap(m) != nil {
		return
	}
	plain := &http.Server{ErrorLog: log.New(io.Discard, "", 0), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !fd.m.Load().ServeChallenge(w, r) {
			http.NotFound(w, r)
		}
	})}
	tlsConf := &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
		return fd.m.Load().TLSConfig(), nil
	}}
	secure := &http.Server{
		Handler:  http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello from "+r.Host) }),
		ErrorLog: log.New(io.Discard, "", 0), // refused handshakes are what some tests want
	}
	go plain.Serve(fd.httpLn)
	go secure.Serve(tls.NewListener(fd.tlsLn, tlsConf))
	t.Cleanup(func() {
		plain.Close()
		secure.Close()
	})
}

// fetch does one HTTPS request for host to the door, trusting roots, and returns the served leaf.
func (fd *frontDoor) fetch(host string, roots *x509.CertPool) (*x509.Certificate, error) {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", fd.tlsLn.Addr().String())
		},
		TLSClientConfig:   &tls.Config{RootCAs: roots, ServerName: host},
		DisableKeepAlives: true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	resp, err := client.Get("https://" + host + "/")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if want := "hello from " + host; string(body) != want {
		return nil, fmt.Errorf("body: got %q, want %q", body, want)
	}
	return resp.TLS.PeerCertificates[0], nil
}

// testLog collects a test's logs and prints them if the test failed. Writes after the test ended
// (certmagic's goroutines) go to the buffer, never to t.
func testLog(t *testing.T) *slog.Logger {
	var mu sync.Mutex
	var buf bytes.Buffer
	t.Cleanup(func() {
		if t.Failed() {
			mu.Lock()
			t.Logf("logs:\n%s", buf.String())
			mu.Unlock()
		}
	})
	return slog.New(slog.NewTextHandler(lockedWriter{&mu, &buf}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// newManager makes a Manager for the test and closes it at the end.
func newManager(t *testing.T, opts Options) *Manager {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	if opts.Logger == nil {
		opts.Logger = testLog(t)
	}
	m, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

// stateOf returns host's state, or a zero State with Status "absent".
func stateOf(m *Manager, host string) State {
	for _, st := range m.States() {
		if st.Host == host {
			return st
		}
	}
	return State{Host: host, Status: "absent"}
}

// waitState polls until ok says yes about host's state, and returns that state.
func waitState(t *testing.T, m *Manager, host string, ok func(State) bool) State {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for {
		st := stateOf(m, host)
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: state still %+v after %s", host, st, waitTimeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func status(want string) func(State) bool {
	return func(st State) bool { return st.Status == want }
}

// selfSigned writes a self-signed pair for host valid from notBefore to notAfter, and returns
// the file names and the certificate.
func selfSigned(t *testing.T, dir, name, host string, notBefore, notAfter time.Time) (certFile, keyFile string, cert *x509.Certificate) {
	t.Helper()
	certPEM, keyPEM, cert, err := SelfSigned([]string{host}, notBefore, notAfter)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	writeFile(t, certFile, certPEM)
	writeFile(t, keyFile, keyPEM)
	return certFile, keyFile, cert
}

// writeFile replaces path atomically, as certbot's symlink swap does: a new inode.
func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func serial(c *x509.Certificate) string { return fmt.Sprintf("%x", c.SerialNumber) }

func TestNewRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"no dir", Options{}, "Dir is empty"},
		{"unknown challenge", Options{Dir: t.TempDir(), Challenges: []string{"dns-01"}}, `unknown challenge "dns-01"`},
		{"no challenge", Options{Dir: t.TempDir(), Challenges: []string{}}, "no challenge enabled"},
		{"missing roots", Options{Dir: t.TempDir(), CARoots: "/nonexistent.pem"}, "reading the CA roots"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := New(tt.opts)
			if err == nil {
				m.Close()
				t.Fatalf("got no error, want one containing %q", tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestHostsWithoutCertificates(t *testing.T) {
	m := newManager(t, Options{CA: "https://127.0.0.1:1/dir"})
	m.Set(map[string]Source{"*.wild.test": {ACME: true}, "*": {ACME: true}})

	states := m.States()
	if len(states) != 1 {
		t.Fatalf("states: got %+v, want only *.wild.test (the catch-all gets none)", states)
	}
	st := states[0]
	if st.Host != "*.wild.test" || st.Status != StatusNone || !strings.Contains(st.LastError, "wildcard") {
		t.Errorf("wildcard state: got %+v, want status none and a LastError naming the wildcard", st)
	}
	if m.Valid("*.wild.test") {
		t.Error("Valid(*.wild.test): got true, want false")
	}
}

func TestSetRemovesHosts(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	certFile, keyFile, _ := selfSigned(t, dir, "a", "a.test", now.Add(-time.Hour), now.Add(time.Hour))
	m := newManager(t, Options{CA: "https://127.0.0.1:1/dir"})
	src := Source{CertFile: certFile, KeyFile: keyFile}
	m.Set(map[string]Source{"A.test.": src, "b.test": src})
	if got := len(m.States()); got != 2 {
		t.Fatalf("states: got %d, want 2", got)
	}
	if !m.Valid("a.test") {
		t.Error("Valid(a.test): got false, want true (names are lowercased, trailing dot dropped)")
	}
	m.Set(map[string]Source{"b.test": src})
	if got := stateOf(m, "a.test").Status; got != "absent" {
		t.Errorf("a.test after removal: got %q, want absent", got)
	}
	if got := len(m.pairs); got != 1 {
		t.Errorf("file pairs: got %d, want 1 shared by both hosts", got)
	}
}
