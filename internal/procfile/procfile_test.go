package procfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	src := "# app\nweb: ./server -p $PORT\n\nworker:   sidekiq -c 5  \nrelease: rake db:migrate\n"
	pf, err := Parse(strings.NewReader(src), "Procfile")
	if err != nil {
		t.Fatal(err)
	}
	want := []Process{
		{"web", "./server -p $PORT", 2},
		{"worker", "sidekiq -c 5", 4},
		{"release", "rake db:migrate", 5},
	}
	if len(pf.Processes) != len(want) {
		t.Fatalf("got %d processes, want %d", len(pf.Processes), len(want))
	}
	for i, p := range pf.Processes {
		if p != want[i] {
			t.Errorf("process %d: got %+v, want %+v", i, p, want[i])
		}
	}
	if err := pf.Validate(); err != nil {
		t.Errorf("Validate: got %v, want nil", err)
	}
	if got := len(pf.Services()); got != 2 {
		t.Errorf("Services: got %d, want 2", got)
	}
	if cmd, ok := pf.Get(Release); !ok || cmd.Command != "rake db:migrate" {
		t.Errorf("Get(release): got %+v %v", cmd, ok)
	}
}

// TestParseByteOrderMark: a Procfile a Windows editor saved with a byte order mark parses as
// without it.
func TestParseByteOrderMark(t *testing.T) {
	pf, err := Parse(strings.NewReader("\uFEFFweb: ./server\n"), "Procfile")
	if err != nil || len(pf.Processes) != 1 || pf.Processes[0].Name != "web" {
		t.Fatalf("got %+v, %v; want web", pf, err)
	}
}

// postdeploy, like release, is a command run once per deploy, not a process to keep running.
func TestPostdeployIsNoService(t *testing.T) {
	pf, err := Parse(strings.NewReader("web: a\npostdeploy: rake db:migrate\n"), "Procfile")
	if err != nil {
		t.Fatal(err)
	}
	if got := pf.Services(); len(got) != 1 || got[0].Name != Web {
		t.Errorf("Services: got %+v, want only web", got)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src string
		line      int
		msg       string
	}{
		{"no colon", "web: ok\nthis is not a process\n", 2, "expected `name: command`"},
		{"empty command", "web:\n", 1, "has no command"},
		{"bad name", "web app: x\n", 1, "may use only letters"},
		{"duplicate", "web: a\nworker: b\nweb: c\n", 3, "already declared on line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.src), "Procfile")
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want a *SyntaxError", err)
			}
			if se.Line != tt.line {
				t.Errorf("got line %d, want %d", se.Line, tt.line)
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "Procfile line ") {
				t.Errorf("got %q, want it to name the line and contain %q", err, tt.msg)
			}
		})
	}
}

func TestValidateNoWeb(t *testing.T) {
	pf, err := Parse(strings.NewReader("worker: x\n"), "Procfile")
	if err != nil {
		t.Fatal(err)
	}
	if err := pf.Validate(); !errors.Is(err, ErrNoWeb) {
		t.Errorf("got %v, want ErrNoWeb", err)
	}
}

func TestParseFileMissing(t *testing.T) {
	_, err := ParseFile(filepath.Join(t.TempDir(), "Procfile"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "create") {
		t.Errorf("got %v, want a not-exist error that says what to create", err)
	}
}
