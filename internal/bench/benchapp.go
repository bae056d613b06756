package bench

import (
	"context"
	"errors"
	"time"

	"github.com/cutover-dev/cutover/internal/applog"
	"github.com/cutover-dev/cutover/internal/apps"
	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/proxy"
	"github.com/cutover-dev/cutover/internal/release"
)

// errNotInBench answers what the bench's app does not do: it has no releases on disk, no
// processes of its own, no config vars.
var errNotInBench = errors.New("the bench's app has no release store, processes or config vars: use cutover serve for that")

// benchAppService is the bench's app as the dashboard reads it: its status, as apps.App.Status
// makes it (the live release, the requests in flight, and each web process health-probed), and
// no releases. What changes state, or reads what the bench does not keep, fails with
// errNotInBench.
type benchAppService struct {
	p       *proxy.Proxy
	started time.Time // when the process began: its web process's start
}

// Status implements [control.AppService].
func (a benchAppService) Status(ctx context.Context) control.Status {
	st := control.Status{App: BenchApp, Processes: []control.ProcessState{}}
	pool := a.p.Current()
	if pool == nil {
		return st
	}
	st.Live, st.InFlight = pool.Release(), pool.InFlight()
	for _, b := range pool.Backends() {
		st.Processes = append(st.Processes, control.ProcessState{Release: st.Live, Name: b.Name, Started: a.started,
			Health: apps.Probe(ctx, "http://"+b.Addr+"/")})
	}
	return st
}

// Releases implements [control.AppService]: the bench keeps none.
func (a benchAppService) Releases() ([]*release.Release, []release.Damaged, error) {
	return nil, nil, nil
}

// Deploy implements [control.AppService]; it fails with errNotInBench.
func (a benchAppService) Deploy(context.Context, deploy.Request, func(deploy.Event)) (*release.Release, error) {
	return nil, errNotInBench
}

// Abort implements [control.AppService]; it fails with errNotInBench.
func (a benchAppService) Abort(context.Context) (control.AbortResult, error) {
	return control.AbortResult{}, errNotInBench
}

// Promote implements [control.AppService]; it fails with errNotInBench.
func (a benchAppService) Promote(context.Context) (control.PromoteResult, error) {
	return control.PromoteResult{}, errNotInBench
}

// Scale implements [control.AppService]; it fails with errNotInBench.
func (a benchAppService) Scale(context.Context, control.ScaleRequest) (control.ScaleResult, error) {
	return control.ScaleResult{}, errNotInBench
}

// RunEnv implements [control.AppService]; it fails with errNotInBench.
func (a benchAppService) RunEnv() (control.RunEnv, error) { return control.RunEnv{}, errNotInBench }

// Prune implements [control.AppService]; it fails with errNotInBench.
func (a benchAppService) Prune(int) ([]string, error) { return nil, errNotInBench }

// Release implements [control.AppService]; it fails with errNotInBench.
func (a benchAppService) Release(string) (*release.Release, error) { return nil, errNotInBench }

// Tail implements [control.AppService]; it fails with errNotInBench.
func (a benchAppService) Tail(int, string) ([]applog.Line, error) { return nil, errNotInBench }

// Follow implements [control.AppService]: a closed channel, as there are no lines.
func (a benchAppService) Follow(context.Context, string) <-chan applog.Line {
	ch := make(chan applog.Line)
	close(ch)
	return ch
}

// Pause implements [control.AppService]; it fails with errNotInBench.
func (a benchAppService) Pause(control.PauseRequest) (control.Traffic, error) {
	return control.Traffic{}, errNotInBench
}

// Resume implements [control.AppService]; it fails with errNotInBench.
func (a benchAppService) Resume() (control.Traffic, error) { return control.Traffic{}, errNotInBench }

// Maintenance implements [control.AppService]; it fails with errNotInBench.
func (a benchAppService) Maintenance(control.MaintenanceRequest) (control.Traffic, error) {
	return control.Traffic{}, errNotInBench
}

// Vars implements [control.AppService]; it fails with errNotInBench.
func (a benchAppService) Vars() (control.VarsInfo, error) { return control.VarsInfo{}, errNotInBench }

// Var implements [control.AppService]; it fails with errNotInBench.
func (a benchAppService) Var(string, bool) (control.VarValue, error) {
	return control.VarValue{}, errNotInBench
}

// ChangeVars implements [control.AppService]; it fails with errNotInBench.
func (a benchAppService) ChangeVars(context.Context, control.VarsChange, func(deploy.Event)) (*release.Release, error) {
	return nil, errNotInBench
}

var _ control.AppService = benchAppService{}
