package applog

import (
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"
)

// Defaults of a RotatingFile.
const (
	// DefaultFileMaxBytes is the size at which the app log is rotated.
	DefaultFileMaxBytes = 16 << 20
	// DefaultFileKeep is how many rotated files are kept beside the current one (app.log.1 is the
	// newest of them), so the log never holds more than about (1 + keep) × the max size on disk.
	DefaultFileKeep = 5
	// DefaultReopenCheck is how often a write looks whether the file was removed or replaced (an
	// operator freeing a full disk, logrotate): then a new one is opened, instead of writing on
	// into a deleted file whose space is never freed.
	DefaultReopenCheck = time.Second
)

// RotatingFile is an append-only log file that is rotated by size: once a write would take it past
// MaxBytes, path.N becomes path.N+1 (the oldest past Keep is removed), path becomes path.1, and a
// new path is opened. It is safe for concurrent use. Its errors are returned to the caller, which
// for the app log ignores them: the app's output keeps flowing to memory and followers.
type RotatingFile struct {
	path     string
	maxBytes int64 // zero means DefaultFileMaxBytes
	keep     int   // zero means DefaultFileKeep; negative keeps none
	open     func(path string) (*os.File, error)

	mu      sync.Mutex
	f       *os.File
	size    int64
	checked time.Time // when the file was last looked for at its path
	failing bool      // the last write failed; said once, until one succeeds
}

// OpenRotating opens path with open (which creates it if needed) and rotates it by size from then on.
func OpenRotating(path string, maxBytes int64, keep int, open func(string) (*os.File, error)) (*RotatingFile, error) {
	if maxBytes <= 0 {
		maxBytes = DefaultFileMaxBytes
	}
	if keep == 0 {
		keep = DefaultFileKeep
	}
	r := &RotatingFile{path: path, maxBytes: maxBytes, keep: keep, open: open}
	if err := r.reopen(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *RotatingFile) reopen() error {
	f, err := r.open(r.path)
	if err != nil {
		return fmt.Errorf("open %s: %w", r.path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("open %s: %w", r.path, err)
	}
	r.f, r.size, r.checked = f, fi.Size(), time.Now()
	return nil
}

// gone reports whether the file open is no longer the one at its path, looked at once per
// DefaultReopenCheck.
func (r *RotatingFile) gone() bool {
	if time.Since(r.checked) < DefaultReopenCheck {
		return false
	}
	r.checked = time.Now()
	at, err := os.Stat(r.path)
	if err != nil {
		return true
	}
	open, err := r.f.Stat()
	return err == nil && !os.SameFile(at, open)
}

// said logs a write that failed, once until one succeeds again: the lines go on to memory and
// followers (`cutover logs -f`), but not to the file.
func (r *RotatingFile) said(err error) {
	switch {
	case err != nil && !r.failing:
		slog.Warn("the app log file cannot be written: its lines are kept in memory only until it can (a full disk?)", "path", r.path, "err", err)
	case err == nil && r.failing:
		slog.Info("the app log file is written again", "path", r.path)
	}
	r.failing = err != nil
}

// Write appends p, rotating first when p would take the file past its size.
func (r *RotatingFile) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n, err := r.write(p)
	r.said(err)
	return n, err
}

func (r *RotatingFile) write(p []byte) (int, error) {
	if r.f != nil && r.gone() {
		r.f.Close()
		r.f = nil
	}
	if r.f == nil {
		if err := r.reopen(); err != nil {
			return 0, err
		}
	}
	if r.size > 0 && r.size+int64(len(p)) > r.maxBytes {
		if err := r.rotate(); err != nil {
			return 0, err
		}
	}
	n, err := r.f.Write(p)
	r.size += int64(n)
	return n, err
}

// rotate shifts the rotated files by one and starts a new file.
func (r *RotatingFile) rotate() error {
	r.f.Close()
	r.f = nil
	if r.keep < 0 {
		os.Remove(r.path)
	} else {
		os.Remove(r.name(r.keep))
		for i := r.keep - 1; i >= 1; i-- {
			os.Rename(r.name(i), r.name(i+1)) // a missing one is no matter
		}
		if err := os.Rename(r.path, r.name(1)); err != nil {
			return fmt.Errorf("rotate %s: %w", r.path, err)
		}
	}
	return r.reopen()
}

// name is the path of the rotated file number i.
func (r *RotatingFile) name(i int) string { return r.path + "." + strconv.Itoa(i) }

// Close closes the current file.
func (r *RotatingFile) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}
