package daemon_test

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/acmetest"
	"github.com/cutover-dev/cutover/internal/certs"
	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/freeport"
)

// TestHTTPSTwoApps: one daemon on a plain and an HTTPS port serves two apps by host name: blog with
// a certificate from a real ACME CA (Pebble), api with its own files. Plain HTTP redirects to
// HTTPS once blog's certificate is valid; HTTP/2 and HTTP/1.1 clients of both apps see no failed
// request while both deploy at the same time, and every answer comes from the right app.
func TestHTTPSTwoApps(t *testing.T) {
	httpAddr, httpsAddr := freeport.ForTest(t), freeport.ForTest(t)
	ca := acmetest.Start(t, acmetest.Options{HTTPPort: portOf(t, httpAddr), TLSPort: portOf(t, httpsAddr)})
	dir := t.TempDir()
	apiCert, apiKey, apiRoot := selfSigned(t, dir, "api.test")

	state := filepath.Join(dir, "state")
	d := startDaemon(t, state, httpAddr, "--https", httpsAddr, "--acme-ca", ca.DirectoryURL,
		"--acme-ca-root", ca.CARoots, "--acme-email", "ops@blog.test")
	d.mustCutover(
		[]string{"apps", "create", "blog", "--host", "blog.test", "--hsts", "max-age=60"},
		[]string{"apps", "create", "api", "--host", "api.test", "--tls-cert", apiCert, "--tls-key", apiKey},
	)
	blog, api := *d.client, *d.client
	blog.App, api.App = "blog", "api"
	for _, c := range []*control.Client{&blog, &api} {
		if _, err := c.Deploy(t.Context(), unbaked(deploy.Request{Source: sampleApp(t, c.App+"-v1", "", "")}), nil); err != nil {
			t.Fatalf("deploy %s v1: %v", c.App, err)
		}
	}
	waitFor(t, "blog's certificate from the CA", func() bool {
		apps, err := d.client.Apps(context.Background())
		return err == nil && certStatus(apps, "blog.test") == "valid"
	})
	if out, _ := d.cutover("apps"); !strings.Contains(out, "1 valid") {
		t.Errorf("cutover apps: want blog's certificate valid:\n%s", out)
	}

	roots := ca.Roots()
	roots.AddCert(apiRoot)
	plain := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	waitFor(t, "plain HTTP to redirect to HTTPS", func() bool {
		req, _ := http.NewRequest(http.MethodGet, "http://"+httpAddr+"/x?y=1", nil)
		req.Host = "blog.test"
		resp, err := plain.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		// The HTTPS port is named: it is not 443 here.
		want := fmt.Sprintf("https://blog.test:%d/x?y=1", portOf(t, httpsAddr))
		return resp.StatusCode == http.StatusMovedPermanently && resp.Header.Get("Location") == want
	})

	h1, h2 := tlsClient(httpsAddr, roots, false), tlsClient(httpsAddr, roots, true)
	resp, err := h2.Get("https://blog.test/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.ProtoMajor != 2 || resp.Header.Get("Strict-Transport-Security") != "max-age=60" {
		t.Errorf("blog over HTTPS: got %s, HSTS %q; want HTTP/2 and max-age=60", resp.Proto, resp.Header.Get("Strict-Transport-Security"))
	}

	loads, stop := startTLSLoads(h1, h2, "-")
	time.Sleep(300 * time.Millisecond)
	deployAtOnce(t, "v2", []*control.Client{&blog, &api}, nil)
	time.Sleep(300 * time.Millisecond)
	stop()
	for _, l := range loads {
		if l.failed != 0 || l.ok == 0 || l.versions[l.want+"v2"] == 0 || l.wrong != 0 {
			t.Errorf("%s (HTTP/2 %v): %d ok, %d failed (%s), %d from another app, versions %v; want 0 failed and v2 reached",
				l.url, l.client == h2, l.ok, l.failed, l.lastErr, l.wrong, l.versions)
		}
	}
}

// startTLSLoads sends requests to blog.test and api.test over HTTP/1.1 (h1) and HTTP/2 (h2) until
// stop, which waits for them; each wants the app's name and then suffix in X-App-Version.
func startTLSLoads(h1, h2 *http.Client, suffix string) (loads []*tlsLoad, stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	for _, app := range []string{"blog", "api"} {
		for _, c := range []*http.Client{h1, h2} {
			loads = append(loads, &tlsLoad{client: c, url: "https://" + app + ".test/", want: app + suffix})
		}
	}
	var wg sync.WaitGroup
	for _, l := range loads {
		wg.Go(func() { l.run(ctx) })
	}
	return loads, func() { cancel(); wg.Wait() }
}

// tlsLoad sends requests one after another over one client until its context ends, and counts
// what came back.
type tlsLoad struct {
	client    *http.Client
	url, want string

	ok, failed, wrong int
	versions          map[string]int
	lastErr           string
}

func (l *tlsLoad) run(ctx context.Context) {
	l.versions = map[string]int{}
	for ctx.Err() == nil {
		resp, err := l.client.Get(l.url)
		if err != nil {
			l.failed++
			l.lastErr = err.Error()
			continue
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		v := resp.Header.Get("X-App-Version")
		switch {
		case resp.StatusCode != http.StatusOK:
			l.failed++
			l.lastErr = resp.Status
		case !strings.HasPrefix(v, l.want):
			l.wrong++
		default:
			l.ok++
			l.versions[v]++
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// tlsClient is a client that dials addr whatever the host name, trusting roots, over HTTP/2 or
// HTTP/1.1 only.
func tlsClient(addr string, roots *x509.CertPool, h2 bool) *http.Client {
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots},
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
		Protocols: new(http.Protocols),
	}
	if h2 {
		tr.Protocols.SetHTTP2(true)
	} else {
		tr.Protocols.SetHTTP1(true)
	}
	// A redirect is an answer, not followed: an HTTPS request must never be sent to HTTPS again.
	noFollow := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &http.Client{Transport: tr, Timeout: 10 * time.Second, CheckRedirect: noFollow}
}

// certStatus is the status of host's certificate among the apps.
func certStatus(apps []control.AppInfo, host string) string {
	for _, a := range apps {
		for _, c := range a.Certs {
			if c.Host == host {
				return c.Status
			}
		}
	}
	return ""
}

func portOf(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	fmt.Sscan(p, &n)
	return n
}

// selfSigned writes a self-signed certificate and key for host into dir.
func selfSigned(t *testing.T, dir, host string) (certFile, keyFile string, cert *x509.Certificate) {
	t.Helper()
	certPEM, keyPEM, cert, err := certs.SelfSigned([]string{host}, time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, host+".crt"), filepath.Join(dir, host+".key")
	for path, b := range map[string][]byte{certFile: certPEM, keyFile: keyPEM} {
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile, cert
}

// TestUpgradeWithHTTPS: `cutover upgrade` of a daemon serving two apps over HTTPS hands the HTTPS
// socket and both apps over: HTTP/2 and HTTP/1.1 clients of each see no failed request, and the
// new daemon serves both with their certificates.
func TestUpgradeWithHTTPS(t *testing.T) {
	httpsAddr := freeport.ForTest(t)
	dir := t.TempDir()
	blogCert, blogKey, blogRoot := selfSigned(t, dir, "blog.test")
	apiCert, apiKey, apiRoot := selfSigned(t, dir, "api.test")
	state := filepath.Join(dir, "state")
	d := startDaemon(t, state, "", "--https", httpsAddr)
	d.mustCutover(
		[]string{"apps", "create", "blog", "--host", "blog.test", "--tls-cert", blogCert, "--tls-key", blogKey},
		[]string{"apps", "create", "api", "--host", "api.test", "--tls-cert", apiCert, "--tls-key", apiKey},
		[]string{"deploy", "--app", "blog", sampleApp(t, "blog-v1", "", "")},
		[]string{"deploy", "--app", "api", sampleApp(t, "api-v1", "", "")},
	)
	roots := x509.NewCertPool()
	roots.AddCert(blogRoot)
	roots.AddCert(apiRoot)
	h1, h2 := tlsClient(httpsAddr, roots, false), tlsClient(httpsAddr, roots, true)
	loads, stop := startTLSLoads(h1, h2, "-v1")
	defer stop()
	sessions := &firstSession{}
	if resumed(t, httpsAddr, roots, sessions) {
		t.Fatal("the first connection of a new client resumed a session")
	}
	// A client whose keep-alive connection to the old daemon is idle at the upgrade sends its
	// next request on it: the old daemon passes it to the new one, as the HTTPS request it is.
	idle := tlsClient(httpsAddr, roots, false)
	if got := proto(t, idle); got != "https" {
		t.Fatalf("before the upgrade: X-Forwarded-Proto %q, want https", got)
	}
	time.Sleep(300 * time.Millisecond)
	out, err := upgrade(state)
	if err != nil {
		t.Fatalf("cutover upgrade: %v\n%s", err, out)
	}
	d.takeOver(out)
	handed := time.Now()
	if got := proto(t, idle); got != "https" {
		t.Errorf("on a connection to the old daemon after the upgrade: X-Forwarded-Proto %q, want https", got)
	}
	d.waitExited()
	t.Logf("the old daemon exited %s after handing over", time.Since(handed).Round(time.Millisecond))
	time.Sleep(300 * time.Millisecond)
	stop()
	for _, l := range loads {
		if l.failed != 0 || l.ok == 0 || l.wrong != 0 {
			t.Errorf("%s (HTTP/2 %v) across the upgrade: %d ok, %d failed (%s), %d from elsewhere", l.url, l.client == h2, l.ok, l.failed, l.lastErr, l.wrong)
		}
	}
	for _, c := range []*http.Client{tlsClient(httpsAddr, roots, false), tlsClient(httpsAddr, roots, true)} {
		resp, err := c.Get("https://api.test/")
		if err != nil {
			t.Fatalf("the new daemon over HTTPS: %v", err)
		}
		resp.Body.Close()
		if resp.Header.Get("X-App-Version") != "api-v1" {
			t.Errorf("the new daemon: got %q, want api-v1", resp.Header.Get("X-App-Version"))
		}
	}
	if !resumed(t, httpsAddr, roots, sessions) {
		t.Error("a client of the old daemon made a full TLS handshake with the new one: the session ticket keys were not handed over")
	}
}

// proto asks blog.test's app for the headers it got, through c, and returns X-Forwarded-Proto.
func proto(t *testing.T, c *http.Client) string {
	t.Helper()
	resp, err := c.Get("https://blog.test/headers")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET https://blog.test/headers: %s %s", resp.Status, resp.Header.Get("Location"))
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "X-Forwarded-Proto: "); ok {
			return v
		}
	}
	return ""
}

// resumed sends one request to blog.test on a new TLS connection to addr with the client's
// session cache, and reports whether the TLS session was resumed.
func resumed(t *testing.T, addr string, roots *x509.CertPool, sessions tls.ClientSessionCache) bool {
	t.Helper()
	cfg := &tls.Config{RootCAs: roots, ServerName: "blog.test", NextProtos: []string{"http/1.1"}, ClientSessionCache: sessions}
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: bound}, "tcp", addr, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(bound))
	fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: blog.test\r\nConnection: close\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body) // the session ticket comes with the answer
	resp.Body.Close()
	return c.ConnectionState().DidResume
}

// firstSession is a client's session cache that keeps the first ticket it is given, so that a
// resumption tells the first daemon's ticket opened.
type firstSession struct {
	mu sync.Mutex
	s  *tls.ClientSessionState
}

func (f *firstSession) Get(string) (*tls.ClientSessionState, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.s, f.s != nil
}

func (f *firstSession) Put(_ string, s *tls.ClientSessionState) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.s == nil {
		f.s = s
	}
}
