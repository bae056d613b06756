package applog

import (
	"bufio"
	"errors"
	"os"
	"strconv"
	"strings"
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

// ReadTail returns the last n lines (every line if n <= 0) for which keep returns true (every line
// if keep is nil), oldest first, from the log file at path and the files it was rotated into
// (path.1 is the newest of those, path.keep the oldest). So the history outlives the daemon and
// is as long as the files on disk, not the memory's bounds.
func ReadTail(path string, keep, n int, match func(Line) bool) ([]Line, error) {
	var out []Line // newest first
	for i := 0; i <= keep && (n <= 0 || len(out) < n); i++ {
		name := path
		if i > 0 {
			name = path + "." + strconv.Itoa(i)
		}
		lines, err := readFile(name, match)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for j := len(lines) - 1; j >= 0 && (n <= 0 || len(out) < n); j-- {
			out = append(out, lines[j])
		}
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}

// readFile returns the lines of one log file that match, in file order.
func readFile(name string, match func(Line) bool) ([]Line, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []Line
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 4*MaxLineBytes)
	for sc.Scan() {
		if l, ok := ParseLine(sc.Text()); ok && (match == nil || match(l)) {
			lines = append(lines, l)
		}
	}
	return lines, sc.Err()
}
