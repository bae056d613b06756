package release

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// DefaultKeepReleases is how many of the newest releases stay on disk after a deploy; the live
// release and the one a rollback goes back to are kept besides, whatever their age.
const DefaultKeepReleases = 5

// Prune removes the release directories older than the newest keep, so each deploy's copy of the
// app does not stay forever. It never removes the live release, the release a rollback goes back to
// (see PreviousServed), or an app directory a kept release boots from (a rollback release boots
// the app of the release it rolls back to). Releases with a damaged record are pruned by their
// directory like the others. It returns the ids it removed, oldest first.
func (s *Store) Prune(keep int) ([]string, error) {
	if keep < 1 {
		return nil, fmt.Errorf("keep %d releases: keep at least 1", keep)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ids, err := s.ids()
	if err != nil {
		return nil, err
	}
	liveID, err := s.LiveID()
	if err != nil {
		return nil, err
	}
	rels, _, err := s.List()
	if err != nil {
		return nil, err
	}
	kept := s.keptIDs(ids, keep, liveID, rels)
	var removed []string
	var errs []error
	for _, n := range ids {
		id := "v" + strconv.Itoa(n)
		if kept[id] {
			continue
		}
		if err := removeAll(filepath.Join(s.dir, "releases", id)); err != nil {
			errs = append(errs, fmt.Errorf("remove release %s: %w", id, err))
			continue
		}
		s.unsavedMu.Lock()
		delete(s.unsaved, id)
		s.unsavedMu.Unlock()
		removed = append(removed, id)
	}
	return removed, errors.Join(errs...)
}

// DropApp removes the copy of the app of a release that failed, which nothing boots again (a
// rollback to it is refused): a failed build that filled the disk does not keep it full until a
// prune, which keeps the newest releases whatever became of them. Its record stays, for its history.
// A release booting another's app (a rollback) has no copy of its own, and nothing is removed.
func (s *Store) DropApp(r *Release) error {
	if r.Status != Failed || r.Dir != s.appDir(r.ID) {
		return nil
	}
	if err := removeAll(r.Dir); err != nil {
		return fmt.Errorf("remove the app copy of failed release %s: %w", r.ID, err)
	}
	return nil
}

// keptIDs is the set of releases Prune keeps.
func (s *Store) keptIDs(ids []int, keep int, liveID string, rels []*Release) map[string]bool {
	kept := map[string]bool{}
	for i := max(0, len(ids)-keep); i < len(ids); i++ {
		kept["v"+strconv.Itoa(ids[i])] = true
	}
	byID := map[string]*Release{}
	for _, r := range rels {
		byID[r.ID] = r
	}
	liveHash, liveVars := "", 0
	if live := byID[liveID]; live != nil {
		liveHash, liveVars = live.Hash, live.VarsVersion
	}
	if liveID != "" {
		kept[liveID] = true
	}
	if prev := PreviousServed(rels, liveID, liveHash, liveVars); prev != nil {
		kept[prev.ID] = true
	}
	// A kept release may boot from another one's app directory (a rollback does).
	for id := range kept {
		if r := byID[id]; r != nil {
			if owner := s.dirOwner(r.Dir); owner != "" {
				kept[owner] = true
			}
		}
	}
	return kept
}

// dirOwner returns the id of the release whose directory holds the app dir, "" if none does.
func (s *Store) dirOwner(dir string) string {
	rel, err := filepath.Rel(filepath.Join(s.dir, "releases"), dir)
	if err != nil || strings.HasPrefix(rel, "..") {
		return ""
	}
	id, _, _ := strings.Cut(filepath.ToSlash(rel), "/")
	if !validID(id) {
		return ""
	}
	return id
}

// removeAll removes dir; an app may have copied in directories without write permission, so on a
// failure it makes them writable and tries once more.
func removeAll(dir string) error {
	if err := os.RemoveAll(dir); err == nil {
		return nil
	}
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(path, 0o700)
		}
		return nil
	})
	return os.RemoveAll(dir)
}
