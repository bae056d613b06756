package deploy

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cutover-dev/cutover/internal/applog"
	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/freeport"
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
	portsMu  sync.Mutex
	ports    map[string]int   // web process name → its private port ($PORT); guarded by portsMu (a scale changes it)
	shared   *socket.Shared   // socket mode: the socket the web processes inherited
	notifier *socket.Notifier // socket mode, while booting: where they say READY=1

	readyMu sync.Mutex
	ready   map[string]string // socket mode: web process name → how its boot check saw it ready
}

// ProcessInfo describes one running process for `cutover status`.
type ProcessInfo struct {
	Name    string    `json:"name"`
	Pid     int       `json:"pid"`
	Port    int       `json:"port,omitempty"`
	Started time.Time `json:"started"`
	// Restarts, LastExit and Loop are its history under supervision: see process.State.
	Restarts int           `json:"restarts"`
	LastExit *process.Exit `json:"last_exit,omitempty"`
	Loop     *process.Loop `json:"crash_loop,omitempty"`
}

// Processes lists the formation's processes, web first.
func (f *Formation) Processes() []ProcessInfo {
	var out []ProcessInfo
	for _, g := range []*process.Group{f.web, f.others} {
		if g == nil {
			continue
		}
		for _, st := range g.States() {
			p := st.Process
			out = append(out, ProcessInfo{Name: p.Name(), Pid: p.Pid(), Port: f.port(p.Name()), Started: p.Started(),
				Restarts: st.Restarts, LastExit: st.LastExit, Loop: st.Loop})
		}
	}
	return out
}

// ProcessTypes names what writes to the release's log: its Procfile's types, and "build" and
// "release" even when the Procfile has no such line (cutover.toml's build; older logs).
func (f *Formation) ProcessTypes() []string {
	types := []string{procfile.Build, procfile.Release}
	for _, p := range f.Procfile.Processes {
		if !slices.Contains(types, p.Name) {
			types = append(types, p.Name)
		}
	}
	return types
}

// HealthURL is the health check address of a web process.
func (f *Formation) HealthURL(name string) string {
	return "http://127.0.0.1:" + strconv.Itoa(f.port(name)) + f.Config.HealthPath
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
	shared *socket.Shared // the socket a socket-mode release serves on itself
	// sharedErr says why a socket-mode release has none.
	sharedErr error

	cgroups *process.Cgroups // nil: process groups only
	state   string           // the state directory, where app processes record their pids
	vars    []string         // the app's config vars, NAME=VALUE, over cfg.Env
}

// environ is the environment of a process of the release.
func (s spawner) environ(name string, port int) []string {
	env := append([]string{}, s.env...)
	for k, v := range s.cfg.Env {
		env = append(env, k+"="+v)
	}
	// Of duplicate names, exec takes the last: config vars win over [env], PORT and ours over both.
	env = append(env, s.vars...)
	env = append(env, "CUTOVER_RELEASE="+s.rel.ID, "CUTOVER_PROCESS="+name)
	if port > 0 {
		env = append(env, "PORT="+strconv.Itoa(port))
	}
	return env
}

func (s spawner) spec(name, command string, port int) process.Spec {
	spec := process.Spec{
		Name:    name,
		Command: command,
		Dir:     s.rel.Dir,
		Env:     s.environ(name, port),
		Stdout:  s.log.Writer(s.rel.ID, name, "stdout"),
		Stderr:  s.log.Writer(s.rel.ID, name, "stderr"),
	}
	if s.cgroups != nil {
		spec.Cgroup = s.cgroups.Path(s.rel.ID, name) // what it leaves behind, even with setsid, dies with it
	}
	return spec
}

// startWeb starts scale web processes, each with a free private port, and returns a formation
// without a pool. In socket mode they also inherit the public socket.
func (s spawner) startWeb(pf *procfile.Procfile) (*Formation, error) {
	web, _ := pf.Get(procfile.Web)
	f := &Formation{Release: s.rel, Config: s.cfg, Procfile: pf, web: process.NewGroup(s.logger), ports: map[string]int{}}
	if s.cfg.Mode == config.ModeSocket {
		if s.sharedErr != nil {
			return nil, s.sharedErr
		}
		if s.shared == nil {
			return nil, errors.New(`mode = "socket" needs the daemon's public socket to itself, so only the one app of a daemon with no other can have it: deploy it through ` + "`cutover serve`" + ` with no other app, give it a socket of its own (listen = \":9000\" in cutover.toml), or use mode = "proxy"`)
		}
		n, err := socket.NewNotifier()
		if err != nil {
			return nil, err
		}
		f.shared, f.notifier = s.shared, n
	}
	for i := 1; i <= max(1, s.cfg.ScaleOf(procfile.Web)); i++ {
		name := fmt.Sprintf("%s.%d", procfile.Web, i)
		port, err := freeport.Pick()
		if err != nil {
			f.Stop()
			return nil, err
		}
		if _, err := f.web.Start(s.webSpec(f, name, web.Command, port)); err != nil {
			f.Stop()
			return nil, fmt.Errorf("start %s: %w", name, err)
		}
		f.setPort(name, port)
	}
	return f, nil
}

// appSpec is the Spec of a web or worker process: unlike the release command, it outlives the
// daemon, for the next one to adopt at an upgrade.
func (s spawner) appSpec(name, command string, port int) process.Spec {
	spec := s.spec(name, command, port)
	spec.KeepOnExit = true
	// Outliving the daemon, it must be found again if the daemon dies: by its cgroup, which it
	// cannot leave, or by its pid record, which it cannot overwrite as it can its environment.
	if s.state != "" {
		spec.PidDir = filepath.Join(s.state, process.PidDirName)
	}
	return spec
}

// webSpec is the Spec of a web process. In socket mode it inherits the public socket as fd 3, under
// the systemd socket activation protocol, and while the formation boots it gets a NOTIFY_SOCKET to
// say READY=1 on.
func (s spawner) webSpec(f *Formation, name, command string, port int) process.Spec {
	if f.shared == nil {
		return s.appSpec(name, command, port)
	}
	spec := s.appSpec(name, socket.ActivationCommand(command), port)
	spec.Env = append(spec.Env, socket.ActivationEnv("http")...)
	if f.notifier != nil {
		spec.Env = append(spec.Env, f.notifier.Env())
	}
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
			if _, err := f.others.Start(s.appSpec(name, p.Command, 0)); err != nil {
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
		out = append(out, proxy.Backend{Name: p.Name(), Addr: "127.0.0.1:" + strconv.Itoa(f.port(p.Name()))})
	}
	return out
}

// port is the private port of the web process name, 0 for none.
func (f *Formation) port(name string) int {
	f.portsMu.Lock()
	defer f.portsMu.Unlock()
	return f.ports[name]
}

// setPort records the private port of the web process name; 0 forgets it.
func (f *Formation) setPort(name string, port int) {
	f.portsMu.Lock()
	defer f.portsMu.Unlock()
	if port == 0 {
		delete(f.ports, name)
		return
	}
	f.ports[name] = port
}

// Handover describes a running formation for the daemon that adopts it at an upgrade.
type Handover struct {
	Release   string          `json:"release"`
	Processes []HandedProcess `json:"processes"`
}

// HandedProcess is one process of a Handover. The read ends of its output pipes are handed over
// beside it, as files named Name+".stdout" and Name+".stderr".
type HandedProcess struct {
	Name    string    `json:"name"`
	Web     bool      `json:"web,omitempty"`
	Pid     int       `json:"pid"`
	Port    int       `json:"port,omitempty"`
	Started time.Time `json:"started"`
}

// Handover describes the formation for the daemon that adopts it, with the files to hand it.
func (f *Formation) Handover() (Handover, []socket.NamedFile) {
	h := Handover{Release: f.Release.ID}
	var files []socket.NamedFile
	for _, g := range []*process.Group{f.web, f.others} {
		if g == nil {
			continue
		}
		for _, p := range g.Processes() {
			h.Processes = append(h.Processes, HandedProcess{
				Name: p.Name(), Web: g == f.web, Pid: p.Pid(), Port: f.port(p.Name()), Started: p.Started(),
			})
			stdout, stderr := p.Output()
			files = append(files, socket.NamedFile{Name: p.Name() + ".stdout", File: stdout},
				socket.NamedFile{Name: p.Name() + ".stderr", File: stderr})
		}
	}
	return h, files
}

// Disown lets go of the formation's processes, which run on for the daemon that adopted them.
func (f *Formation) Disown() {
	f.booted()
	for _, g := range []*process.Group{f.web, f.others} {
		if g != nil {
			g.Disown()
		}
	}
}

// Adopt takes over a formation the daemon before an upgrade handed over: its processes run on,
// watched and supervised by this daemon now, their output read from the files file returns.
func (d *Deployer) Adopt(h Handover, file func(name string) *os.File) (*Formation, error) {
	rel, err := d.Store.Get(h.Release)
	if err != nil {
		return nil, fmt.Errorf("adopt %s: %w", h.Release, err)
	}
	pf, cfg, _, err := loadApp(rel.Dir, rel.Config)
	if err != nil {
		return nil, fmt.Errorf("adopt %s: %w", rel.ID, err)
	}
	vv, err := d.varsOf(rel)
	if err != nil {
		return nil, fmt.Errorf("adopt %s: %w", rel.ID, err)
	}
	s := spawner{rel: rel, cfg: cfg, env: d.environ(), log: d.Log, logger: d.logger(),
		cgroups: d.Cgroups, state: d.Store.Dir(), vars: vv.Environ()}
	f := &Formation{Release: rel, Config: cfg, Procfile: pf, web: process.NewGroup(s.logger),
		others: process.NewGroup(s.logger), ports: map[string]int{}}
	if cfg.Mode == config.ModeSocket {
		if s.shared, err = d.sharedFor(cfg); err != nil {
			return nil, fmt.Errorf("adopt %s: %w", rel.ID, err)
		}
		f.shared = s.shared
	}
	for _, hp := range h.Processes {
		kind, _, _ := strings.Cut(hp.Name, ".")
		cmd, ok := pf.Get(kind)
		if !ok {
			return nil, fmt.Errorf("adopt %s: %s is not in the Procfile", rel.ID, hp.Name)
		}
		g, spec := f.others, s.appSpec(hp.Name, cmd.Command, 0)
		if hp.Web {
			g, spec = f.web, s.webSpec(f, hp.Name, cmd.Command, hp.Port)
			f.setPort(hp.Name, hp.Port)
		}
		if _, err := g.Adopt(spec, hp.Pid, hp.Started, file(hp.Name+".stdout"), file(hp.Name+".stderr")); err != nil {
			return nil, err
		}
	}
	f.Pool = proxy.NewPool(rel.ID, f.backends())
	f.web.Supervise()
	f.others.Supervise()
	return f, nil
}

// RunEnv is the environment of a one-off process of f's release (`cutover run`): its processes'
// own, config vars included, without the marker that finds app processes after a crash, so that
// a console left open is not taken for an orphan of the daemon and killed.
func (d *Deployer) RunEnv(f *Formation) ([]string, error) {
	vv, err := d.varsOf(f.Release)
	if err != nil {
		return nil, fmt.Errorf("the config vars of %s: %w", f.Release.ID, err)
	}
	s := spawner{rel: f.Release, cfg: f.Config, env: socket.CleanEnv(d.Env), vars: vv.Environ()}
	return s.environ("run", 0), nil
}
