package applog

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

func write(t *testing.T, l *Log, process string, texts ...string) {
	t.Helper()
	w := l.Writer("v1", process, "stdout")
	for _, s := range texts {
		if _, err := fmt.Fprintln(w, s); err != nil {
			t.Fatalf("write: %v", err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
}

func TestTail(t *testing.T) {
	l := New(5, nil)
	write(t, l, "web.1", "w1", "w2")
	write(t, l, "worker.1", "k1")
	write(t, l, "web.1", "w3", "w4", "w5")
	web := func(line Line) bool { return line.Process == "web.1" }

	tests := []struct {
		name string
		n    int
		keep func(Line) bool
		want []string
	}{
		{"all held, oldest dropped", 0, nil, []string{"w2", "k1", "w3", "w4", "w5"}},
		{"last two", 2, nil, []string{"w4", "w5"}},
		{"more than held", 50, nil, []string{"w2", "k1", "w3", "w4", "w5"}},
		{"filtered", 3, web, []string{"w3", "w4", "w5"}},
		{"filtered all", 0, web, []string{"w2", "w3", "w4", "w5"}},
		{"filter matches nothing", 3, func(Line) bool { return false }, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := texts(l.Tail(tt.n, tt.keep))
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNewDefaultCapacity(t *testing.T) {
	l := New(0, nil)
	w := l.Writer("v1", "web.1", "stdout")
	for i := range DefaultCapacity + 5 {
		fmt.Fprintf(w, "%d\n", i)
	}
	got := l.Tail(0, nil)
	if len(got) != DefaultCapacity {
		t.Fatalf("got %d lines, want %d", len(got), DefaultCapacity)
	}
	if got[0].Text != "5" {
		t.Errorf("oldest line: got %q, want %q", got[0].Text, "5")
	}
}

func TestSink(t *testing.T) {
	var sink bytes.Buffer
	l := New(1, &sink)
	write(t, l, "web.1", "one", "two")
	got := strings.Split(strings.TrimSuffix(sink.String(), "\n"), "\n")
	if len(got) != 2 {
		t.Fatalf("got %d sink lines %q, want 2", len(got), got)
	}
	for i, want := range []string{" v1 web.1 | one", " v1 web.1 | two"} {
		if !strings.HasSuffix(got[i], want) {
			t.Errorf("sink line %d: got %q, want suffix %q", i, got[i], want)
		}
	}
}

func receive(t *testing.T, ch <-chan Line) Line {
	t.Helper()
	select {
	case line, ok := <-ch:
		if !ok {
			t.Fatal("follow channel closed, want a line")
		}
		return line
	case <-time.After(10 * time.Second):
		t.Fatal("no line within 10s")
	}
	return Line{}
}

func TestFollow(t *testing.T) {
	l := New(10, nil)
	write(t, l, "web.1", "before")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ch := l.Follow(ctx, func(line Line) bool { return line.Process == "web.1" })

	write(t, l, "worker.1", "skipped")
	write(t, l, "web.1", "after1", "after2")
	for _, want := range []string{"after1", "after2"} {
		if got := receive(t, ch).Text; got != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}

	cancel()
	select {
	case line, ok := <-ch:
		if ok {
			t.Errorf("got line %q after cancel, want channel closed", line.Text)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("channel not closed within 10s of cancel")
	}
	write(t, l, "web.1", "after cancel") // must not panic on a closed channel
}

func TestFollowDoneContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	ch := New(10, nil).Follow(ctx, nil)
	select {
	case _, ok := <-ch:
		if ok {
			t.Error("got a line, want channel closed")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("channel not closed within 10s")
	}
}

func TestSlowFollowerDoesNotBlockWriters(t *testing.T) {
	l := New(10, nil)
	ch := l.Follow(t.Context(), nil) // never read until the writes are done
	const n = 3 * DefaultFollowBuffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		w := l.Writer("v1", "web.1", "stdout")
		for i := range n {
			fmt.Fprintf(w, "%d\n", i)
		}
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("writers blocked by a follower that does not read")
	}
	if got := len(ch); got != DefaultFollowBuffer {
		t.Errorf("buffered lines: got %d, want %d", got, DefaultFollowBuffer)
	}
	if got := receive(t, ch).Text; got != "0" {
		t.Errorf("first line: got %q, want %q (oldest kept, newest dropped)", got, "0")
	}
}

func TestFollowConcurrentCancel(t *testing.T) {
	l := New(10, nil)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		w := l.Writer("v1", "web.1", "stdout")
		for {
			select {
			case <-stop:
				return
			default:
				fmt.Fprintln(w, "x")
			}
		}
	})
	for range 50 {
		ctx, cancel := context.WithCancel(t.Context())
		ch := l.Follow(ctx, nil)
		cancel()
		for range ch { // drains until closed
		}
	}
	close(stop)
	wg.Wait()
}

// TestHistoryBoundedByBytes: a burst of the longest lines a Writer records keeps the history under
// DefaultMemoryBytes, and the newest lines are the ones kept.
func TestHistoryBoundedByBytes(t *testing.T) {
	l := New(0, nil)
	w := l.Writer("v1", "web.1", "stdout")
	long := strings.Repeat("x", MaxLineBytes-1) + "\n"
	for i := 0; i < 1000; i++ { // 64 MB of output
		io.WriteString(w, long)
	}
	io.WriteString(w, "last\n")
	lines, bytes := l.held()
	if bytes > DefaultMemoryBytes {
		t.Errorf("held %d bytes in %d lines, want at most %d", bytes, lines, DefaultMemoryBytes)
	}
	if lines < 2 {
		t.Errorf("held %d lines, want the newest ones", lines)
	}
	if got := l.Tail(1, nil); len(got) != 1 || got[0].Text != "last" {
		t.Errorf("newest line: got %+v, want \"last\"", got)
	}
}

// TestHistoryCutsLongLines: the memory holds at most DefaultMemoryLineBytes of a line, marked as
// cut; the sink (the log file) gets the whole line.
func TestHistoryCutsLongLines(t *testing.T) {
	var sink bytes.Buffer
	l := New(0, &sink)
	w := l.Writer("v1", "web.1", "stdout")
	long := strings.Repeat("é", 20000) // 40,000 bytes, two bytes a rune
	io.WriteString(w, long+"\n")
	io.WriteString(w, "short\n")
	got := l.Tail(2, nil)
	if len(got) != 2 {
		t.Fatalf("got %d lines, want 2", len(got))
	}
	text := got[0].Text
	if !strings.HasSuffix(text, " [cut: 23616 more bytes in the log file]") || len(text) > DefaultMemoryLineBytes+64 || !utf8.ValidString(text) {
		t.Errorf("held long line: got %d bytes ending %q, want %d bytes of valid UTF-8 and a marker", len(text), text[len(text)-50:], DefaultMemoryLineBytes)
	}
	if got[1].Text != "short" {
		t.Errorf("short line: got %q, want it whole", got[1].Text)
	}
	if !strings.Contains(sink.String(), long) {
		t.Errorf("the sink got %d bytes, want the whole %d-byte line", sink.Len(), len(long))
	}
	// A burst of long lines: the bytes held stay under the cap, and far more than 64 lines of
	// 64 KiB fit.
	l = New(0, nil)
	w = l.Writer("v1", "web.1", "stdout")
	burst := strings.Repeat("x", MaxLineBytes-1) + "\n"
	for i := 0; i < 2000; i++ {
		io.WriteString(w, burst)
	}
	if lines, held := l.held(); held > DefaultMemoryBytes || lines < 200 {
		t.Errorf("after the burst: %d lines, %d bytes held; want at most %d bytes and at least 200 lines", lines, held, DefaultMemoryBytes)
	}
}
