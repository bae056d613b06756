package bench

import (
	"context"
	"errors"
	"testing"

	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/proxy"
)

// TestBenchAppService: the bench's one app is found by its name only; it reads its status from
// the proxy and does nothing that changes state.
func TestBenchAppService(t *testing.T) {
	p := proxy.New(proxy.Options{})
	src := benchSource{p: p}
	if _, err := src.App("other"); !errors.Is(err, control.ErrNoApp) {
		t.Errorf("App(other): got %v, want ErrNoApp", err)
	}
	app, err := src.App(BenchApp)
	if err != nil {
		t.Fatal(err)
	}
	if st := app.Status(context.Background()); st.App != BenchApp || st.Live != "" || len(st.Processes) != 0 {
		t.Errorf("status before a pool: got %+v, want the app, nothing live", st)
	}
	p.Switch(proxy.NewPool(BenchApp, []proxy.Backend{{Addr: closedAddr(t), Name: "web.1"}}))
	st := app.Status(context.Background())
	if st.Live != BenchApp || len(st.Processes) != 1 || st.Processes[0].Health != "unhealthy: no answer" {
		t.Errorf("status of a pool whose backend is gone: got %+v, want %s live, web.1 unhealthy", st, BenchApp)
	}
	if rels, damaged, err := app.Releases(); len(rels)+len(damaged) != 0 || err != nil {
		t.Errorf("releases: got %v, %v, %v; want none", rels, damaged, err)
	}
	calls := map[string]func() error{
		"Deploy":  func() error { _, err := app.Deploy(context.Background(), deploy.Request{}, nil); return err },
		"Abort":   func() error { _, err := app.Abort(context.Background()); return err },
		"Scale":   func() error { _, err := app.Scale(context.Background(), control.ScaleRequest{}); return err },
		"Pause":   func() error { _, err := app.Pause(control.PauseRequest{}); return err },
		"Resume":  func() error { _, err := app.Resume(); return err },
		"Vars":    func() error { _, err := app.Vars(); return err },
		"Release": func() error { _, err := app.Release("x"); return err },
		"Tail":    func() error { _, err := app.Tail(10, ""); return err },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			if err := call(); !errors.Is(err, errNotInBench) {
				t.Errorf("got %v, want errNotInBench", err)
			}
		})
	}
	if _, open := <-app.Follow(context.Background(), ""); open {
		t.Error("Follow: got a line, want the channel closed")
	}
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}
