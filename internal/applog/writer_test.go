package applog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
)

func texts(lines []Line) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.Text
	}
	return out
}

func TestWriterSplitsLines(t *testing.T) {
	long := strings.Repeat("x", MaxLineBytes)
	// "é" is two bytes; placed so that a cut at MaxLineBytes would split it.
	accented := strings.Repeat("a", MaxLineBytes-1) + "é" + "b"
	tests := []struct {
		name   string
		chunks []string
		want   []string
	}{
		{"one line", []string{"hello\n"}, []string{"hello"}},
		{"several lines in one write", []string{"a\nb\nc\n"}, []string{"a", "b", "c"}},
		{"line across writes", []string{"hel", "lo\nwor", "ld\n"}, []string{"hello", "world"}},
		{"empty lines kept", []string{"a\n\n\nb\n"}, []string{"a", "", "", "b"}},
		{"crlf", []string{"a\r\nb\r", "\nc\r\n"}, []string{"a", "b", "c"}},
		{"lone cr kept", []string{"50%\r100%\n"}, []string{"50%\r100%"}},
		{"partial last line flushed on close", []string{"a\nb"}, []string{"a", "b"}},
		{"nothing written", nil, []string{}},
		{"line of exactly the maximum", []string{long + "\n"}, []string{long}},
		{"long line cut", []string{long + "yz\n"}, []string{long, "yz"}},
		{"long line cut across writes", []string{long[:10], long[10:], "yz", "\n"}, []string{long, "yz"}},
		{"long partial line cut", []string{long + long + "q"}, []string{long, long, "q"}},
		{"maximum then crlf across writes", []string{long + "\r", "\n"}, []string{long}},
		{"cut keeps utf-8 whole", []string{accented + "\n"}, []string{strings.Repeat("a", MaxLineBytes-1), "éb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := New(100, nil)
			// Lines are read as followers get them: whole, as the log file gets them, where
			// the memory history keeps long lines cut.
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			follow := l.Follow(ctx, nil)
			w := l.Writer("v1", "web.1", "stdout")
			for _, c := range tt.chunks {
				n, err := w.Write([]byte(c))
				if err != nil || n != len(c) {
					t.Fatalf("Write(%d bytes): got %d, %v, want %d, nil", len(c), n, err, len(c))
				}
			}
			if err := w.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			got := []string{}
			for len(follow) > 0 {
				got = append(got, (<-follow).Text)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %d lines %.80q, want %d lines %.80q", len(got), got, len(tt.want), tt.want)
			}
		})
	}
}

func TestWriterFields(t *testing.T) {
	l := New(10, nil)
	w := l.Writer("v3", "worker.2", "stderr")
	fmt.Fprintln(w, "boom")
	got := l.Tail(1, nil)
	if len(got) != 1 {
		t.Fatalf("got %d lines, want 1", len(got))
	}
	line := got[0]
	if line.Release != "v3" || line.Process != "worker.2" || line.Stream != "stderr" || line.Text != "boom" {
		t.Errorf("got %+v, want release v3, process worker.2, stream stderr, text boom", line)
	}
	if line.Time.IsZero() {
		t.Error("got zero time, want the time the line was written")
	}
}

func TestWriterAfterClose(t *testing.T) {
	w := New(10, nil).Writer("v1", "web.1", "stdout")
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: got %v, want nil", err)
	}
	if _, err := w.Write([]byte("late\n")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("Write after Close: got %v, want os.ErrClosed", err)
	}
}

func TestWriterConcurrent(t *testing.T) {
	const writers, lines = 8, 200
	l := New(writers*lines, nil)
	var wg sync.WaitGroup
	for i := range writers {
		w := l.Writer("v1", fmt.Sprintf("web.%d", i), "stdout")
		wg.Go(func() {
			defer w.Close()
			for j := range lines {
				fmt.Fprintf(w, "line %d\n", j)
			}
		})
	}
	wg.Wait()
	got := l.Tail(0, nil)
	if len(got) != writers*lines {
		t.Fatalf("got %d lines, want %d", len(got), writers*lines)
	}
	next := map[string]int{}
	for _, line := range got {
		want := fmt.Sprintf("line %d", next[line.Process])
		if line.Text != want {
			t.Fatalf("%s: got %q, want %q (lines of one writer out of order or torn)", line.Process, line.Text, want)
		}
		next[line.Process]++
	}
}
