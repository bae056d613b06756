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
	src := writeApp(t, map[string]string{"bin/run": "#!/bin/sh\n", "cutover.toml": "[env]\nDATABASE_URL = \"postgres://u:secret@db/app\"\n",
		"config/master.key": "k", "public/index.html": "hi"})
	modes := []struct {
		path      string
		src, want os.FileMode
	}{
		{"bin/run", 0o755, 0o700},
		{"cutover.toml", 0o644, 0o600},
		{"config/master.key", 0o600, 0o600},
		{"public/index.html", 0o640, 0o600},
		{"public", 0o755, 0o700},
	}
	for _, m := range modes {
		if err := os.Chmod(filepath.Join(src, m.path), m.src); err != nil {
			t.Fatal(err)
		}
	}
	os.Symlink("bin/run", filepath.Join(src, "run"))
	dst := filepath.Join(t.TempDir(), "app")
	if err := copyTree(src, dst, "/nonexistent"); err != nil {
		t.Fatal(err)
	}
	for _, m := range modes {
		t.Run(m.path, func(t *testing.T) {
			fi, err := os.Stat(filepath.Join(dst, m.path))
			if err != nil || fi.Mode().Perm() != m.want {
				t.Errorf("copy of a %04o %s: got %v, %v; want %04o (the owner's bits, none for group or others)", m.src, m.path, fi.Mode(), err, m.want)
			}
		})
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
