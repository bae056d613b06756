package release

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileAtomic(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	for _, body := range []string{"one", "two"} {
		if err := WriteFileAtomic(p, []byte(body)); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(p); string(b) != body {
			t.Errorf("got %q, want %q", b, body)
		}
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Errorf("got %d files, want only the target (no temp files left)", len(entries))
	}
}

func TestCopyTreeKeepsModesAndLinks(t *testing.T) {
	src := writeApp(t, map[string]string{"bin/run": "#!/bin/sh\n"})
	os.Chmod(filepath.Join(src, "bin/run"), 0o755)
	os.Symlink("bin/run", filepath.Join(src, "run"))
	dst := filepath.Join(t.TempDir(), "app")
	if err := copyTree(src, dst, "/nonexistent"); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dst, "bin/run"))
	if err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("mode: got %v, %v; want 0755", fi.Mode(), err)
	}
	if link, err := os.Readlink(filepath.Join(dst, "run")); err != nil || link != "bin/run" {
		t.Errorf("symlink: got %q, %v", link, err)
	}
	h1, _ := hashTree(src)
	h2, _ := hashTree(dst)
	if h1 != h2 {
		t.Errorf("hash of copy differs: %s vs %s", h1, h2)
	}
}
