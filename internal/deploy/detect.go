package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// serverAdvice looks at the web command of a socket-mode app for server settings, written as the
// server's own docs suggest, that break a socket-mode deploy; it returns what to change, one piece
// of advice per problem.
func serverAdvice(webCommand, appDir string) []string {
	var advice []string
	for _, a := range []string{
		keepAliveAdvice(webCommand, appDir),
		pumaBindAdvice(webCommand, appDir),
		gunicornKeepAliveAdvice(webCommand, appDir),
	} {
		if a != "" {
			advice = append(advice, a)
		}
	}
	return advice
}

// runs reports whether a command runs server (its basename, as `bundle exec puma` or
// `/usr/bin/gunicorn` do, or `python -m gunicorn`), and returns its words.
func runs(command, server string) ([]string, bool) {
	args := strings.Fields(command)
	for i, a := range args {
		if filepath.Base(a) == server || a == "-m" && i+1 < len(args) && args[i+1] == server {
			return args, true
		}
	}
	return args, false
}

// flagValues returns the values of the flags called names in args, in order (as `-b X`,
// `--bind X` or `--bind=X`).
func flagValues(args []string, names ...string) []string {
	var out []string
	for i, a := range args {
		for _, n := range names {
			switch {
			case a == n && i+1 < len(args):
				out = append(out, args[i+1])
			case strings.HasPrefix(n, "--") && strings.HasPrefix(a, n+"="):
				out = append(out, strings.TrimPrefix(a, n+"="))
			}
		}
	}
	return out
}

// readConfig reads a server's config file: the one a flag names, else its default path in the app.
func readConfig(args []string, appDir, def string, flags ...string) (string, string) {
	path := def
	if v := flagValues(args, flags...); len(v) > 0 {
		path = v[len(v)-1]
	}
	full := path
	if !filepath.IsAbs(full) {
		full = filepath.Join(appDir, full)
	}
	b, _ := os.ReadFile(full)
	return path, string(b)
}

var (
	pumaActivatedInConfig = regexp.MustCompile(`(?m)^\s*bind_to_activated_sockets\b(.*)$`)
	pumaBindInConfig      = regexp.MustCompile(`(?m)^\s*(bind|port)\b(.*)$`)
)

// pumaBindAdvice: Puma's --bind-to-activated-sockets takes the shared socket and keeps its other
// binds too; with none given that is its default, tcp://0.0.0.0:9292. The old release's Puma holds
// that port, so the new one fails with "Address already in use" at the second deploy. The same
// holds for any fixed port. `--bind-to-activated-sockets only` (Puma 5.0 on) binds the activated
// sockets alone; a bind to $PORT, which cutover gives each process, is also safe.
func pumaBindAdvice(webCommand, appDir string) string {
	args, ok := runs(webCommand, "puma")
	if !ok {
		return ""
	}
	cfgPath, cfg := readConfig(args, appDir, pumaConfig, "-C", "--config")
	only := false
	activated := false
	for i, a := range args {
		if a == "--bind-to-activated-sockets" {
			activated = true
			only = only || i+1 < len(args) && args[i+1] == "only"
		}
		if a == "--bind-to-activated-sockets=only" {
			activated, only = true, true
		}
	}
	if m := pumaActivatedInConfig.FindStringSubmatch(cfg); m != nil {
		activated = true
		only = only || strings.Contains(m[1], "only")
	}
	if !activated {
		return "web runs Puma without --bind-to-activated-sockets, so it does not take the shared socket cutover passes in socket mode: " +
			"start it with `puma --bind-to-activated-sockets only`"
	}
	if only {
		return ""
	}
	binds := flagValues(args, "-b", "--bind", "-p", "--port")
	for _, m := range pumaBindInConfig.FindAllStringSubmatch(cfg, -1) {
		binds = append(binds, m[2])
	}
	fixed := ""
	for _, b := range binds {
		if !strings.Contains(b, "PORT") {
			fixed = strings.TrimSpace(b)
		}
	}
	switch {
	case len(binds) == 0:
		return "web runs Puma with --bind-to-activated-sockets and no bind of its own, so beside the shared socket it also binds its default port 9292; " +
			"the next deploy's Puma then fails with \"Address already in use\" while the old one still holds it: use `--bind-to-activated-sockets only`"
	case fixed != "":
		return "web runs Puma with --bind-to-activated-sockets and a fixed bind (" + fixed + " in the command or " + cfgPath + "), which it keeps beside the shared socket; " +
			"the next deploy's Puma then fails with \"Address already in use\" while the old one still holds it: use `--bind-to-activated-sockets only`, or bind to $PORT"
	}
	return ""
}

var (
	gunicornThreadsInConfig = regexp.MustCompile(`(?m)^\s*threads\s*=\s*(\d+)`)
	gunicornClassInConfig   = regexp.MustCompile(`(?m)^\s*worker_class\s*=\s*["']([\w.]+)["']`)
	gunicornNoKeepAlive     = regexp.MustCompile(`(?m)^\s*keepalive\s*=\s*0\s*(#.*)?$`)
)

// gunicornKeepAliveAdvice: gunicorn's sync workers close each connection after its response, but
// threaded (--threads above 1, or -k gthread) and async workers (gevent, eventlet, tornado) keep
// connections alive and close the idle ones at SIGTERM without an answer: a client sending a
// request on one just then has it reset (a POST fails, a GET is re-sent). With --keep-alive 0
// every response says Connection: close.
func gunicornKeepAliveAdvice(webCommand, appDir string) string {
	args, ok := runs(webCommand, "gunicorn")
	if !ok {
		return ""
	}
	cfgPath, cfg := readConfig(args, appDir, "gunicorn.conf.py", "-c", "--config")
	if slices.Contains(flagValues(args, "--keep-alive"), "0") || gunicornNoKeepAlive.MatchString(cfg) {
		return ""
	}
	threads := 1
	for _, v := range flagValues(args, "--threads") {
		threads, _ = strconv.Atoi(v)
	}
	if m := gunicornThreadsInConfig.FindStringSubmatch(cfg); m != nil && len(flagValues(args, "--threads")) == 0 {
		threads, _ = strconv.Atoi(m[1])
	}
	class := "sync"
	if m := gunicornClassInConfig.FindStringSubmatch(cfg); m != nil {
		class = m[1]
	}
	if v := flagValues(args, "-k", "--worker-class"); len(v) > 0 {
		class = v[len(v)-1]
	}
	why := ""
	switch {
	case class != "sync" && !strings.HasSuffix(class, ".SyncWorker"):
		why = "its " + class + " workers keep"
	case threads > 1:
		why = "with --threads " + strconv.Itoa(threads) + " its workers are gthread workers, which keep"
	default:
		return ""
	}
	return "web runs gunicorn, and " + why + " connections alive and close the idle ones without an answer when they stop, " +
		"so a client sending a request on one just then has it reset at each deploy (a POST fails): add `--keep-alive 0` " +
		"(or `keepalive = 0` in " + cfgPath + ") and every response says Connection: close"
}
