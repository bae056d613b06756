package bench

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// serveBenchTLS serves "hello" over TLS with sec's certificate on 127.0.0.1:0, HTTP/2 offered,
// with server's TLS settings changed by tweak, and returns its address and a count of the
// connections it accepted.
func serveBenchTLS(t *testing.T, sec *benchTLS, tweak func(*tls.Config)) (string, *atomic.Int64) {
	t.Helper()
	cfg, err := ServerTLSConfig(sec.certFile, sec.keyFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg.NextProtos = []string{"h2", "http/1.1"}
	if tweak != nil {
		tweak(cfg)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns atomic.Int64
	srv := &http.Server{
		Handler:   http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello") }),
		TLSConfig: cfg,
		ErrorLog:  log.New(io.Discard, "", 0),
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				conns.Add(1)
			}
		},
	}
	go srv.Serve(tls.NewListener(ln, cfg))
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String(), &conns
}

// TestDriveTLS: the driver speaks HTTP/1.1 and HTTP/2 over TLS, and with fresh opens a connection
// (a whole handshake) per request.
func TestDriveTLS(t *testing.T) {
	for _, tc := range []struct {
		name         string
		http2, fresh bool
	}{{"http1", false, false}, {"http1 fresh", false, true}, {"h2", true, false}, {"h2 fresh", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			sec, err := newBenchTLS(t.TempDir(), tc.http2)
			if err != nil {
				t.Fatal(err)
			}
			addr, conns := serveBenchTLS(t, sec, nil)
			tg := &target{addr: addr, path: "/", sec: sec}
			r, err := driveLoad(context.Background(), tg.load(tc.fresh), 2, 200*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			if r.Requests == 0 || r.Errors != 0 {
				t.Fatalf("got %d requests, %d errors (first %v), want requests and no errors", r.Requests, r.Errors, r.FirstErr)
			}
			switch got := conns.Load(); {
			case tc.fresh && got < r.Requests:
				t.Errorf("got %d connections for %d requests, want one per request", got, r.Requests)
			case !tc.fresh && got > 2:
				t.Errorf("got %d connections, want at most one per driving connection (2)", got)
			}
		})
	}
}

// TestCheckTLS: a target that will not agree on the bench's TLS is refused, naming what it chose.
func TestCheckTLS(t *testing.T) {
	for _, tc := range []struct {
		name  string
		http2 bool
		tweak func(*tls.Config)
		want  string // in the error; "" for none
	}{
		{"agrees", false, nil, ""},
		{"agrees on h2", true, nil, ""},
		{"no h2", true, func(c *tls.Config) { c.NextProtos = []string{"http/1.1"} }, "no application protocol"},
		{"tls 1.2 only", false, func(c *tls.Config) { c.MinVersion, c.MaxVersion = tls.VersionTLS12, tls.VersionTLS12 }, "handshake"},
		{"no x25519", false, func(c *tls.Config) { c.CurvePreferences = []tls.CurveID{tls.CurveP256} }, "handshake"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sec, err := newBenchTLS(t.TempDir(), tc.http2)
			if err != nil {
				t.Fatal(err)
			}
			addr, _ := serveBenchTLS(t, sec, tc.tweak)
			err = sec.check(context.Background(), addr, "")
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}
