package applog

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func openAppend(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
}

// TestRotatingFile: written through a Log, the file is rotated by size, keeps its number of rotated
// files, and the newest lines are in the current file, the ones before them in .1.
func TestRotatingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	f, err := OpenRotating(path, 1000, 3, openAppend)
	if err != nil {
		t.Fatal(err)
	}
	l := New(0, f)
	w := l.Writer("v1", "web.1", "stdout")
	for i := 0; i < 200; i++ {
		fmt.Fprintf(w, "line %03d %s\n", i, strings.Repeat("x", 40))
	}
	f.Close()
	for _, name := range []string{path, path + ".1", path + ".2", path + ".3"} {
		fi, err := os.Stat(name)
		if err != nil || fi.Size() > 1000 || fi.Size() == 0 {
			t.Errorf("%s: got %v, %v; want a file of at most 1000 bytes", name, fi, err)
		}
	}
	if _, err := os.Stat(path + ".4"); !os.IsNotExist(err) {
		t.Errorf("%s.4: got %v, want none (keep 3)", path, err)
	}
	cur, _ := os.ReadFile(path)
	prev, _ := os.ReadFile(path + ".1")
	if !strings.Contains(string(cur), "line 199") || strings.Contains(string(prev), "line 199") {
		t.Errorf("the newest line should be in %s alone", path)
	}
	lastPrev := strings.Split(strings.TrimSpace(string(prev)), "\n")
	firstCur := strings.Split(string(cur), "\n")[0]
	if lineNo(t, lastPrev[len(lastPrev)-1])+1 != lineNo(t, firstCur) {
		t.Errorf("lines lost at rotation: .1 ends %q, the current file starts %q", lastPrev[len(lastPrev)-1], firstCur)
	}
}

func lineNo(t *testing.T, s string) int {
	t.Helper()
	var n int
	i := strings.Index(s, "line ")
	if i < 0 {
		t.Fatalf("no line number in %q", s)
	}
	fmt.Sscanf(s[i:], "line %d", &n)
	return n
}

// TestRotatingFileReopensExisting: an existing log counts toward the size at once.
func TestRotatingFileReopensExisting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	os.WriteFile(path, []byte(strings.Repeat("y", 900)+"\n"), 0o600)
	f, err := OpenRotating(path, 1000, 2, openAppend)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte(strings.Repeat("z", 200) + "\n"))
	f.Close()
	if b, _ := os.ReadFile(path + ".1"); len(b) != 901 {
		t.Errorf("%s.1: got %d bytes, want the 901 written before", path, len(b))
	}
}

// TestRotatingFileReopensRemoved: a log file removed under it (an operator freeing a full disk) is
// made again at its path at the next check, not written on while deleted.
func TestRotatingFileReopensRemoved(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	r, err := OpenRotating(path, 0, 0, openAppend)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	r.Write([]byte("before\n"))
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	r.checked = time.Time{} // as DefaultReopenCheck later
	r.Write([]byte("after\n"))
	if b, err := os.ReadFile(path); err != nil || string(b) != "after\n" {
		t.Fatalf("got %q, %v; want the line written after the removal in a new file", b, err)
	}
}
