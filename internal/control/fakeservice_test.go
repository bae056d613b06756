package control

import (
	"context"
	"errors"
	"fmt"
	"strconv"

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
