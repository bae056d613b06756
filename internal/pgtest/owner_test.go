package pgtest

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestTraversable(t *testing.T) {
	stranger := owner{uid: 54321, gid: 54321}
	private := filepath.Join(t.TempDir(), "private")
	if err := os.Mkdir(private, 0o700); err != nil {
		t.Fatal(err)
	}
	open := filepath.Join(private, "open")
	if err := os.Mkdir(open, 0o777); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		o    owner
		dir  string
		want bool
	}{
		{"root reaches everything", owner{}, open, true},
		{"world-searchable /tmp", stranger, "/tmp", true},
		{"open folder under a 0700 parent", stranger, open, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.o.traversable(tt.dir)
			if got := err == nil; got != tt.want {
				t.Errorf("got traversable=%v (%v), want %v", got, err, tt.want)
			}
		})
	}
}

func TestMakeRootIsOwnedAndReachable(t *testing.T) {
	o, err := currentOwner()
	if err != nil {
		t.Fatal(err)
	}
	dir, err := o.makeRoot()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := o.traversable(dir); err != nil {
		t.Errorf("got %v, want the cluster folder reachable by its owner", err)
	}
	out, err := o.command(context.Background(), dir, "/bin/sh", "-c", "touch probe && id -u").CombinedOutput()
	if err != nil {
		t.Fatalf("got %v (%s), want the owner able to write in %s", err, out, dir)
	}
	if got, want := strings.TrimSpace(string(out)), strconv.Itoa(o.uid); got != want {
		t.Errorf("got uid %s, want %s", got, want)
	}
}

func TestCommandDropsPGEnvironment(t *testing.T) {
	t.Setenv("PGPORT", "1")
	t.Setenv("PGDATA", "/nonexistent")
	cmd := owner{}.command(context.Background(), "/", "/bin/true")
	for _, kv := range cmd.Env {
		if strings.HasPrefix(kv, "PG") {
			t.Errorf("got %s in the environment, want PostgreSQL variables removed", kv)
		}
	}
}
