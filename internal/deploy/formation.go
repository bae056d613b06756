package deploy

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/cutover-dev/cutover/internal/applog"
	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/process"
	"github.com/cutover-dev/cutover/internal/procfile"
	"github.com/cutover-dev/cutover/internal/proxy"
	"github.com/cutover-dev/cutover/internal/release"
)

// Formation is the running processes of one release: web processes behind a proxy pool, and the
// other process types (workers).
type Formation struct {
	Release  *release.Release
	Config   config.Config
	Procfile *procfile.Procfile
	Pool     *proxy.Pool

	web    *process.Group
	others *process.Group
	ports  map[string]int // web process name → port
}

// ProcessInfo describes one running process for `cutover status`.
type ProcessInfo struct {
	Name    string    `json:"name"`
	Pid     int       `json:"pid"`
	Port    int       `json:"port,omitempty"`
	Started time.Time `json:"started"`
}

// Processes lists the formation's processes, web first.
func (f *Formation) Processes() []ProcessInfo {
	var out []ProcessInfo
	for _, g := range []*process.Group{f.web, f.others} {
		if g == nil {
			continue
		}
		for _, p := range g.Processes() {
			out = append(out, ProcessInfo{Name: p.Name(), Pid: p.Pid(), Port: f.ports[p.Name()], Started: p.Started()})
		}
	}
	return out
}

// HealthURL is the health check address of a web process.
func (f *Formation) HealthURL(name string) string {
	return "http://127.0.0.1:" + strconv.Itoa(f.ports[name]) + f.Config.HealthPath
}

// Stop stops every process of the formation: SIGTERM, then SIGKILL after the stop timeout.
func (f *Formation) Stop() error {
	return f.stopGroups(f.web, f.others)
}

func (f *Formation) stopGroups(groups ...*process.Group) error {
	var errs []error
	for _, g := range groups {
		if g != nil {
			errs = append(errs, g.Stop(time.Duration(f.Config.StopTimeout)))
		}
	}
	return errors.Join(errs...)
}

// spawner starts the processes of one release with the app's environment.
type spawner struct {
	rel    *release.Release
	cfg    config.Config
	env    []string
	log    *applog.Log
	logger *slog.Logger
}

// environ is the environment of a process of the release.
func (s spawner) environ(name string, port int) []string {
	env := append([]string{}, s.env...)
	for k, v := range s.cfg.Env {
		env = append(env, k+"="+v)
	}
	env = append(env, "CUTOVER_RELEASE="+s.rel.ID, "CUTOVER_PROCESS="+name)
	if port > 0 {
		env = append(env, "PORT="+strconv.Itoa(port))
	}
	return env
}

func (s spawner) spec(name, command string, port int) process.Spec {
	return process.Spec{
		Name:    name,
		Command: command,
		Dir:     s.rel.Dir,
		Env:     s.environ(name, port),
		Stdout:  s.log.Writer(s.rel.ID, name, "stdout"),
		Stderr:  s.log.Writer(s.rel.ID, name, "stderr"),
	}
}

// startWeb starts scale web processes, each on a free port, and returns a formation without a pool.
func (s spawner) startWeb(pf *procfile.Procfile) (*Formation, error) {
	web, _ := pf.Get(procfile.Web)
	f := &Formation{Release: s.rel, Config: s.cfg, Procfile: pf, web: process.NewGroup(s.logger), ports: map[string]int{}}
	for i := 1; i <= max(1, s.cfg.ScaleOf(procfile.Web)); i++ {
		name := fmt.Sprintf("%s.%d", procfile.Web, i)
		port, err := freePort()
		if err != nil {
			f.Stop()
			return nil, err
		}
		if _, err := f.web.Start(s.spec(name, web.Command, port)); err != nil {
			f.Stop()
			return nil, fmt.Errorf("start %s: %w", name, err)
		}
		f.ports[name] = port
	}
	return f, nil
}

// startOthers starts the non-web process types (workers) of the formation.
func (s spawner) startOthers(f *Formation) error {
	f.others = process.NewGroup(s.logger)
	for _, p := range f.Procfile.Services() {
		if p.Name == procfile.Web {
			continue
		}
		for i := 1; i <= s.cfg.ScaleOf(p.Name); i++ {
			name := fmt.Sprintf("%s.%d", p.Name, i)
			if _, err := f.others.Start(s.spec(name, p.Command, 0)); err != nil {
				return fmt.Errorf("start %s: %w", name, err)
			}
		}
	}
	f.others.Supervise()
	return nil
}

// backends is the proxy's view of the formation's web processes.
func (f *Formation) backends() []proxy.Backend {
	var out []proxy.Backend
	for _, p := range f.web.Processes() {
		out = append(out, proxy.Backend{Name: p.Name(), Addr: "127.0.0.1:" + strconv.Itoa(f.ports[p.Name()])})
	}
	return out
}

// freePort asks the kernel for a port nothing listens on.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
