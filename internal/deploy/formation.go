package deploy

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/cutover-dev/cutover/internal/applog"
	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/process"
	"github.com/cutover-dev/cutover/internal/procfile"
	"github.com/cutover-dev/cutover/internal/proxy"
	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/socket"
)

// Formation is the running processes of one release: web processes behind a proxy pool, and the
// other process types (workers).
//
// In socket mode the web processes accept on the daemon's public socket themselves; their pool then
// has that socket as its one backend, so keep-alive connections the proxy still holds from an older
// release reach them too.
type Formation struct {
	Release  *release.Release
	Config   config.Config
	Procfile *procfile.Procfile
	Pool     *proxy.Pool

	web      *process.Group
	others   *process.Group
	ports    map[string]int   // web process name → its private port ($PORT)
	shared   *socket.Shared   // socket mode: the socket the web processes inherited
	notifier *socket.Notifier // socket mode, while booting: where they say READY=1
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
	f.booted()
	return f.stopGroups(f.web, f.others)
}

// booted ends the boot of the formation's web processes: their notify socket closes.
func (f *Formation) booted() {
	if f.notifier != nil {
		f.notifier.Close()
		f.notifier = nil
	}
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
	shared *socket.Shared // the public socket, for socket mode
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

// startWeb starts scale web processes, each with a free private port, and returns a formation
// without a pool. In socket mode they also inherit the public socket.
func (s spawner) startWeb(pf *procfile.Procfile) (*Formation, error) {
	web, _ := pf.Get(procfile.Web)
	f := &Formation{Release: s.rel, Config: s.cfg, Procfile: pf, web: process.NewGroup(s.logger), ports: map[string]int{}}
	if s.cfg.Mode == config.ModeSocket {
		if s.shared == nil {
			return nil, errors.New(`mode = "socket" needs the daemon's public socket: deploy through ` + "`cutover serve`")
		}
		n, err := socket.NewNotifier()
		if err != nil {
			return nil, err
		}
		f.shared, f.notifier = s.shared, n
	}
	for i := 1; i <= max(1, s.cfg.ScaleOf(procfile.Web)); i++ {
		name := fmt.Sprintf("%s.%d", procfile.Web, i)
		port, err := freePort()
		if err != nil {
			f.Stop()
			return nil, err
		}
		if _, err := f.web.Start(s.webSpec(f, name, web.Command, port)); err != nil {
			f.Stop()
			return nil, fmt.Errorf("start %s: %w", name, err)
		}
		f.ports[name] = port
	}
	return f, nil
}

// webSpec is the Spec of a web process. In socket mode it inherits the public socket as fd 3, under
// the systemd socket activation protocol, and gets a NOTIFY_SOCKET to say READY=1 on.
func (s spawner) webSpec(f *Formation, name, command string, port int) process.Spec {
	if f.shared == nil {
		return s.spec(name, command, port)
	}
	spec := s.spec(name, socket.ActivationCommand(command), port)
	spec.Env = append(spec.Env, socket.ActivationEnv("http")...)
	spec.Env = append(spec.Env, f.notifier.Env())
	spec.ExtraFiles = []*os.File{f.shared.File()}
	return spec
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

// backends is the proxy's view of the formation's web processes: in socket mode, the socket they
// accept on.
func (f *Formation) backends() []proxy.Backend {
	if f.shared != nil {
		return []proxy.Backend{{Name: "web (socket)", Addr: f.shared.DialAddr()}}
	}
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
