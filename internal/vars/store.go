package vars

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/cutover-dev/cutover/internal/release"
)

// DirName is the directory of an app's config vars in its directory of the state.
const DirName = "vars"

// Errors of the store.
var (
	// ErrNoVersion is returned for a version the store does not have.
	ErrNoVersion = errors.New("no such version of the config vars")
	// ErrDamaged is returned for a version whose file cannot be decoded.
	ErrDamaged = errors.New("config vars file is damaged")
)

// Version is one version of an app's config vars: the whole set, as it was written.
type Version struct {
	Number int
	Vars   map[string]string // never nil
}

// Names returns the names of the version's vars, sorted.
func (v Version) Names() []string { return slices.Sorted(maps.Keys(v.Vars)) }

// Environ returns the version's vars as NAME=VALUE, sorted by name, for a process's environment.
func (v Version) Environ() []string {
	env := make([]string, 0, len(v.Vars))
	for _, name := range v.Names() {
		env = append(env, name+"="+v.Vars[name])
	}
	return env
}

// Change is what a change of config vars sets and unsets.
type Change struct {
	Set   map[string]string
	Unset []string
}

// Store is the config vars of one app. It is safe for concurrent use.
type Store struct {
	dir string
	mu  sync.Mutex // held while a version is written
}

// Open opens (creating if needed, 0700) the config vars in dir.
func Open(dir string) (*Store, error) {
	if err := release.MakePrivateDir(dir); err != nil {
		return nil, fmt.Errorf("create the config vars dir: %w", err)
	}
	return &Store{dir: dir}, nil
}

// Dir is where the store keeps its files.
func (s *Store) Dir() string { return s.dir }

// Current returns the newest version, version 0 (no vars) when none was written.
func (s *Store) Current() (Version, error) {
	n, err := s.newest()
	if err != nil {
		return Version{}, err
	}
	return s.Get(n)
}

// Get returns version n; version 0 is the empty set.
func (s *Store) Get(n int) (Version, error) {
	v := Version{Number: n, Vars: map[string]string{}}
	if n == 0 {
		return v, nil
	}
	if n < 0 {
		return Version{}, fmt.Errorf("config vars version %d: %w", n, ErrNoVersion)
	}
	b, err := release.ReadPrivateFile(s.path(n))
	if errors.Is(err, os.ErrNotExist) {
		return Version{}, fmt.Errorf("config vars version %d: %w (its file %s is gone): set the vars again with `cutover config set`", n, ErrNoVersion, s.path(n))
	}
	if err != nil {
		return Version{}, fmt.Errorf("read config vars version %d: %w", n, err)
	}
	// The decoder's error could quote the file's text, which holds values: it is left out.
	if json.Unmarshal(b, &v.Vars) != nil || v.Vars == nil {
		return Version{}, fmt.Errorf("config vars version %d: %w: restore %s from a backup, or remove it and set the vars again", n, ErrDamaged, s.path(n))
	}
	return v, nil
}

// Change writes the current version with c applied as the next version and returns it. A change
// that changes nothing (a value set to what it is, a name unset that is not set) writes nothing,
// and returns the current version with changed false. Every name is checked before anything is
// written.
func (s *Store) Change(c Change) (v Version, changed bool, err error) {
	for name, value := range c.Set {
		if err := CheckName(name); err != nil {
			return Version{}, false, err
		}
		if err := checkValue(name, value); err != nil {
			return Version{}, false, err
		}
	}
	for _, name := range c.Unset {
		if err := CheckName(name); err != nil {
			return Version{}, false, err
		}
		if _, ok := c.Set[name]; ok {
			return Version{}, false, fmt.Errorf("%s is both set and unset: say which", name)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, err := s.Current()
	if err != nil {
		return Version{}, false, err
	}
	next := maps.Clone(cur.Vars)
	maps.Copy(next, c.Set)
	for _, name := range c.Unset {
		delete(next, name)
	}
	if maps.Equal(next, cur.Vars) {
		return cur, false, nil
	}
	v, err = s.writeLocked(cur.Number+1, next)
	return v, err == nil, err
}

// Restore makes version n the current one again, for a rollback to a release that booted with it:
// its vars are written as the next version, unless the current version has the same vars already.
func (s *Store) Restore(n int) (v Version, changed bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, err := s.Get(n)
	if err != nil {
		return Version{}, false, err
	}
	cur, err := s.Current()
	if err != nil {
		return Version{}, false, err
	}
	if maps.Equal(old.Vars, cur.Vars) {
		return cur, false, nil
	}
	v, err = s.writeLocked(cur.Number+1, old.Vars)
	return v, err == nil, err
}

// writeLocked writes vars as version n, atomically, 0600; s.mu is held.
func (s *Store) writeLocked(n int, vars map[string]string) (Version, error) {
	if _, err := os.Lstat(s.path(n)); err == nil {
		return Version{}, fmt.Errorf("config vars version %d exists already at %s: cutover never overwrites a version; is another daemon running on this state directory?", n, s.path(n))
	}
	b, err := json.MarshalIndent(vars, "", "  ")
	if err != nil {
		return Version{}, fmt.Errorf("encode config vars: %w", err)
	}
	// WriteFileAtomic's temp file is made 0600 (os.CreateTemp), so the values are never readable
	// by others, not even for a moment.
	if err := release.WriteFileAtomic(s.path(n), append(b, '\n')); err != nil {
		return Version{}, fmt.Errorf("store config vars version %d: %w", n, err)
	}
	return Version{Number: n, Vars: maps.Clone(vars)}, nil
}

// newest is the highest version written, 0 when none was.
func (s *Store) newest() (int, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return 0, fmt.Errorf("list config vars versions: %w", err)
	}
	newest := 0
	for _, e := range entries {
		if n, ok := versionOf(e.Name()); ok && e.Type().IsRegular() {
			newest = max(newest, n)
		}
	}
	return newest, nil
}

func (s *Store) path(n int) string { return filepath.Join(s.dir, "v"+strconv.Itoa(n)+".json") }

// versionOf reads the number of a version's file name, "v3.json"; temp files and others are not.
func versionOf(name string) (int, bool) {
	digits, ok := strings.CutSuffix(strings.TrimPrefix(name, "v"), ".json")
	n, err := strconv.Atoi(digits)
	if !ok || err != nil || n <= 0 || name != "v"+strconv.Itoa(n)+".json" {
		return 0, false
	}
	return n, true
}
