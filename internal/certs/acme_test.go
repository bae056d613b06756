package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/acmetest"
)

// withPebble starts a front door and a Pebble validating against it, and a Manager using Pebble.
func withPebble(t *testing.T, validity time.Duration, opts Options) (*frontDoor, *acmetest.Server, *Manager) {
	t.Helper()
	fd := listen(t)
	ca := acmetest.Start(t, acmetest.Options{HTTPPort: fd.httpPort(), TLSPort: fd.tlsPort(), Validity: validity})
	opts.CA, opts.CARoots = ca.DirectoryURL, ca.CARoots
	opts.HTTPPort, opts.TLSPort = fd.httpPort(), fd.tlsPort()
	m := newManager(t, opts)
	fd.use(t, m)
	return fd, ca, m
}

func TestIssue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		host      string
		challenge string
	}{
		{"http01.test", ChallengeHTTP},
		{"alpn.test", ChallengeTLSALPN},
	}
	for _, tt := range tests {
		t.Run(tt.challenge, func(t *testing.T) {
			t.Parallel()
			var changes atomic.Int32
			fd, ca, m := withPebble(t, 0, Options{Challenges: []string{tt.challenge},
				OnChange: func() { changes.Add(1) }})
			m.Set(map[string]Source{tt.host: {ACME: true}})

			st := waitState(t, m, tt.host, status(StatusValid))
			if st.NotAfter.IsZero() || st.Serial == "" || st.Issuer == "" || st.LastError != "" {
				t.Errorf("state: got %+v, want NotAfter, serial and issuer, no error", st)
			}
			leaf, err := fd.fetch(tt.host, ca.Roots())
			if err != nil {
				t.Fatal(err)
			}
			if got := serial(leaf); got != st.Serial {
				t.Errorf("served serial: got %s, want %s", got, st.Serial)
			}
			if !m.Valid(tt.host) {
				t.Error("Valid: got false, want true")
			}
			if changes.Load() == 0 {
				t.Error("OnChange: never called, want a call when the certificate came")
			}
			assertPrivate(t, m.opts.Dir)

			if err := m.Renew(context.Background(), tt.host); err != nil {
				t.Fatalf("Renew: %v", err)
			}
			renewed := stateOf(m, tt.host)
			if renewed.Status != StatusValid || renewed.Serial == st.Serial {
				t.Fatalf("after Renew: got %+v, want valid with a serial other than %s", renewed, st.Serial)
			}
			if leaf, err = fd.fetch(tt.host, ca.Roots()); err != nil || serial(leaf) != renewed.Serial {
				t.Errorf("after Renew: served %v (err %v), want serial %s", leaf, err, renewed.Serial)
			}
		})
	}
}

// assertPrivate checks the storage modes: dirs 0700, files 0600.
func assertPrivate(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, _ := d.Info()
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if got := info.Mode().Perm(); got&^want != 0 {
			t.Errorf("%s: got mode %o, want at most %o", path, got, want)
		}
		return nil
	})
}

// TestRenewShortLived renews 60-second certificates under a client that requests all along: the
// serial changes and no request fails.
func TestRenewShortLived(t *testing.T) {
	t.Parallel()
	const host = "renew.test"
	fd, ca, m := withPebble(t, 60*time.Second, Options{RenewalWindowRatio: 0.95, RenewCheckInterval: time.Second})
	m.Set(map[string]Source{host: {ACME: true}})
	first := waitState(t, m, host, status(StatusValid))
	roots := ca.Roots()

	var (
		mu      sync.Mutex
		errs    []error
		serials = map[string]int{}
	)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		for ctx.Err() == nil {
			leaf, err := fd.fetch(host, roots)
			mu.Lock()
			if err != nil {
				errs = append(errs, err)
			} else {
				serials[serial(leaf)]++
			}
			mu.Unlock()
		}
	})
	waitState(t, m, host, func(st State) bool { return st.Status == StatusValid && st.Serial != first.Serial })
	deadline := time.Now().Add(waitTimeout)
	for {
		mu.Lock()
		n := len(serials)
		mu.Unlock()
		if n >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if len(errs) > 0 {
		t.Errorf("requests during renewal: got %d errors, want none; first: %v", len(errs), errs[0])
	}
	if len(serials) < 2 {
		t.Errorf("served serials: got %v, want the first and a renewed one", serials)
	}
}

// TestFailedChallenge points one name elsewhere: its state fails in plain words, the other host
// keeps its certificate.
func TestFailedChallenge(t *testing.T) {
	t.Parallel()
	fd, ca, m := withPebble(t, 0, Options{})
	ca.AddA("elsewhere.test", "127.0.0.2")
	m.Set(map[string]Source{"kept.test": {ACME: true}, "elsewhere.test": {ACME: true}})

	waitState(t, m, "kept.test", status(StatusValid))
	st := waitState(t, m, "elsewhere.test", status(StatusFailing))
	if !strings.Contains(st.LastError, "does DNS for elsewhere.test point to this server?") {
		t.Errorf("LastError: got %q, want it to ask whether DNS points here", st.LastError)
	}
	if !st.NextAttempt.After(time.Now()) || !strings.Contains(st.LastError, "next try at") {
		t.Errorf("NextAttempt: got %v in %q, want a time to come, named", st.NextAttempt, st.LastError)
	}
	if m.Valid("elsewhere.test") {
		t.Error("Valid(elsewhere.test): got true, want false")
	}
	if _, err := fd.fetch("kept.test", ca.Roots()); err != nil {
		t.Errorf("kept.test: %v", err)
	}
}

// TestCADown starts with the CA down, then brings it back: Renew gets the certificate at once. A
// later start over a corrupt stored certificate gets a new one.
func TestCADown(t *testing.T) {
	t.Parallel()
	const host = "down.test"
	fd := listen(t)
	ca := acmetest.Start(t, acmetest.Options{HTTPPort: fd.httpPort(), TLSPort: fd.tlsPort()})
	ca.Stop()
	opts := Options{Dir: t.TempDir(), CA: ca.DirectoryURL, CARoots: ca.CARoots,
		HTTPPort: fd.httpPort(), TLSPort: fd.tlsPort()}
	m := newManager(t, opts)
	fd.use(t, m)
	m.Set(map[string]Source{host: {ACME: true}})

	st := waitState(t, m, host, status(StatusFailing))
	if want := "cannot reach the CA at " + ca.DirectoryURL; !strings.Contains(st.LastError, want) ||
		!strings.Contains(st.LastError, "next try at") {
		t.Errorf("LastError: got %q, want it to contain %q and the next try", st.LastError, want)
	}

	ca.Restart()
	if err := m.Renew(context.Background(), host); err != nil {
		t.Fatalf("Renew: %v", err)
	}
	first := waitState(t, m, host, status(StatusValid))
	if _, err := fd.fetch(host, ca.Roots()); err != nil {
		t.Fatal(err)
	}
	m.Close()

	crt := findFile(t, opts.Dir, ".crt")
	if err := os.WriteFile(crt, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	m2 := newManager(t, opts)
	fd.use(t, m2)
	m2.Set(map[string]Source{host: {ACME: true}})
	again := waitState(t, m2, host, status(StatusValid))
	if again.Serial == first.Serial {
		t.Errorf("serial: got the corrupt one's %s again, want a new certificate", again.Serial)
	}
	if _, err := fd.fetch(host, ca.Roots()); err != nil {
		t.Fatal(err)
	}
}

// findFile returns the one file under dir whose name ends in suffix.
func findFile(t *testing.T, dir, suffix string) string {
	t.Helper()
	var found []string
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, suffix) {
			found = append(found, path)
		}
		return nil
	})
	if len(found) != 1 {
		t.Fatalf("files ending in %s under %s: got %v, want one", suffix, dir, found)
	}
	return found[0]
}

// TestRateLimited puts a proxy in front of Pebble that answers every new order with the CA's rate
// limit: the state says so and when the next try is, and orders are not retried in a loop.
func TestRateLimited(t *testing.T) {
	t.Parallel()
	const host = "limited.test"
	fd := listen(t)
	ca := acmetest.Start(t, acmetest.Options{HTTPPort: fd.httpPort(), TLSPort: fd.tlsPort()})
	var orders atomic.Int32
	proxy := rateLimitingProxy(t, ca, &orders)

	m := newManager(t, Options{CA: proxy.URL + "/dir", CARoots: ca.CARoots,
		HTTPPort: fd.httpPort(), TLSPort: fd.tlsPort()})
	fd.use(t, m)
	m.Set(map[string]Source{host: {ACME: true}})

	st := waitState(t, m, host, status(StatusFailing))
	if !strings.Contains(st.LastError, "rate limit") || !strings.Contains(st.LastError, "next try at") {
		t.Errorf("LastError: got %q, want the rate limit and the next try", st.LastError)
	}
	if !st.NextAttempt.After(time.Now()) {
		t.Errorf("NextAttempt: got %v, want a time to come", st.NextAttempt)
	}
	if n := orders.Load(); n < 1 || n > 2 {
		t.Errorf("new orders: got %d, want 1 or 2 (no retry loop)", n)
	}
}

// rateLimitingProxy serves Pebble's API over Pebble's own TLS pair, and answers new orders with
// 429 rateLimited.
func rateLimitingProxy(t *testing.T, ca *acmetest.Server, orders *atomic.Int32) *httptest.Server {
	t.Helper()
	target, _ := url.Parse(ca.DirectoryURL)
	target.Path = ""
	pem, err := os.ReadFile(ca.CARoots)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host // Pebble writes its URLs with the Host it was asked for: ours
			r.Out.Header.Set("X-Forwarded-Proto", "https")
		},
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}},
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && r.URL.Path == "/order-plz" {
			orders.Add(1)
			w.Header().Set("Content-Type", "application/problem+json")
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"type":"urn:ietf:params:acme:error:rateLimited",` +
				`"detail":"too many new orders recently","status":429}`))
			return
		}
		rp.ServeHTTP(w, r)
	}))
	pair, err := tls.LoadX509KeyPair(ca.APICertFile, ca.APIKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}
