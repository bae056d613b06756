package capture

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

func TestRunKeepsOutputAndEnv(t *testing.T) {
	out, err := Run(context.Background(), t.TempDir(), `echo "url=$DATABASE_URL"`, []string{"DATABASE_URL=x"}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out)); got != "url=x" {
		t.Errorf("got %q, want url=x", got)
	}
}

func TestRunTimeoutKillsTheGroup(t *testing.T) {
	// The sleep is a grandchild: only killing the process group stops it in time.
	_, err := Run(context.Background(), t.TempDir(), `sh -c 'sleep 300' & wait`, os.Environ(), 200*time.Millisecond)
	var re *RunError
	if !errors.As(err, &re) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want a *RunError wrapping the deadline", err)
	}
}

func TestTailKeepsTheEnd(t *testing.T) {
	tl := &tail{max: 4}
	tl.Write([]byte("abc"))
	tl.Write([]byte("defg"))
	if got := string(tl.bytes()); got != "defg" {
		t.Errorf("got %q, want defg", got)
	}
}
