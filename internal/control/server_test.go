package control

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/applog"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/vars"
)

// service is a small in-memory Service with one app, blog, that is also its AppService: the seam
// between the API and the daemon, whose real behaviour the daemon's end-to-end tests cover.
type service struct {
	busy bool
	log  *applog.Log
	// several makes a request that names no app ambiguous.
	several bool
	hosts   []string
	traffic Traffic
}

func (s *service) App(name string) (AppService, error) {
	switch {
	case name == "blog", name == "" && !s.several:
		return s, nil
	case name == "":
		return nil, fmt.Errorf("%w on this server (api, blog): name one with --app", ErrAmbiguous)
	}
	return nil, fmt.Errorf("%w %q", ErrNoApp, name)
}
func (s *service) ForDeploy(name, source string) (AppService, error) { return s.App(name) }
func (s *service) Daemon() DaemonInfo                                { return DaemonInfo{Pid: 7, Apps: 1} }
func (s *service) Apps(ctx context.Context) []AppInfo {
	return []AppInfo{{Name: "blog", Hosts: s.hosts, Live: "v1"}}
}
func (s *service) CreateApp(req AppRequest) (AppInfo, error) {
	if req.Name == "blog" {
		return AppInfo{}, fmt.Errorf("%w: blog", ErrExists)
	}
	if req.Name == "Bad" {
		return AppInfo{}, errors.New(`not an app name: "Bad"`)
	}
	return AppInfo{Name: req.Name, Hosts: req.Hosts}, nil
}
func (s *service) ChangeSettings(app string, req SettingsRequest) (AppInfo, error) {
	if app != "blog" {
		return AppInfo{}, fmt.Errorf("%w %q", ErrNoApp, app)
	}
	info := AppInfo{Name: app}
	if req.HSTS != nil {
		info.Hosts = []string{"hsts=" + *req.HSTS}
	}
	return info, nil
}

func (s *service) ChangeHosts(app string, req HostsRequest) (AppInfo, error) {
	if _, err := s.App(app); err != nil {
		return AppInfo{}, err
	}
	s.hosts = append(s.hosts, req.Add...)
	return AppInfo{Name: app, Hosts: s.hosts}, nil
}
func (s *service) DestroyApp(ctx context.Context, app string) error {
	if s.busy {
		return fmt.Errorf("%w (v2, deploy of x)", ErrBusy)
	}
	_, err := s.App(app)
	return err
}

func (s *service) Deploy(ctx context.Context, req deploy.Request, emit func(deploy.Event)) (*release.Release, error) {
	if s.busy {
		return nil, fmt.Errorf("%w (deploy of x, started 3s ago): wait for it to finish", ErrBusy)
	}
	emit(deploy.Event{Step: "prepare", Kind: deploy.StepStart})
	emit(deploy.Event{Step: "prepare", Kind: deploy.StepFail, Message: "no Procfile"})
	if req.Source == "bad" {
		return &release.Release{ID: "v2", Status: release.Failed}, errors.New("prepare: no Procfile")
	}
	return &release.Release{ID: "v2", Status: release.Live}, nil
}

func (s *service) Abort(ctx context.Context) (AbortResult, error) {
	if !s.busy {
		return AbortResult{}, fmt.Errorf("%w: there is nothing to abort", ErrNoDeploy)
	}
	return AbortResult{Release: "v2", Aborted: true, Live: "v1"}, nil
}

func (s *service) Promote(ctx context.Context) (PromoteResult, error) {
	if !s.busy {
		return PromoteResult{}, fmt.Errorf("%w: no release is baking", ErrNoDeploy)
	}
	return PromoteResult{Release: "v2"}, nil
}

func (s *service) Scale(ctx context.Context, req ScaleRequest) (ScaleResult, error) {
	if s.busy {
		return ScaleResult{}, fmt.Errorf("%w: a deploy runs", ErrBusy)
	}
	return ScaleResult{Release: "v1", Formation: req.Scale, Log: []string{"web.2 started"}}, nil
}

func (s *service) RunEnv() (RunEnv, error) {
	if s.busy {
		return RunEnv{}, errors.New("no release is live yet: deploy one first")
	}
	return RunEnv{Release: "v1", Dir: "/srv/v1", Env: []string{"A=b"}}, nil
}

func (s *service) Status(ctx context.Context) Status { return Status{Live: "v1", InFlight: 2} }
func (s *service) Upgrade(ctx context.Context, req UpgradeRequest) (int, error) {
	if req.Binary == "/broken" {
		return 0, errors.New("the new daemon exited before it was ready: exit status 1; the daemon (pid 1) serves on")
	}
	return 4242, nil
}
func (s *service) Releases() ([]*release.Release, []release.Damaged, error) {
	return []*release.Release{{ID: "v1"}}, []release.Damaged{{ID: "v0", Reason: "record is damaged"}}, nil
}
func (s *service) Prune(keep int) ([]string, error) {
	if s.busy {
		return nil, fmt.Errorf("%w: prune once it is done", ErrBusy)
	}
	return []string{"v" + strconv.Itoa(keep)}, nil
}
func (s *service) Release(id string) (*release.Release, error) {
	if id != "v1" {
		return nil, fmt.Errorf("release %s: %w", id, release.ErrNotFound)
	}
	return &release.Release{ID: "v1"}, nil
}
func (s *service) Tail(n int, proc string) ([]applog.Line, error) {
	if proc == "bogus" {
		return nil, errors.New("no process \"bogus\"")
	}
	return s.log.Tail(n, nil), nil
}
func (s *service) Follow(ctx context.Context, proc string) <-chan applog.Line {
	return s.log.Follow(ctx, nil)
}
func (s *service) Vars() (VarsInfo, error) {
	return VarsInfo{Version: 2, Names: []string{"API_TOKEN"}, Live: "v1", LiveVersion: 1}, nil
}
func (s *service) Var(name string, reveal bool) (VarValue, error) {
	if name != "API_TOKEN" {
		return VarValue{}, fmt.Errorf("%w: %s is not set", ErrNoVar, name)
	}
	if !reveal {
		return VarValue{Name: name, Value: Masked}, nil
	}
	return VarValue{Name: name, Value: "s3cret"}, nil
}
func (s *service) ChangeVars(ctx context.Context, req VarsChange, emit func(deploy.Event)) (*release.Release, error) {
	if s.busy {
		return nil, fmt.Errorf("%w (deploy of x): nothing was stored", ErrBusy)
	}
	for name := range req.Set {
		if name == "1BAD" {
			return nil, fmt.Errorf("%w: %q", vars.ErrInvalidName, name)
		}
	}
	emit(deploy.Event{Kind: deploy.Info, Message: "stored config vars version 3"})
	if req.NoRestart {
		return nil, nil
	}
	return &release.Release{ID: "v2", Status: release.Live, VarsVersion: 3}, nil
}

func (s *service) Pause(req PauseRequest) (Traffic, error) {
	s.traffic.Paused, s.traffic.PauseTimeout = true, req.Timeout
	return s.traffic, nil
}
func (s *service) Resume() (Traffic, error) {
	t := s.traffic
	s.traffic.Paused, t.Paused, t.Released = false, false, 3
	return t, nil
}
func (s *service) Maintenance(req MaintenanceRequest) (Traffic, error) {
	if len(req.Allow) > 0 && req.Allow[0] == "bogus" {
		return Traffic{}, errors.New(`allow "bogus": not an address or network`)
	}
	s.traffic.Maintenance, s.traffic.Message, s.traffic.Allow = req.On, req.Message, req.Allow
	return s.traffic, nil
}

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
