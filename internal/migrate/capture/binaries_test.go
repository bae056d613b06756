package capture

import (
	"errors"
	"os"
	"path/filepath"
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
