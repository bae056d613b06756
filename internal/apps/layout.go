package apps

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cutover-dev/cutover/internal/process"
	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/router"
)

// DefaultName is the name Migrate gives the app of a single-app state directory when the base
// name of its live release's source is not a valid name, or no release went live.
const DefaultName = "app"

const (
	// releasesDirName is where package release keeps an app's releases, in its directory.
	releasesDirName = "releases"
	// migratingPrefix names the directory of apps a migration fills before it takes the app's name.
	migratingPrefix = ".migrating-"
)

// legacyEntries are what a single-app state directory holds at its top that belongs to its app,
// in the order Migrate moves them. The names are those of package release (releases, live),
// deploy.FormationFile, the daemon's log directory and process.PidDirName; the first two are
// spelled out here because package deploy and the daemon import this package, not the reverse.
var legacyEntries = []string{releasesDirName, "live", "formation.json", "logs", process.PidDirName}

// afterStep is called after each step of a migration, 1 to 6; an error stops the migration there,
// as a crash would. Tests set it.
var afterStep = func(step int) error { return nil }

// IsLegacy reports whether stateDir is a single-app state directory from before apps, or one whose
// migration a crash interrupted: it has releases, live or apps, and no LayoutFile. Migrate
// finishes either; call it at every start rather than only when IsLegacy says so.
func IsLegacy(stateDir string) bool {
	if exists(filepath.Join(stateDir, LayoutFile)) {
		return false
	}
	for _, name := range []string{releasesDirName, "live", AppsDirName} {
		if exists(filepath.Join(stateDir, name)) {
			return true
		}
	}
	return false
}

// Migrate moves a legacy single-app state directory into layout 2, in place, once, and returns the
// app's name: the base name of its live release's source, lowercased, if CheckName accepts it,
// else DefaultName. It returns "" when there was nothing to migrate (a new or already-migrated
// directory), and then writes LayoutFile if it is absent.
//
// The steps are those of the design (docs/design/front-door.md §3): make apps/.migrating-<name>;
// move the app's entries into it; write its settings (every host, as before); rename it to
// apps/<name>; link <state>/releases to the moved releases, so that the absolute paths running
// processes and release records hold keep resolving until RemoveLegacyLink; write LayoutFile.
// Each step is idempotent and a crash at any point is resumed by the next call. Only one process
// may call it at a time: the daemon does, before it opens any store. A nil logger is slog.Default().
func Migrate(stateDir string, logger *slog.Logger) (name string, err error) {
	if logger == nil {
		logger = slog.Default()
	}
	done, err := hasLayout(stateDir)
	if err != nil || done {
		return "", err
	}
	name, err = pendingName(stateDir, logger)
	if err != nil {
		return "", err
	}
	if name == "" {
		if err := os.MkdirAll(stateDir, release.PrivateDirMode); err != nil {
			return "", fmt.Errorf("create state dir: %w", err)
		}
		return "", writeLayout(stateDir)
	}
	m := migration{state: stateDir, name: name}
	logger.Info("state migration", "state", stateDir, "app", name)
	for i, step := range []func() error{m.makeDir, m.move, m.writeSettings, m.rename, m.link, m.writeLayout} {
		if err := step(); err != nil {
			return "", fmt.Errorf("migrate %s to one directory per app (step %d of 6, app %s; start again to resume): %w", stateDir, i+1, name, err)
		}
		if err := afterStep(i + 1); err != nil {
			return "", err
		}
	}
	logger.Info("state migrated", "state", stateDir, "app", name, "dir", Dir(stateDir, name))
	return name, nil
}

// hasLayout reports whether stateDir has a LayoutFile, refusing one of another version.
func hasLayout(stateDir string) (bool, error) {
	b, err := release.ReadPrivateFile(filepath.Join(stateDir, LayoutFile))
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read the state's layout: %w", err)
	}
	if v := strings.TrimSpace(string(b)); v != Layout {
		return false, fmt.Errorf("%s says layout %q, and this cutover knows layout %s: run a cutover at least as new as the one that wrote it",
			filepath.Join(stateDir, LayoutFile), v, Layout)
	}
	return true, nil
}

func writeLayout(stateDir string) error {
	return release.WriteFileAtomic(filepath.Join(stateDir, LayoutFile), []byte(Layout+"\n"))
}

// pendingName returns the name of the app a migration of stateDir is for, "" if there is none to
// do: that of the migration a crash interrupted, else that of a legacy app.
func pendingName(stateDir string, logger *slog.Logger) (string, error) {
	apps := filepath.Join(stateDir, AppsDirName)
	if err := checkNotLink(apps); err != nil {
		return "", err
	}
	entries, err := os.ReadDir(apps)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("list apps: %w", err)
	}
	var migrating, names []string
	for _, e := range entries {
		if n, ok := strings.CutPrefix(e.Name(), migratingPrefix); ok && e.IsDir() && CheckName(n) == nil {
			migrating = append(migrating, n)
		} else if e.IsDir() && CheckName(e.Name()) == nil {
			names = append(names, e.Name())
		}
	}
	if len(migrating) > 1 {
		return "", fmt.Errorf("%s holds %d migrations (%s): there can be one; keep the one that holds the releases and remove the others",
			apps, len(migrating), strings.Join(migrating, ", "))
	}
	if len(migrating) == 1 {
		return migrating[0], nil
	}
	if name, ok, err := linkedName(stateDir); ok || err != nil {
		return name, err
	}
	if exists(filepath.Join(stateDir, releasesDirName)) || exists(filepath.Join(stateDir, "live")) {
		return legacyName(stateDir, logger)
	}
	// Apps and no LayoutFile: a migration stopped between renaming its directory and linking.
	switch len(names) {
	case 0:
		return "", nil
	case 1:
		return names[0], nil
	}
	return "", fmt.Errorf("%s holds apps (%s) but %s has no %s file: if it is in layout %s, write %q into it",
		apps, strings.Join(names, ", "), stateDir, LayoutFile, Layout, Layout)
}

// linkedName returns the app that <state>/releases links to, if it is a link a migration made.
func linkedName(stateDir string) (name string, ok bool, err error) {
	p := filepath.Join(stateDir, releasesDirName)
	fi, err := os.Lstat(p)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		return "", false, nil
	}
	target, err := os.Readlink(p)
	if err != nil {
		return "", false, fmt.Errorf("read the link %s: %w", p, err)
	}
	dir, base := filepath.Split(target)
	name = filepath.Base(dir)
	if base != releasesDirName || filepath.Clean(dir) != filepath.Join(AppsDirName, name) || CheckName(name) != nil {
		return "", false, plantedLink(p)
	}
	return name, true, nil
}

// legacyName is the name of the app of a legacy state directory.
func legacyName(stateDir string, logger *slog.Logger) (string, error) {
	for _, e := range legacyEntries {
		if err := checkNotLink(filepath.Join(stateDir, e)); err != nil {
			return "", err
		}
	}
	store, err := release.Open(stateDir)
	if err != nil {
		return "", err
	}
	live, err := store.Live()
	if err != nil {
		logger.Warn("state migration: live release unreadable", "app", DefaultName, "err", err)
		return DefaultName, nil
	}
	if live == nil {
		return DefaultName, nil
	}
	name := strings.ToLower(filepath.Base(live.Source))
	if err := CheckName(name); err != nil {
		logger.Info("state migration: source is no app name", "source", live.Source, "app", DefaultName, "err", err)
		return DefaultName, nil
	}
	return name, nil
}

// migration is the migration of one legacy state directory into the directory of the app name.
type migration struct {
	state, name string
}

func (m migration) final() string     { return Dir(m.state, m.name) }
func (m migration) migrating() string { return Dir(m.state, migratingPrefix+m.name) }

// dir is the app's directory as far as the migration got: migrating until step 4, final after.
func (m migration) dir() string {
	if exists(m.migrating()) {
		return m.migrating()
	}
	return m.final()
}

// makeDir is step 1.
func (m migration) makeDir() error {
	if exists(m.final()) {
		return nil
	}
	if err := release.MakePrivateDir(filepath.Join(m.state, AppsDirName)); err != nil {
		return err
	}
	if err := os.Mkdir(m.migrating(), release.PrivateDirMode); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return checkDir(m.migrating())
}

// move is step 2: what is already moved or was never there is skipped.
func (m migration) move() error {
	if !exists(m.migrating()) {
		return nil
	}
	if err := checkDir(m.migrating()); err != nil {
		return err
	}
	for _, e := range legacyEntries {
		from, to := filepath.Join(m.state, e), filepath.Join(m.migrating(), e)
		if !exists(from) {
			continue
		}
		if err := checkNotLink(from); err != nil {
			return err
		}
		if exists(to) {
			return fmt.Errorf("both %s and %s exist: keep the one that holds the app's state and remove the other", from, to)
		}
		if err := os.Rename(from, to); err != nil {
			return err
		}
	}
	return syncDirs(m.state, m.migrating())
}

// writeSettings is step 3: the app serves every host, as the state's only app did.
func (m migration) writeSettings() error {
	_, err := ReadSettings(m.dir())
	if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return WriteSettings(m.dir(), Settings{Hosts: []string{router.AnyHost}, Created: time.Now().UTC()})
}

// rename is step 4.
func (m migration) rename() error {
	if !exists(m.migrating()) {
		return checkDir(m.final())
	}
	if exists(m.final()) {
		return fmt.Errorf("both %s and %s exist: move what the second holds into the first, or remove the second", m.migrating(), m.final())
	}
	if err := os.Rename(m.migrating(), m.final()); err != nil {
		return err
	}
	return syncDirs(filepath.Join(m.state, AppsDirName))
}

// link is step 5; a state that had no releases directory gets no link.
func (m migration) link() error {
	if !exists(filepath.Join(m.final(), releasesDirName)) {
		return nil
	}
	p := filepath.Join(m.state, releasesDirName)
	if name, ok, err := linkedName(m.state); err != nil || ok {
		if err == nil && name != m.name {
			err = plantedLink(p)
		}
		return err
	}
	if exists(p) {
		return fmt.Errorf("%s is back after it was moved into %s: move what it holds there, or remove it", p, m.final())
	}
	if err := os.Symlink(filepath.Join(AppsDirName, m.name, releasesDirName), p); err != nil {
		return err
	}
	return syncDirs(m.state)
}

// writeLayout is step 6, last, so that a state without it is one whose migration is not done.
func (m migration) writeLayout() error { return writeLayout(m.state) }

// checkNotLink refuses a link where cutover keeps a file or directory of its own.
func checkNotLink(path string) error {
	fi, err := os.Lstat(path)
	if err == nil && fi.Mode()&os.ModeSymlink != 0 {
		return plantedLink(path)
	}
	return nil
}

// checkDir refuses anything but a directory at path, a link to one included.
func checkDir(path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return fmt.Errorf("%w: %s is not a directory (mode %s): remove it", release.ErrUnsafeStateDir, path, fi.Mode())
	}
	return nil
}

func plantedLink(path string) error {
	return fmt.Errorf("%w: %s is a symbolic link: put what it points to in its place, or remove it (cutover never follows a link in its state directory)",
		release.ErrUnsafeStateDir, path)
}

// syncDirs makes the renames in dirs survive a power cut.
func syncDirs(dirs ...string) error {
	for _, dir := range dirs {
		d, err := os.Open(dir)
		if err != nil {
			return err
		}
		err = d.Sync()
		d.Close()
		if err != nil {
			return fmt.Errorf("sync %s: %w", dir, err)
		}
	}
	return nil
}
