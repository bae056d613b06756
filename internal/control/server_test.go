package control

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/applog"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/release"
)

// serve runs the API for svc on a real socket in a temp state dir and returns a client.
func serve(t *testing.T, svc Service) (*Client, string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "ctl") // short: unix socket paths are limited to 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	ln, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: Handler(svc, nil)}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return NewClient(dir), dir
}

func TestListen(t *testing.T) {
	_, dir := serve(t, &service{log: applog.New(0, nil)})
	fi, err := os.Stat(filepath.Join(dir, SocketName))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode: got %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	if _, err := Listen(dir); err == nil || !strings.Contains(err.Error(), "another cutover daemon is running") {
		t.Errorf("second Listen: got %v, want a refusal", err)
	}
}

func TestListenReplacesStaleSocket(t *testing.T) {
	dir, _ := os.MkdirTemp("", "ctl")
	defer os.RemoveAll(dir)
	ln, err := Listen(dir)
	if err != nil {
		t.Fatal(err)
	}
	ln.(interface{ SetUnlinkOnClose(bool) }).SetUnlinkOnClose(false)
	ln.Close() // a dead daemon's socket file stays behind
	ln, err = Listen(dir)
	if err != nil {
		t.Fatalf("got %v, want the stale socket replaced", err)
	}
	ln.Close()
}

func TestClient(t *testing.T) {
	log := applog.New(0, nil)
	w := log.Writer("v1", "web.1", "stdout")
	fmt.Fprintln(w, "booted")
	c, _ := serve(t, &service{log: log})
	ctx := context.Background()

	var events []deploy.Event
	rel, err := c.Deploy(ctx, deploy.Request{Source: "good"}, func(e deploy.Event) { events = append(events, e) })
	if err != nil || rel.ID != "v2" || len(events) != 2 {
		t.Errorf("deploy: got %+v, %v, %d events", rel, err, len(events))
	}
	rel, err = c.Deploy(ctx, deploy.Request{Source: "bad"}, nil)
	if err == nil || err.Error() != "prepare: no Procfile" || rel.Status != release.Failed {
		t.Errorf("failed deploy: got %+v, %v", rel, err)
	}
	st, err := c.Status(ctx)
	if err != nil || st.Live != "v1" || st.InFlight != 2 {
		t.Errorf("status: got %+v, %v", st, err)
	}
	if _, err := c.Release(ctx, "v9"); err == nil || !strings.Contains(err.Error(), "no such release") {
		t.Errorf("missing release: got %v", err)
	}
	var lines []string
	if err := c.Logs(ctx, 10, "", false, func(l applog.Line) { lines = append(lines, l.Text) }); err != nil || len(lines) != 1 || lines[0] != "booted" {
		t.Errorf("logs: got %q, %v", lines, err)
	}
}

func TestClientFollow(t *testing.T) {
	log := applog.New(0, nil)
	c, _ := serve(t, &service{log: log})
	deadline := time.After(30 * time.Second)
	follow, stop := context.WithCancel(context.Background())
	defer stop()
	got := make(chan string, 1)
	go c.Logs(follow, 0, "", true, func(l applog.Line) {
		select {
		case got <- l.Text:
		default: // a line written while the first was being checked
		}
	})
	w := log.Writer("v1", "web.1", "stdout")
	for {
		fmt.Fprintln(w, "later")
		select {
		case s := <-got:
			if s != "later" {
				t.Errorf("got %q, want later", s)
			}
			return
		case <-time.After(20 * time.Millisecond): // the follower may not be subscribed yet
		case <-deadline:
			t.Fatal("no line followed")
		}
	}
}

func TestClientUpgrade(t *testing.T) {
	c, _ := serve(t, &service{log: applog.New(0, nil)})
	res, err := c.Upgrade(context.Background(), UpgradeRequest{})
	if err != nil || res.Pid != 4242 || res.OldPid != os.Getpid() {
		t.Errorf("upgrade: got %+v, %v; want the new pid and the old one", res, err)
	}
	if _, err := c.Upgrade(context.Background(), UpgradeRequest{Binary: "/broken"}); err == nil || !strings.Contains(err.Error(), "serves on") {
		t.Errorf("failed upgrade: got %v, want the daemon's reason", err)
	}
}

func TestClientBusyAndNoDaemon(t *testing.T) {
	c, _ := serve(t, &service{busy: true, log: applog.New(0, nil)})
	_, err := c.Deploy(context.Background(), deploy.Request{Source: "x"}, nil)
	if err == nil || !strings.Contains(err.Error(), "another deploy is running") {
		t.Errorf("busy: got %v", err)
	}
	_, err = NewClient(t.TempDir()).Status(context.Background())
	if !errors.Is(err, ErrNoDaemon) || !strings.Contains(err.Error(), "cutover serve") {
		t.Errorf("no daemon: got %v, want ErrNoDaemon saying how to start one", err)
	}
}

func TestClientAbort(t *testing.T) {
	for _, tc := range []struct {
		name    string
		busy    bool
		want    AbortResult
		wantErr string
	}{
		{"a deploy runs", true, AbortResult{Release: "v2", Aborted: true, Live: "v1"}, ""},
		{"none runs", false, AbortResult{}, "no deploy is running: there is nothing to abort"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := serve(t, &service{busy: tc.busy, log: applog.New(0, nil)})
			got, err := c.Abort(context.Background())
			switch {
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("got %v, want an error containing %q", err, tc.wantErr)
			case tc.wantErr == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case got != tc.want:
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestClientScale(t *testing.T) {
	c, _ := serve(t, &service{log: applog.New(0, nil)})
	if res, err := c.Scale(context.Background(), ScaleRequest{Scale: map[string]int{"web": 2}}); err != nil || res.Formation["web"] != 2 {
		t.Fatalf("scale: %+v, %v", res, err)
	}
	c, _ = serve(t, &service{busy: true, log: applog.New(0, nil)})
	if _, err := c.Scale(context.Background(), ScaleRequest{Scale: map[string]int{"web": 2}}); err == nil || !strings.Contains(err.Error(), "a deploy runs") {
		t.Fatalf("scale during a deploy: %v, want the reason", err)
	}
}

func TestClientRunEnv(t *testing.T) {
	c, _ := serve(t, &service{log: applog.New(0, nil)})
	if env, err := c.RunEnv(context.Background()); err != nil || env.Dir != "/srv/v1" || len(env.Env) != 1 {
		t.Fatalf("run env: %+v, %v", env, err)
	}
	c, _ = serve(t, &service{busy: true, log: applog.New(0, nil)})
	if _, err := c.RunEnv(context.Background()); err == nil || !strings.Contains(err.Error(), "deploy one first") {
		t.Fatalf("run env with nothing live: %v", err)
	}
}

func TestClientPromote(t *testing.T) {
	c, _ := serve(t, &service{busy: true, log: applog.New(0, nil)})
	if got, err := c.Promote(context.Background()); err != nil || got.Release != "v2" {
		t.Fatalf("promote while baking: %+v, %v", got, err)
	}
	c, _ = serve(t, &service{log: applog.New(0, nil)})
	if _, err := c.Promote(context.Background()); err == nil || !strings.Contains(err.Error(), "no release is baking") {
		t.Fatalf("promote with nothing baking: %v, want the reason", err)
	}
}

// TestDamagedAndPrune: the damaged records and a prune pass through the API as the service gives them.
func TestDamagedAndPrune(t *testing.T) {
	c, _ := serve(t, &service{log: applog.New(0, nil)})
	ctx := context.Background()
	rels, err := c.Releases(ctx)
	if err != nil || len(rels) != 1 {
		t.Errorf("releases: got %v, %v; want v1 alone", rels, err)
	}
	damaged, err := c.Damaged(ctx)
	if err != nil || len(damaged) != 1 || damaged[0].ID != "v0" || damaged[0].Reason == "" {
		t.Errorf("damaged: got %+v, %v; want v0 with its reason", damaged, err)
	}
	res, err := c.Prune(ctx, PruneRequest{Keep: 3})
	if err != nil || len(res.Removed) != 1 || res.Removed[0] != "v3" {
		t.Errorf("prune: got %+v, %v; want the service's answer for keep 3", res, err)
	}
	busy, _ := serve(t, &service{busy: true, log: applog.New(0, nil)})
	if _, err := busy.Prune(ctx, PruneRequest{}); err == nil || !strings.Contains(err.Error(), "another deploy is running") {
		t.Errorf("prune during a deploy: got %v, want a refusal", err)
	}
}
