package apps

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
)

// CheckMigrate finds, without changing anything, what would stop Migrate: a link planted where the
// state keeps its own files, or a migration that cannot tell its app. The daemon asks before a
// daemon it takes over from lets go, so that such a state dir leaves the old one serving.
func CheckMigrate(stateDir string) error {
	if done, err := hasLayout(stateDir); err != nil || done {
		return err
	}
	if _, err := pendingName(stateDir, slog.New(slog.DiscardHandler)); err != nil {
		return err
	}
	for _, e := range legacyEntries {
		if e == releasesDirName {
			if _, ok, err := linkedName(stateDir); ok || err != nil {
				continue // our own link, or linkedName's error, which pendingName reported
			}
		}
		if err := checkNotLink(filepath.Join(stateDir, e)); err != nil {
			return err
		}
	}
	return nil
}

// RemoveLegacyLink removes the link a migration left at <state>/releases, if there is one: call it
// once the migrated app's first deploy has switched, when none of its processes runs from the old
// paths any more. A directory there is left alone.
func RemoveLegacyLink(stateDir string) error {
	p := filepath.Join(stateDir, releasesDirName)
	fi, err := os.Lstat(p)
	if errors.Is(err, os.ErrNotExist) || (err == nil && fi.Mode()&os.ModeSymlink == 0) {
		return nil
	}
	if err == nil {
		err = os.Remove(p)
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove the link of the old layout: %w", err)
	}
	return nil
}

// Names returns the names of the apps in stateDir, sorted: its app directories with a valid name.
// Directories of work in progress (.migrating-*, .destroyed-*) and links are left out.
func Names(stateDir string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(stateDir, AppsDirName))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list apps: %w", err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && CheckName(e.Name()) == nil {
			names = append(names, e.Name())
		}
	}
	return names, nil
}
