// Package applog collects the output of an app's processes.
//
// A Log keeps the most recent lines in memory (a history bounded by lines and by bytes, each line
// cut at DefaultMemoryLineBytes, for
// `cutover logs`), copies every line to an optional sink such as a file, and
// hands new lines to live followers. Writers, one per process stream, split
// raw output into lines. Nothing in this package ever makes an app process
// wait for a reader: a follower that falls behind loses lines instead.
package applog

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
	"unicode/utf8"
)

// DefaultCapacity is how many lines a Log keeps in memory when New is given a
// capacity of zero or less.
const DefaultCapacity = 10000

// DefaultMemoryBytes bounds the bytes of the lines a Log keeps in memory, whatever their number:
// one burst of long lines must not grow the daemon (10,000 lines of 64 KiB once held it at
// 975 MB). The whole history stays in the log files on disk.
const DefaultMemoryBytes = 4 << 20

// DefaultMemoryLineBytes is the most of one line's text the memory history holds: a longer line
// is kept cut, ending in a marker that says how much more is in the log file, so that a burst of
// long lines still leaves many lines in memory for `cutover logs -f` to start from.
const DefaultMemoryLineBytes = 16 << 10

// lineOverhead is what a held Line costs beside its strings' bytes.
const lineOverhead = 64

// DefaultFollowBuffer is how many lines a follower may fall behind before new
// lines are dropped for it.
const DefaultFollowBuffer = 1024

// Log is the output of an app: a bounded in-memory history, an optional sink
// and live followers. It is safe for concurrent use.
type Log struct {
	sink io.Writer

	mu        sync.Mutex
	ring      []Line // history: n lines from start, wrapping around
	start, n  int
	bytes     int // held by the n lines, bounded by maxBytes
	maxBytes  int
	followers map[*follower]struct{}
}

type follower struct {
	ch   chan Line
	keep func(Line) bool
}

// New returns a Log that keeps the last capacity lines (DefaultCapacity if
// capacity <= 0). If sink is not nil, each line is written to it as
// Line.String() followed by a newline; errors writing to the sink are
// ignored, because the app's output must keep flowing.
func New(capacity int, sink io.Writer) *Log {
	if capacity <= 0 {
		capacity = DefaultCapacity
	}
	return &Log{
		sink:      sink,
		ring:      make([]Line, capacity),
		maxBytes:  DefaultMemoryBytes,
		followers: make(map[*follower]struct{}),
	}
}

// add records one line: history, sink, then followers, all under the lock
// so that every reader sees lines in the same order.
func (l *Log) add(release, process, stream, text string) {
	line := Line{Time: time.Now(), Release: release, Process: process, Stream: stream, Text: text}

	l.mu.Lock()
	defer l.mu.Unlock()
	held := line
	held.Text = cutForMemory(line.Text)
	size := lineSize(held)
	for l.n > 0 && (l.n == len(l.ring) || l.bytes+size > l.maxBytes) {
		l.bytes -= lineSize(l.ring[l.start])
		l.ring[l.start] = Line{}
		l.start, l.n = (l.start+1)%len(l.ring), l.n-1
	}
	l.ring[(l.start+l.n)%len(l.ring)] = held
	l.n++
	l.bytes += size
	if l.sink != nil {
		_, _ = io.WriteString(l.sink, line.String()+"\n")
	}
	for f := range l.followers {
		if f.keep != nil && !f.keep(line) {
			continue
		}
		select {
		case f.ch <- line:
		default: // a slow follower loses the line; the app never waits
		}
	}
}

// Tail returns the last n lines for which keep returns true, oldest first.
// A nil keep matches every line; n <= 0 returns every matching line held.
func (l *Log) Tail(n int, keep func(Line) bool) []Line {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Line
	for i := l.n - 1; i >= 0; i-- {
		if n > 0 && len(out) == n {
			break
		}
		line := l.ring[(l.start+i)%len(l.ring)]
		if keep == nil || keep(line) {
			out = append(out, line)
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// Follow returns a channel that receives each new line for which keep
// returns true (every line if keep is nil) until ctx is done, when the
// channel is closed. The channel holds up to DefaultFollowBuffer lines; when
// it is full, new lines are dropped for this follower rather than blocking
// the app's writers.
func (l *Log) Follow(ctx context.Context, keep func(Line) bool) <-chan Line {
	f := &follower{ch: make(chan Line, DefaultFollowBuffer), keep: keep}
	l.mu.Lock()
	l.followers[f] = struct{}{}
	l.mu.Unlock()
	context.AfterFunc(ctx, func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.followers, f)
		close(f.ch)
	})
	return f.ch
}

// cutForMemory returns text as the memory history holds it: whole up to DefaultMemoryLineBytes,
// else cut there (at the start of a UTF-8 sequence) with a marker of what was left out.
func cutForMemory(text string) string {
	if len(text) <= DefaultMemoryLineBytes {
		return text
	}
	cut := DefaultMemoryLineBytes
	for cut > DefaultMemoryLineBytes-utf8.UTFMax && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return text[:cut] + fmt.Sprintf(" [cut: %d more bytes in the log file]", len(text)-cut)
}

// lineSize is what a held line costs in memory.
func lineSize(l Line) int {
	return len(l.Release) + len(l.Process) + len(l.Stream) + len(l.Text) + lineOverhead
}

// held reports the lines and bytes the history holds.
func (l *Log) held() (lines, bytes int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n, l.bytes
}
