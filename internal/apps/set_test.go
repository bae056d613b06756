package apps

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/proxy"
	"github.com/cutover-dev/cutover/internal/release"
)

// testSet opens the apps of a new state dir behind a real proxy listening on 127.0.0.1, and
// returns the set and the proxy's URL; each of with changes the runtime first.
func testSet(t *testing.T, state string, with ...func(*Runtime)) (*Set, string) {
	t.Helper()
	p := proxy.New(proxy.Options{Logger: testLogger(t)})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go p.Serve(ln)
	t.Cleanup(func() { ln.Close() })
	rt := &Runtime{StateDir: state, Proxy: p, Logger: testLogger(t), NoCgroups: true,
		Stopping: make(chan struct{}), Upgraded: make(chan struct{})}
	for _, f := range with {
		f(rt)
	}
	s, err := Open(rt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, "http://" + ln.Addr().String()
}

// statusFor is the status the proxy answers a request for host with.
func statusFor(t *testing.T, url, host string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url+"/", nil)
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestSet: apps are made, found, re-hosted and destroyed; each change is routed at once (an app
// with no release answers 503, an unknown host 404) and persisted, so a new daemon opens the same.
func TestSet(t *testing.T) {
	state := t.TempDir()
	s, url := testSet(t, state)
	if _, err := s.Get(""); !errors.Is(err, control.ErrNoApp) {
		t.Fatalf("Get on no apps: %v", err)
	}
	if _, err := s.Create("blog", Settings{Hosts: []string{"Blog.Example.com", "example.com/blog"}}); err != nil {
		t.Fatal(err)
	}
	if a, err := s.Get(""); err != nil || a.Name != "blog" {
		t.Fatalf("the only app: %v, %v", a, err)
	}
	for _, tc := range []struct {
		name  string
		hosts []string
		want  string
	}{
		{"Blog", []string{"x.test"}, "not an app name"},
		{"blog", []string{"x.test"}, "exists already"},
		{"api", []string{"blog.example.com"}, `already routed to app "blog"`},
		{"api", []string{"x.test:80"}, "has a port"},
	} {
		if _, err := s.Create(tc.name, Settings{Hosts: tc.hosts}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Create(%s, %v): got %v, want %q", tc.name, tc.hosts, err, tc.want)
		}
	}
	if _, err := os.Stat(Dir(state, "api")); !os.IsNotExist(err) {
		t.Errorf("a refused app left its dir: %v", err)
	}
	if _, err := s.Create("api", Settings{Hosts: []string{"api.example.com"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(""); !errors.Is(err, control.ErrAmbiguous) || !strings.Contains(err.Error(), "(api, blog)") {
		t.Errorf("Get among two: %v", err)
	}
	for host, want := range map[string]int{"blog.example.com": 503, "api.example.com": 503, "other.example.com": 404} {
		if got := statusFor(t, url, host); got != want {
			t.Errorf("%s: got %d, want %d", host, got, want)
		}
	}
	if _, err := s.SetHosts("api", func(h []string) ([]string, error) { return append(h, "other.example.com"), nil }); err != nil {
		t.Fatal(err)
	}
	if got := statusFor(t, url, "other.example.com"); got != 503 {
		t.Errorf("a host added: got %d, want it routed (503: no release yet)", got)
	}
	if _, err := s.SetHosts("api", func(h []string) ([]string, error) { return []string{"blog.example.com"}, nil }); err == nil {
		t.Error("SetHosts took a host of another app")
	}

	// A new daemon opens what the changes wrote.
	s2, _ := testSet(t, state)
	if a, err := s2.Get("api"); err != nil || strings.Join(a.Settings().Hosts, " ") != "api.example.com other.example.com" {
		t.Fatalf("reopened api: %+v, %v", a, err)
	}

	if err := s.Destroy(context.Background(), "api"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(Dir(state, "api")); !os.IsNotExist(err) {
		t.Errorf("destroyed app left its dir: %v", err)
	}
	if got := statusFor(t, url, "api.example.com"); got != 404 {
		t.Errorf("a destroyed app's host: got %d, want 404", got)
	}
	if err := s.Destroy(context.Background(), "api"); !errors.Is(err, control.ErrNoApp) {
		t.Errorf("destroy twice: %v", err)
	}
}

// TestRefusedWhileDeploying: what a deploy of the app is in the way of is refused, and the error
// says how to end the deploy, then what to do again: a push is pushed again, not deployed.
func TestRefusedWhileDeploying(t *testing.T) {
	s, _ := testSet(t, t.TempDir())
	a, err := s.Create("blog", Settings{Hosts: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, then string
		do         func() error
	}{
		{"destroy", "destroy", func() error { return s.Destroy(context.Background(), "blog") }},
		{"deploy", "deploy again", func() error {
			_, err := a.Deploy(context.Background(), deploy.Request{Source: "/src"}, func(deploy.Event) {})
			return err
		}},
		{"git push", "push again", func() error {
			_, err := a.Deploy(context.Background(), deploy.Request{Source: "/src", Commit: &release.Commit{}}, func(deploy.Event) {})
			return err
		}},
		{"prune", "prune", func() error { _, err := a.Prune(0); return err }},
		{"upgrade", "upgrade", func() error { _, _, err := s.TryLockDeploys("upgrade"); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a.deployMu.Lock()
			err := tc.do()
			a.deployMu.Unlock()
			want := "`cutover deploy --abort --app blog`, then " + tc.then
			if !errors.Is(err, control.ErrBusy) || !strings.HasSuffix(err.Error(), want) {
				t.Fatalf("got %v, want busy, ending %q", err, want)
			}
		})
	}
	if _, err := s.Get("blog"); err != nil {
		t.Fatalf("the app is gone after a refused destroy: %v", err)
	}
}

// TestFirst: the first deploy on a daemon with no app makes one; later ones find it.
func TestFirst(t *testing.T) {
	s, _ := testSet(t, t.TempDir())
	a, err := s.First("", "myapp", Settings{Hosts: []string{"*"}})
	if err != nil || a.Name != "myapp" {
		t.Fatalf("First on no apps: %v, %v", a, err)
	}
	if b, err := s.First("", "other", Settings{Hosts: []string{"*"}}); err != nil || b != a {
		t.Fatalf("First with one app: %v, %v", b, err)
	}
	if _, err := s.First("nope", "other", Settings{}); !errors.Is(err, control.ErrNoApp) {
		t.Fatalf("First naming an unknown app among some: %v", err)
	}
}

// TestOpenRemovesDestroyed: what a destroy cut short by a crash left is removed at the next start.
func TestOpenRemovesDestroyed(t *testing.T) {
	state := t.TempDir()
	left := Dir(state, ".destroyed-api-x")
	if err := os.MkdirAll(left, 0o700); err != nil {
		t.Fatal(err)
	}
	testSet(t, state)
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Fatalf("left: %v", err)
	}
	if m := Markers(state); len(m) != 1 || m[0] != state {
		t.Fatalf("markers of no apps: %v", m)
	}
}
