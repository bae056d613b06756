package capture

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestFindBinaries(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no initdb in PATH: only the install root counts
	root := t.TempDir()
	for _, v := range []string{"13", "15"} {
		dir := filepath.Join(root, v, "bin")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range binaryNames {
			if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	os.Remove(filepath.Join(root, "15", "bin", "pg_dump")) // an incomplete 15 is passed over
	b, err := FindBinaries(root)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "13", "bin"); b.Dir != want {
		t.Errorf("got %s, want %s", b.Dir, want)
	}
	if _, err := FindBinaries(t.TempDir()); !errors.Is(err, ErrNoBinaries) {
		t.Errorf("empty root: got %v, want ErrNoBinaries", err)
	}
}

// canReach follows the search (x) bits from the root down, for another user than ourselves.
func TestCanReach(t *testing.T) {
	u := serverUser{uid: 64999, gid: 64999, cred: &syscall.Credential{Uid: 64999, Gid: 64999}}
	open := filepath.Join(t.TempDir(), "open")
	private := filepath.Join(t.TempDir(), "private", "inner")
	for dir, mode := range map[string]os.FileMode{open: 0o755, private: 0o755} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		os.Chmod(dir, mode)
	}
	if err := os.Chmod(filepath.Dir(private), 0o700); err != nil {
		t.Fatal(err)
	}
	// t.TempDir's own folders are 0700 on some systems: the open case is judged by the test's
	// parent as it is, so compute what it should be.
	wantOpen := true
	for p := open; p != "/"; p = filepath.Dir(p) {
		if fi, err := os.Stat(p); err == nil && fi.Mode().Perm()&0o001 == 0 {
			wantOpen = false
		}
	}
	if got := u.canReach(open); got != wantOpen {
		t.Errorf("canReach(%s): got %v, want %v", open, got, wantOpen)
	}
	if u.canReach(private) {
		t.Errorf("canReach(%s) under a 0700 folder of another user: got true", private)
	}
	if !u.canReach("/") || !(serverUser{}).canReach(private) {
		t.Error("the root is reachable by anyone, and anything by ourselves")
	}
}

// FindClients wants only pg_dump and psql, found beside pg_dump in PATH before the install root.
func TestFindClients(t *testing.T) {
	path, root := t.TempDir(), t.TempDir()
	t.Setenv("PATH", path)
	write := func(dir string, names ...string) {
		t.Helper()
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := FindClients(root); !errors.Is(err, ErrNoClients) {
		t.Errorf("nothing installed: got %v, want ErrNoClients", err)
	}
	write(filepath.Join(root, "16", "bin"), clientNames...)
	write(path, "pg_dump") // no psql beside it: passed over
	for _, want := range []string{filepath.Join(root, "16", "bin"), path} {
		b, err := FindClients(root)
		if err != nil {
			t.Fatal(err)
		}
		if b.Dir != want {
			t.Errorf("got %s, want %s", b.Dir, want)
		}
		write(path, "psql")
	}
}
