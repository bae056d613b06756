package applog

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ParseLine reads back a line of the log file, as Line.String wrote it; ok is false for a line that
// is not one (the stream, stdout or stderr, is not in the file and comes back empty).
func ParseLine(s string) (l Line, ok bool) {
	head, text, ok := strings.Cut(s, " | ")
	if !ok {
		return Line{}, false
	}
	f := strings.Fields(head)
	if len(f) != 3 {
		return Line{}, false
	}
	t, err := time.Parse(time.RFC3339, f[0])
	if err != nil {
		return Line{}, false
	}
	return Line{Time: t, Release: f[1], Process: f[2], Text: text}, true
}

// readChunk is how much of a log file ReadTail reads at a time, from the end backward.
const readChunk = 64 << 10

// ErrLinkedLogFile is returned for a log file that is a symbolic link: it is not read through.
var ErrLinkedLogFile = errors.New("log file is a symbolic link")

// WithNewer returns the lines read from the files followed by the lines held in memory that came
// after the files' last one, the last n of them (all if n <= 0): the lines a write to the file
// missed (a full disk, a file removed under the daemon) are in memory only. The files keep times to
// the second, so the files' last line is looked for in memory by its time to the second, release,
// process and text; when memory no longer holds it, memory's lines of a later second follow.
func WithNewer(file, mem []Line, n int) []Line {
	if len(mem) == 0 {
		return file
	}
	var newer []Line
	if len(file) == 0 {
		newer = mem
	} else {
		last := file[len(file)-1]
		i := len(mem) - 1
		for ; i >= 0; i-- {
			l := mem[i]
			if l.Release == last.Release && l.Process == last.Process && l.Text == last.Text && l.Time.Truncate(time.Second).Equal(last.Time) {
				break
			}
		}
		if i >= 0 {
			newer = mem[i+1:]
		} else {
			for _, l := range mem {
				if l.Time.Truncate(time.Second).After(last.Time) {
					newer = append(newer, l)
				}
			}
		}
	}
	out := append(file[:len(file):len(file)], newer...)
	if n > 0 && len(out) > n {
		out = out[len(out)-n:]
	}
	return out
}

// ReadTail returns the last n lines (every line if n <= 0) for which keep returns true (every line
// if keep is nil), oldest first, from the log file at path and the files it was rotated into
// (path.1 is the newest of those, path.keep the oldest). So the history outlives the daemon and
// is as long as the files on disk, not the memory's bounds. The files are read backward from
// their ends and only until n lines are found, so what it holds is the n lines, not the files.
func ReadTail(path string, keep, n int, match func(Line) bool) ([]Line, error) {
	var out []Line // newest first
	more := func() bool { return n <= 0 || len(out) < n }
	for i := 0; i <= keep && more(); i++ {
		name := path
		if i > 0 {
			name = path + "." + strconv.Itoa(i)
		}
		err := readBackward(name, func(s string) bool {
			if l, ok := ParseLine(s); ok && (match == nil || match(l)) {
				out = append(out, l)
			}
			return more()
		})
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
	}
	slices.Reverse(out)
	return out, nil
}

// readBackward calls fn with each line of the file name, newest first, until fn returns false. It
// never follows a link planted where the file should be. A piece longer than any line the log
// writes (4 × MaxLineBytes) with no newline in it is skipped.
func readBackward(name string, fn func(string) bool) error {
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if errors.Is(err, syscall.ELOOP) {
		return fmt.Errorf("%w: %s: remove it (cutover never reads its state through a link)", ErrLinkedLogFile, name)
	}
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	end := fi.Size()
	var pending []byte // the start of a line whose beginning is not read yet
	first := true
	for end > 0 {
		start := max(end-readChunk, 0)
		data := make([]byte, end-start, int(end-start)+len(pending))
		if _, err := f.ReadAt(data, start); err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		data = append(data, pending...)
		if first {
			data = bytes.TrimSuffix(data, []byte{'\n'})
			first = false
		}
		end = start
		for {
			i := bytes.LastIndexByte(data, '\n')
			if i < 0 {
				break
			}
			if !fn(string(data[i+1:])) {
				return nil
			}
			data = data[:i]
		}
		pending = data
		if len(pending) > 4*MaxLineBytes {
			pending = nil
		}
	}
	if len(pending) > 0 {
		fn(string(pending))
	}
	return nil
}
