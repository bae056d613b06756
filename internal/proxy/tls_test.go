package proxy

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testCert is a self-signed ECDSA P-256 certificate for 127.0.0.1, localhost and the example.com
// names the routing tests use, made once per test binary.
var testCert = sync.OnceValues(func() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "cutover proxy test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"localhost", "example.com", "*.example.com", "*.api.example.com"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, nil
})

// serverTLS returns the proxy's TLS configuration (h2, http/1.1 and acme-tls/1 offered) and a pool
// that trusts its certificate.
func serverTLS(t testing.TB) (*tls.Config, *x509.CertPool) {
	t.Helper()
	cert, err := testCert()
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert.Leaf)
	return &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{alpnH2, alpnHTTP1, alpnACMETLS}}, roots
}

// startTLSProxy serves a new Proxy with ServeTLS on 127.0.0.1:0 and returns it with its address
// and the roots that trust it.
func startTLSProxy(t testing.TB, opts Options) (*Proxy, string, *x509.CertPool) {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	p := New(opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg, roots := serverTLS(t)
	served := make(chan error, 1)
	go func() { served <- p.ServeTLS(ln, cfg) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		if err := p.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("ServeTLS returned %v, want http.ErrServerClosed", err)
		}
	})
	return p, ln.Addr().String(), roots
}

// tlsClient returns a client that speaks only HTTP/2 (h2) or only HTTP/1.1 over TLS to a proxy
// trusted by roots.
func tlsClient(t testing.TB, roots *x509.CertPool, h2 bool) *http.Client {
	var protos http.Protocols
	protos.SetHTTP1(!h2)
	protos.SetHTTP2(h2)
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: roots, ServerName: "example.com"},
		Protocols:           &protos,
		MaxIdleConnsPerHost: 64,
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: waitLimit}
}

// TestServeTLS: over TLS, HTTP/1.1 takes the fast path and HTTP/2 the general path; the app sees
// X-Forwarded-Proto: https either way, and the client the protocol it asked for.
func TestServeTLS(t *testing.T) {
	p, addr, roots := startTLSProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", echoHandler("web.1"))}))
	for _, tc := range []struct {
		name  string
		h2    bool
		major int
	}{{"http1", false, 1}, {"h2", true, 2}} {
		t.Run(tc.name, func(t *testing.T) {
			c := tlsClient(t, roots, tc.h2)
			for range 3 {
				res, err := c.Get("https://" + addr + "/x")
				if err != nil {
					t.Fatal(err)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.ProtoMajor != tc.major {
					t.Errorf("got HTTP/%d, want HTTP/%d", res.ProtoMajor, tc.major)
				}
			}
			e := getEcho(t, c, "https://"+addr+"/x")
			if got := e.Header.Get("X-Forwarded-Proto"); got != "https" {
				t.Errorf("X-Forwarded-Proto: got %q, want https", got)
			}
		})
	}
}

// TestServeTLSWebsocket: a websocket over TLS is handed to the general path, which still tells the
// app it came over https.
func TestServeTLSWebsocket(t *testing.T) {
	seen := make(chan string, 1)
	p, addr, roots := startTLSProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "ws.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Get("X-Forwarded-Proto")
		upgradeEcho(w, r)
	}))}))
	c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, ServerName: "example.com", NextProtos: []string{alpnHTTP1}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(waitLimit))
	fmt.Fprintf(c, "GET /ws HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
	br := bufio.NewReader(c)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("got status %d, want 101", res.StatusCode)
	}
	echoOnce(t, c, br, "over tls")
	if got := <-seen; got != "https" {
		t.Errorf("X-Forwarded-Proto of a websocket over TLS: got %q, want https", got)
	}
}

// TestServeTLSClosesAfterHandshake: an acme-tls/1 hello gets its handshake and nothing more; a
// client that does not speak TLS, or says nothing within the handshake timeout, is counted as a
// failed handshake and logged below warning level.
func TestServeTLSClosesAfterHandshake(t *testing.T) {
	var loud atomic.Int64
	logger := slog.New(countingHandler{min: slog.LevelWarn, n: &loud})
	p, addr, roots := startTLSProxy(t, Options{Logger: logger, TLSHandshakeTimeout: 100 * time.Millisecond})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", echoHandler("web.1"))}))
	for _, tc := range []struct {
		name     string
		dial     func() (net.Conn, error)
		failures int64
	}{
		{"acme-tls/1", func() (net.Conn, error) {
			return tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, ServerName: "example.com", NextProtos: []string{alpnACMETLS}})
		}, 0},
		{"plain http", func() (net.Conn, error) {
			c, err := net.Dial("tcp", addr)
			if err == nil {
				_, err = io.WriteString(c, "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")
			}
			return c, err
		}, 1},
		{"silent", func() (net.Conn, error) { return net.Dial("tcp", addr) }, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := p.HandshakeFailures()
			c, err := tc.dial()
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(waitLimit))
			if _, err := io.Copy(io.Discard, c); err != nil && !isReset(err) {
				t.Fatalf("read until the proxy closes: %v", err)
			}
			if got := p.HandshakeFailures() - before; got != tc.failures {
				t.Errorf("handshake failures: got %d, want %d", got, tc.failures)
			}
		})
	}
	if loud.Load() != 0 {
		t.Errorf("got %d log records at warning level or above, want 0", loud.Load())
	}
}

func isReset(err error) bool { return strings.Contains(err.Error(), "connection reset") }

// countingHandler counts the records at min or above.
type countingHandler struct {
	min slog.Level
	n   *atomic.Int64
}

func (h countingHandler) Enabled(_ context.Context, l slog.Level) bool { return true }
func (h countingHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Level >= h.min {
		h.n.Add(1)
	}
	return nil
}
func (h countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h countingHandler) WithGroup(string) slog.Handler      { return h }

// TestServeTLSCountsH2: an HTTP/2 connection counts as open until the client closes it, so Wait
// waits for it.
func TestServeTLSCountsH2(t *testing.T) {
	p, addr, roots := startTLSProxy(t, Options{})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", echoHandler("web.1"))}))
	c := tlsClient(t, roots, true)
	getEcho(t, c, "https://"+addr+"/")
	if got := p.Open(); got != 1 {
		t.Errorf("open connections: got %d, want 1", got)
	}
	c.Transport.(*http.Transport).CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := p.Wait(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestServeTLSShutdownMidHandshake: Shutdown closes a connection that has not finished its
// handshake at once, as an idle one, rather than waiting out the handshake timeout.
func TestServeTLSShutdownMidHandshake(t *testing.T) {
	p := New(Options{Logger: slog.New(slog.DiscardHandler), TLSHandshakeTimeout: time.Hour})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := serverTLS(t)
	served := make(chan error, 1)
	go func() { served <- p.ServeTLS(ln, cfg) }()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := pollUntil(ctx, func() bool { return p.Open() == 1 }); err != nil {
		t.Fatalf("the connection was never counted open: %v", err)
	}
	if err := p.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	c.SetReadDeadline(time.Now().Add(waitLimit))
	if n, err := c.Read(make([]byte, 1)); err == nil {
		t.Errorf("read %d bytes, want the connection closed", n)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("ServeTLS returned %v, want http.ErrServerClosed", err)
	}
}

// TestServeTLSMaxConns: TLS connections count in MaxConns, as plain ones do.
func TestServeTLSMaxConns(t *testing.T) {
	p, addr, roots := startTLSProxy(t, Options{MaxConns: 1})
	p.Switch(NewPool("v1", []Backend{startBackend(t, "web.1", echoHandler("web.1"))}))
	first := tlsClient(t, roots, true)
	getEcho(t, first, "https://"+addr+"/")
	second, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, ServerName: "example.com"})
	if err == nil {
		second.SetDeadline(time.Now().Add(waitLimit))
		_, err = second.Read(make([]byte, 1))
		second.Close()
	}
	if err == nil {
		t.Errorf("a second connection past MaxConns 1 was served, want it closed")
	}
}

// TestServeTLSWebsocketDrain: a websocket over TLS is drained as a plain one is: it stays open and
// working on the old release while the drain waits, is cut when the drain's deadline passes, and
// the next one goes to the new release.
func TestServeTLSWebsocketDrain(t *testing.T) {
	p, addr, roots := startTLSProxy(t, Options{})
	old := NewPool("v1", []Backend{startBackend(t, "ws.1", http.HandlerFunc(upgradeEcho))})
	p.Switch(old)
	dial := func() (*tls.Conn, *bufio.Reader) {
		t.Helper()
		c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, ServerName: "example.com", NextProtos: []string{alpnHTTP1}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(waitLimit))
		fmt.Fprintf(c, "GET /ws HTTP/1.1\r\nHost: example.com\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
		br := bufio.NewReader(c)
		res, err := http.ReadResponse(br, nil)
		if err != nil || res.StatusCode != http.StatusSwitchingProtocols {
			t.Fatalf("upgrade: %v, %v", res, err)
		}
		return c, br
	}
	ws, wsr := dial()
	echoOnce(t, ws, wsr, "ping")

	next := NewPool("v2", []Backend{startBackend(t, "ws.2", http.HandlerFunc(upgradeEcho))})
	p.Switch(next)
	ctx, cancel := context.WithCancel(context.Background())
	drained := make(chan error, 1)
	go func() { drained <- old.Drain(ctx) }()
	echoOnce(t, ws, wsr, "still there")
	ws2, wsr2 := dial()
	echoOnce(t, ws2, wsr2, "on v2")
	if n := next.InFlight(); n != 1 {
		t.Errorf("the new websocket: v2 has %d in flight, want 1", n)
	}
	cancel()
	var de *DrainError
	if err := <-drained; !errors.As(err, &de) || de.Cut != 1 {
		t.Fatalf("Drain: got %v, want the websocket cut", err)
	}
	if n, err := wsr.Read(make([]byte, 1)); err == nil {
		t.Errorf("the websocket on v1 after the cut: read %d bytes, want it closed", n)
	}
	echoOnce(t, ws2, wsr2, "v2 goes on")
}
