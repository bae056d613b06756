package applog

import (
	"fmt"
	"os"
	"strconv"
	"sync"
)

// Defaults of a RotatingFile.
const (
	// DefaultFileMaxBytes is the size at which the app log is rotated.
	DefaultFileMaxBytes = 16 << 20
	// DefaultFileKeep is how many rotated files are kept beside the current one (app.log.1 is the
	// newest of them), so the log never holds more than about (1 + keep) × the max size on disk.
	DefaultFileKeep = 5
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

	mu   sync.Mutex
	f    *os.File
	size int64
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
	r.f, r.size = f, fi.Size()
	return nil
}

// Write appends p, rotating first when p would take the file past its size.
func (r *RotatingFile) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
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
