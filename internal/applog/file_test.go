package applog

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseLine(t *testing.T) {
	in := Line{Time: time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC), Release: "v3", Process: "web.1", Text: "a | b"}
	got, ok := ParseLine(in.String())
	if !ok || got != in {
		t.Errorf("got %+v, %v; want %+v", got, ok, in)
	}
	for _, bad := range []string{"", "no bar", "notatime v1 web.1 | x", "2026-12-05T10:00:00Z v1 | x"} {
		if _, ok := ParseLine(bad); ok {
			t.Errorf("%q: parsed, want refused", bad)
		}
	}
}

// TestReadTail: the last lines come from the current file and the rotated ones, in order, as many
// as asked for however many the memory holds, and filtered by process.
func TestReadTail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.log")
	f, err := OpenRotating(path, 2000, 5, openAppend)
	if err != nil {
		t.Fatal(err)
	}
	l := New(10, f) // memory for 10 lines only
	web, rel := l.Writer("v1", "web.1", "stdout"), l.Writer("v1", "release", "stdout")
	for i := 0; i < 100; i++ {
		fmt.Fprintf(web, "web %03d\n", i)
		if i%10 == 0 {
			fmt.Fprintf(rel, "release %03d\n", i)
		}
	}
	f.Close()
	got, err := ReadTail(path, 5, 50, nil)
	if err != nil || len(got) != 50 {
		t.Fatalf("got %d lines, %v; want 50", len(got), err)
	}
	if got[49].Text != "web 099" {
		t.Errorf("newest: got %q, want web 099", got[49].Text)
	}
	rels, _ := ReadTail(path, 5, 0, func(l Line) bool { return l.Process == "release" })
	if len(rels) != 10 || rels[0].Text != "release 000" || rels[9].Text != "release 090" {
		t.Errorf("release lines: got %d (%v), want all 10 in order", len(rels), rels)
	}
}

// TestReadBackward: lines come back newest first and whole, whether they cross the reads' chunk
// boundaries or are longer than a chunk, with or without a final newline.
func TestReadBackward(t *testing.T) {
	var want []string
	for i := 0; i < 300; i++ {
		want = append(want, fmt.Sprintf("%d:%s", i, strings.Repeat("x", (i*7919)%(readChunk+500))))
	}
	want = append(want, "", "after an empty line")
	for _, final := range []string{"\n", ""} {
		path := filepath.Join(t.TempDir(), "app.log")
		if err := os.WriteFile(path, []byte(strings.Join(want, "\n")+final), 0o600); err != nil {
			t.Fatal(err)
		}
		var got []string
		if err := readBackward(path, func(s string) bool { got = append(got, s); return true }); err != nil {
			t.Fatal(err)
		}
		slices.Reverse(got)
		if !slices.Equal(got, want) {
			t.Errorf("final %q: got %d lines, want %d, the same", final, len(got), len(want))
		}
		var some []string
		readBackward(path, func(s string) bool { some = append(some, s); return len(some) < 3 })
		if len(some) != 3 || some[0] != want[len(want)-1] {
			t.Errorf("final %q: stopping after 3: got %d lines, first %.20q", final, len(some), some)
		}
	}
}

// TestReadTailRefusesLinks: a link planted where a rotated file should be is not read through.
func TestReadTailRefusesLinks(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	os.WriteFile(secret, []byte("2026-01-01T00:00:00Z v1 web.1 | secret\n"), 0o600)
	path := filepath.Join(dir, "app.log")
	os.WriteFile(path, []byte("2026-01-01T00:00:01Z v1 web.1 | mine\n"), 0o600)
	os.Symlink(secret, path+".1")
	got, err := ReadTail(path, 5, 10, nil)
	if !errors.Is(err, ErrLinkedLogFile) {
		t.Errorf("got %v, %v; want %v", got, err, ErrLinkedLogFile)
	}
}

// TestWithNewer: the memory's lines after the files' last one follow it, found by its time to the
// second; with no such line in memory, those of a later second; the last n of all.
func TestWithNewer(t *testing.T) {
	at := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	line := func(sec int, nanos int, text string) Line {
		return Line{Time: at.Add(time.Duration(sec)*time.Second + time.Duration(nanos)), Release: "v1", Process: "web.1", Text: text}
	}
	file := []Line{line(0, 0, "a"), line(1, 0, "b")}
	texts := func(ls []Line) string {
		var s []string
		for _, l := range ls {
			s = append(s, l.Text)
		}
		return strings.Join(s, " ")
	}
	for _, tc := range []struct {
		name string
		mem  []Line
		n    int
		want string
	}{
		{"the file has them all", []Line{line(0, 5, "a"), line(1, 7, "b")}, 0, "a b"},
		{"lines the file missed, in the same second", []Line{line(1, 7, "b"), line(1, 9, "c"), line(2, 1, "d")}, 0, "a b c d"},
		{"memory no longer holds the file's last", []Line{line(1, 9, "c"), line(2, 1, "d")}, 0, "a b d"},
		{"the last n", []Line{line(1, 7, "b"), line(2, 1, "c"), line(3, 1, "d")}, 2, "c d"},
		{"nothing in memory", nil, 0, "a b"},
	} {
		if got := texts(WithNewer(file, tc.mem, tc.n)); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := texts(WithNewer(nil, []Line{line(0, 1, "x")}, 0)); got != "x" {
		t.Errorf("no file: got %q, want memory's lines", got)
	}
}
