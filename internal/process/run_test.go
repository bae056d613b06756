package process

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	failing := `i=1; while [ $i -le 25 ]; do echo "line $i"; i=$((i+1)); done; exit 3`
	tests := []struct {
		name        string
		body        string
		timeout     time.Duration
		wantErr     bool
		wantStatus  int
		wantContain []string
		wantMissing []string
	}{
		{name: "success", body: "echo ok", timeout: failAfter},
		{name: "success without timeout", body: "echo ok"},
		{
			name: "failure quotes status and last lines", body: failing, timeout: failAfter,
			wantErr: true, wantStatus: 3,
			wantContain: []string{"release exited with status 3; last output:\n    line 6\n", "    line 25"},
			wantMissing: []string{"line 5\n"},
		},
		{
			name: "failure quotes stderr", body: `echo "ERROR: relation missing" >&2; exit 2`, timeout: failAfter,
			wantErr: true, wantStatus: 2,
			wantContain: []string{"release exited with status 2; last output:\n    ERROR: relation missing"},
		},
		{
			name: "failure without output", body: "exit 4", timeout: failAfter,
			wantErr: true, wantStatus: 4,
			wantContain: []string{"release exited with status 4 (no output)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Run(t.Context(), Spec{Name: "release", Command: script(t, tt.body)}, tt.timeout)
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			var ee *ExitError
			if !errors.As(err, &ee) || ee.Status != tt.wantStatus {
				t.Fatalf("got %v, want an *ExitError with status %d", err, tt.wantStatus)
			}
			for _, s := range tt.wantContain {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("got %q, want it to contain %q", err, s)
				}
			}
			for _, s := range tt.wantMissing {
				if strings.Contains(err.Error()+"\n", s) {
					t.Errorf("got %q, want it not to contain %q", err, s)
				}
			}
		})
	}
}

func TestRunTimeout(t *testing.T) {
	err := Run(t.Context(), Spec{Name: "release", Command: script(t, "echo migrating; exec sleep 60")}, 200*time.Millisecond)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
	for _, want := range []string{"release timed out after 200ms", "migrating"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %q, want it to contain %q", err, want)
		}
	}
	if errors.Is(err, ErrKilled) {
		t.Errorf("got %v, want no ErrKilled: sleep obeys SIGTERM", err)
	}
}

func TestRunContextCanceled(t *testing.T) {
	started := filepath.Join(t.TempDir(), "started")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go func() {
		// Cancel once the process shows it has started by creating a file.
		deadline := time.Now().Add(failAfter)
		for time.Now().Before(deadline) {
			if _, err := os.Stat(started); err == nil {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
	}()
	err := Run(ctx, Spec{Name: "release", Command: script(t, "touch "+started+"; exec sleep 60")}, 0)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "release interrupted") {
		t.Fatalf("got %v, want context.Canceled and \"release interrupted\"", err)
	}
}

func TestRunStartFails(t *testing.T) {
	err := Run(t.Context(), Spec{Name: "release", Command: "true", Dir: "/no/such/dir"}, failAfter)
	if err == nil || !strings.Contains(err.Error(), "start release") {
		t.Fatalf("got %v, want a start error naming the process", err)
	}
}

// TestRunProcfileLists: Procfile lines are shell lines, as on Heroku: lists, VAR=value prefixes and
// a failing last command all behave as bash runs them.
func TestRunProcfileLists(t *testing.T) {
	tests := []struct {
		command string
		want    string
		fail    bool
	}{
		{"echo one && echo two", "one\ntwo\n", false},
		{"GREETING=hi sh -c 'echo $GREETING'", "hi\n", false},
		{"echo migrating; exit 3", "migrating\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.command, func(t *testing.T) {
			var out strings.Builder
			err := Run(context.Background(), Spec{Name: "release", Command: tt.command, Stdout: &out}, time.Minute)
			if (err != nil) != tt.fail {
				t.Fatalf("got error %v, want failure %v", err, tt.fail)
			}
			if out.String() != tt.want {
				t.Errorf("got output %q, want %q", out.String(), tt.want)
			}
		})
	}
}
