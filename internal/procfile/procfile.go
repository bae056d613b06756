// Package procfile parses a Procfile: one process type per line, as Heroku and foreman read it.
//
//	web: bundle exec puma -p $PORT
//	worker: bundle exec sidekiq
//	release: bundle exec rails db:migrate
//	postdeploy: bundle exec rails db:migrate
//
// Blank lines and lines starting with # are ignored. The `release` and `postdeploy` types are not
// long-running processes: `release` is the release-phase command, run once per deploy before any
// traffic moves; `postdeploy` runs once the old release has stopped, for contract migrations.
package procfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// Name of the process type that serves HTTP and receives traffic.
const Web = "web"

// Name of the process type that is run once per deploy, before traffic moves.
const Release = "release"

// Name of the process type that is run once per deploy, after the old release has stopped.
const Postdeploy = "postdeploy"

// Name of the process type that is run once per deploy, first, to build the release from its
// source (as cutover.toml's build setting).
const Build = "build"

// ErrNoWeb is returned by Validate when a Procfile declares no web process.
var ErrNoWeb = errors.New("the Procfile has no web process: add a line like `web: ./server --port $PORT`")

// nameRE is the set of process type names Heroku accepts.
var nameRE = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Process is one line of a Procfile.
type Process struct {
	Name    string `json:"name"`
	Command string `json:"command"`
	Line    int    `json:"line"`
}

// Procfile is a parsed Procfile, its processes in file order.
type Procfile struct {
	Processes []Process `json:"processes"`
}

// SyntaxError is a malformed Procfile line.
type SyntaxError struct {
	File string
	Line int
	Msg  string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s line %d: %s", e.File, e.Line, e.Msg)
}

// ParseFile reads and parses the Procfile at path.
func ParseFile(path string) (*Procfile, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no Procfile in the app: create %s with a line like `web: ./server --port $PORT`: %w", path, err)
		}
		return nil, fmt.Errorf("read Procfile: %w", err)
	}
	defer f.Close()
	return Parse(f, "Procfile")
}

// Parse parses a Procfile; file names the source in errors.
func Parse(r io.Reader, file string) (*Procfile, error) {
	pf := &Procfile{}
	seen := map[string]int{}
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		text := sc.Text()
		if n == 1 {
			text = strings.TrimPrefix(text, "\uFEFF") // a byte order mark some Windows editors write
		}
		line := strings.TrimSpace(text)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, cmd, ok := strings.Cut(line, ":")
		if !ok {
			return nil, &SyntaxError{file, n, fmt.Sprintf("expected `name: command`, got %q", line)}
		}
		name, cmd = strings.TrimSpace(name), strings.TrimSpace(cmd)
		switch {
		case !nameRE.MatchString(name):
			return nil, &SyntaxError{file, n, fmt.Sprintf("process type %q may use only letters, digits, _ and -", name)}
		case cmd == "":
			return nil, &SyntaxError{file, n, fmt.Sprintf("process type %q has no command", name)}
		case seen[name] != 0:
			return nil, &SyntaxError{file, n, fmt.Sprintf("process type %q is already declared on line %d", name, seen[name])}
		}
		seen[name] = n
		pf.Processes = append(pf.Processes, Process{Name: name, Command: cmd, Line: n})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	return pf, nil
}

// Validate checks what a deploy needs: a web process.
func (pf *Procfile) Validate() error {
	if _, ok := pf.Get(Web); !ok {
		return ErrNoWeb
	}
	return nil
}

// Get returns the process type called name.
func (pf *Procfile) Get(name string) (Process, bool) {
	for _, p := range pf.Processes {
		if p.Name == name {
			return p, true
		}
	}
	return Process{}, false
}

// Services returns the long-running process types: every type except build, release and
// postdeploy.
func (pf *Procfile) Services() []Process {
	var out []Process
	for _, p := range pf.Processes {
		if p.Name != Release && p.Name != Postdeploy && p.Name != Build {
			out = append(out, p)
		}
	}
	return out
}
