package applog

import (
	"fmt"
	"path/filepath"
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
