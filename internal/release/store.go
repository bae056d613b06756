// Package release is the store of releases on disk. Each deploy copies the app into an immutable
// directory, so a rollback can boot exactly what ran before, and records what happened to it.
//
//	<state>/releases/v7/app/          the app as deployed (cutover never changes it)
//	<state>/releases/v7/release.json  source, hash, status, timeline, figures
//	<state>/live                      the id of the release that last completed a switch
//
// Every file is written atomically (temp file, fsync, rename), so a crash never leaves half a record.
// The live pointer decides what serves: a deploy writes it before traffic moves, and at start
// Reconcile sets the records to agree with it. A damaged record is left out of List and reported,
// never in the way of a new release, whose id comes from the directory names. Prune removes old
// releases (never the live one or its rollback target), and CheckSpace refuses a deploy the
// state disk has no room for.
package release

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cutover-dev/cutover/internal/bake"
	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/report"
)

// Errors of the store.
var (
	// ErrNotFound is returned for a release id the store does not have.
	ErrNotFound = errors.New("no such release")
	// ErrDamaged is returned for a release whose record cannot be read or decoded.
	ErrDamaged = errors.New("record is damaged")
)

// Damaged is a release whose record cannot be read; List leaves it out and says why, so one bad
// file never hides the others or blocks a deploy.
type Damaged struct {
	ID     string `json:"id"`
	Reason string `json:"reason"`
}

// Status is where a release stands.
type Status string

// The statuses of a release.
const (
	Deploying   Status = "deploying"   // its deploy is under way
	Live        Status = "live"        // it serves traffic
	Superseded  Status = "superseded"  // it served, then a later release replaced it
	Failed      Status = "failed"      // its deploy stopped before the switch; it never served
	Interrupted Status = "interrupted" // the daemon stopped while its deploy ran
	// RolledBack: it served during its bake, then traffic went back to the release before it.
	RolledBack Status = "rolled back"
)

// Step is one step of a deploy's timeline.
type Step struct {
	Name     string        `json:"name"`
	Start    time.Time     `json:"start"`
	Duration time.Duration `json:"duration"`
	Error    string        `json:"error,omitempty"`
}

// Release is one deployed version of the app.
type Release struct {
	ID         string          `json:"id"`
	Source     string          `json:"source"`
	Created    time.Time       `json:"created"`
	Hash       string          `json:"hash"`
	Dir        string          `json:"dir"`
	RollbackOf string          `json:"rollback_of,omitempty"`
	Status     Status          `json:"status"`
	Error      string          `json:"error,omitempty"`
	Steps      []Step          `json:"steps,omitempty"`
	Config     config.Config   `json:"config"`           // the settings it was booted with, to boot it again after a restart
	Report     *report.Summary `json:"report,omitempty"` // requests, errors and latency during the deploy
	// Steady is the same figures over the time before the deploy, to compare with.
	Steady *report.Summary `json:"steady,omitempty"`
	// HealthyToFirst is the time from the release passing its health check to the proxy sending
	// it its first request; 0 if unknown.
	HealthyToFirst time.Duration `json:"healthy_to_first_request_ns,omitempty"`
	// PeakRSS is the daemon's peak memory during the deploy, in bytes; 0 if unknown.
	PeakRSS int64 `json:"peak_rss_bytes,omitempty"`
	// Warnings are what the deploy skipped or doubted, kept with the release (--skip-check).
	Warnings []string `json:"warnings,omitempty"`
	// Contract names the post-deploy (contract) migrations this deploy ran once the old release had
	// stopped: SQL files, framework migrations, or the postdeploy command itself. A rollback to a
	// release before this one is refused while it names any, since they may have removed what that
	// release's code needs.
	Contract []string `json:"contract,omitempty"`
	// Bake is how the bake after its switch went: passed, promoted or rolled back, with the
	// figures judged; nil when it had none.
	Bake *bake.Result `json:"bake,omitempty"`
	// VarsVersion is the version of the app's config vars it boots with (package vars), 0 for
	// none; the values themselves are never in the record.
	VarsVersion int `json:"vars_version,omitempty"`
	// VarsChangeOf is the release whose code it copied to boot it with changed config vars.
	VarsChangeOf string `json:"vars_change_of,omitempty"`
	// Commit is the git commit it was pushed as, nil when it was not pushed (package gitpush).
	Commit *Commit `json:"commit,omitempty"`
}

// Number is the release's sequence number (7 for "v7").
func (r *Release) Number() int {
	n, _ := strconv.Atoi(strings.TrimPrefix(r.ID, "v"))
	return n
}

// Store is the releases under one state directory. It is safe for concurrent use.
type Store struct {
	dir string
	mu  sync.Mutex // held while an id is reserved or releases are pruned

	// unsaved holds the records whose last Save failed (a full disk), as encoded then: Get and
	// List read them from here, so what the daemon says stays true until the disk takes them or
	// the next start reconciles the files.
	unsavedMu sync.Mutex
	unsaved   map[string][]byte
}

// Open opens (creating if needed) the store under stateDir.
func Open(stateDir string) (*Store, error) {
	dir, err := filepath.Abs(stateDir)
	if err != nil {
		return nil, fmt.Errorf("state dir: %w", err)
	}
	if err := OpenStateDir(dir); err != nil {
		return nil, err
	}
	if err := MakePrivateDir(filepath.Join(dir, "releases")); err != nil {
		return nil, fmt.Errorf("create state dir: %w", err)
	}
	return &Store{dir: dir}, nil
}

// OpenStateDir creates dir (0700) if needed, and refuses it, saying what to run, when another
// local user owns it or could write to it.
func OpenStateDir(dir string) error {
	if err := os.MkdirAll(dir, PrivateDirMode); err != nil {
		return fmt.Errorf("create state dir: %w", err)
	}
	if err := checkStateDir(dir); err != nil {
		return err
	}
	if err := MakePrivateDir(dir); err != nil {
		return fmt.Errorf("create state dir: %w", err)
	}
	return nil
}

// Dir is the absolute state directory.
func (s *Store) Dir() string { return s.dir }

// Create copies the app at src into a new release and records it as deploying.
func (s *Store) Create(src string) (*Release, error) {
	src, err := filepath.Abs(src)
	if err != nil {
		return nil, fmt.Errorf("app dir: %w", err)
	}
	// An app directory reached through a link (Capistrano's current -> releases/N) is copied from
	// where the link points, so the release holds the app itself, not a link that a later cleanup
	// of the target would break.
	root := src
	if resolved, err := filepath.EvalSymlinks(src); err == nil {
		root = resolved
	}
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("app dir %s: not a directory: give the directory that holds the Procfile", src)
	}
	r, err := s.next(Release{Source: src})
	if err != nil {
		return nil, err
	}
	if err := copyTree(root, r.Dir, s.dir); err != nil {
		os.RemoveAll(filepath.Dir(r.Dir))
		return nil, fmt.Errorf("copy the app into release %s: %w", r.ID, err)
	}
	if r.Hash, err = hashTree(r.Dir); err != nil {
		return nil, fmt.Errorf("hash release %s: %w", r.ID, err)
	}
	return r, s.Save(r)
}

// CreateRollback records a new release that boots the app of an earlier one again.
func (s *Store) CreateRollback(of *Release) (*Release, error) {
	r, err := s.next(Release{Source: of.Source, Hash: of.Hash, Dir: of.Dir, RollbackOf: of.ID, Commit: of.Commit})
	if err != nil {
		return nil, err
	}
	return r, s.Save(r)
}

// next reserves the next id by creating its directory. The id comes from the directory names, not
// the records, so a damaged record can never stop a deploy or hand out an id twice.
func (s *Store) next(r Release) (*Release, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids, err := s.ids()
	if err != nil {
		return nil, err
	}
	n := 1
	if len(ids) > 0 {
		n = ids[len(ids)-1] + 1
	}
	r.ID = "v" + strconv.Itoa(n)
	r.Created = time.Now().UTC()
	r.Status = Deploying
	if r.Dir == "" {
		r.Dir = s.appDir(r.ID)
	}
	if err := os.MkdirAll(filepath.Join(s.dir, "releases", r.ID), PrivateDirMode); err != nil {
		return nil, fmt.Errorf("create release %s: %w", r.ID, err)
	}
	return &r, nil
}

// Save writes the release's record atomically.
func (s *Store) Save(r *Release) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode release %s: %w", r.ID, err)
	}
	b = append(b, '\n')
	err = WriteFileAtomic(s.recordPath(r.ID), b)
	s.unsavedMu.Lock()
	defer s.unsavedMu.Unlock()
	if err == nil {
		delete(s.unsaved, r.ID)
		return nil
	}
	if s.unsaved == nil {
		s.unsaved = map[string][]byte{}
	}
	s.unsaved[r.ID] = b
	return err
}

// Get reads one release.
func (s *Store) Get(id string) (*Release, error) {
	if !validID(id) {
		return nil, fmt.Errorf("%q is not a release id like v3: %w", id, ErrNotFound)
	}
	s.unsavedMu.Lock()
	b, unsaved := s.unsaved[id]
	s.unsavedMu.Unlock()
	var err error
	if !unsaved {
		b, err = ReadPrivateFile(s.recordPath(id))
	}
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("release %s: %w (see `cutover releases`)", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read release %s: %w", id, err)
	}
	var r Release
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("release %s: %w (%v): deploy a new release, or remove %s", id, ErrDamaged, err, filepath.Dir(s.recordPath(id)))
	}
	if r.ID != id {
		return nil, fmt.Errorf("release %s: %w (it says it is %q): deploy a new release, or remove %s", id, ErrDamaged, r.ID, filepath.Dir(s.recordPath(id)))
	}
	// The app's copy is where this store keeps it, whatever path the record was written with: a
	// state directory moved (to the apps layout, or by its owner) keeps its releases bootable. A
	// rollback boots its target's copy.
	if copyOf := filepath.Base(filepath.Dir(r.Dir)); filepath.Base(r.Dir) == "app" && validID(copyOf) &&
		filepath.Base(filepath.Dir(filepath.Dir(r.Dir))) == "releases" {
		r.Dir = s.appDir(copyOf)
	}
	return &r, nil
}

// appDir is where release id's copy of the app is.
func (s *Store) appDir(id string) string { return filepath.Join(s.dir, "releases", id, "app") }

// List returns every readable release, oldest first, and the releases whose record is damaged,
// each with the reason. Only a failure to read the releases directory itself is an error.
func (s *Store) List() ([]*Release, []Damaged, error) {
	ids, err := s.ids()
	if err != nil {
		return nil, nil, err
	}
	var out []*Release
	var damaged []Damaged
	for _, n := range ids {
		id := "v" + strconv.Itoa(n)
		r, err := s.Get(id)
		switch {
		case errors.Is(err, ErrNotFound):
			continue // reserved by a deploy that died before its first save
		case err != nil:
			damaged = append(damaged, Damaged{ID: id, Reason: err.Error()})
			continue
		}
		out = append(out, r)
	}
	return out, damaged, nil
}

// ids returns the numbers of the release directories, in order.
func (s *Store) ids() ([]int, error) {
	entries, err := os.ReadDir(filepath.Join(s.dir, "releases"))
	if err != nil {
		return nil, fmt.Errorf("list releases: %w", err)
	}
	var ids []int
	for _, e := range entries {
		if e.IsDir() && validID(e.Name()) {
			n, _ := strconv.Atoi(strings.TrimPrefix(e.Name(), "v"))
			ids = append(ids, n)
		}
	}
	sort.Ints(ids)
	return ids, nil
}

// Live returns the release that last completed a switch, or nil if none has. A damaged record
// is an error wrapping ErrDamaged.
func (s *Store) Live() (*Release, error) {
	id, err := s.LiveID()
	if id == "" || err != nil {
		return nil, err
	}
	return s.Get(id)
}

// LiveID returns the id in the live pointer, "" if no release has completed a switch.
func (s *Store) LiveID() (string, error) {
	b, err := ReadPrivateFile(filepath.Join(s.dir, "live"))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read live release: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// SetLive records id as the release that serves traffic. It fails only if the pointer does not
// name id afterwards: when the rename took effect and only the directory's fsync failed, the
// pointer names id and the caller must act on it, as a restart would.
func (s *Store) SetLive(id string) error {
	err := WriteFileAtomic(filepath.Join(s.dir, "live"), []byte(id+"\n"))
	if err != nil {
		if cur, rerr := s.LiveID(); rerr == nil && cur == id {
			return nil
		}
	}
	return err
}

func (s *Store) recordPath(id string) string {
	return filepath.Join(s.dir, "releases", id, "release.json")
}

// validID reports whether id is a release id as next makes them: "v" and a number from 1, written
// without leading zeros, so each number has one directory.
func validID(id string) bool {
	n, err := strconv.Atoi(strings.TrimPrefix(id, "v"))
	return err == nil && n > 0 && id == "v"+strconv.Itoa(n)
}
