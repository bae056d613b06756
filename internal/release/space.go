package release

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"syscall"
)

// DefaultFreeSpaceMargin is the free space a deploy needs on the state directory's filesystem
// beyond the size of the app it copies: room for its records, the app's log and what the new
// release writes while it boots, so a deploy never starts on a disk it would fill.
const DefaultFreeSpaceMargin = 64 << 20

// SpaceError refuses a deploy on a filesystem without room for it, saying what uses the space.
type SpaceError struct {
	Dir      string // the state directory
	Free     int64  // bytes available to the daemon there
	App      int64  // bytes the app's copy takes
	Margin   int64  // head room asked for beyond the app
	Releases int64  // bytes under releases/
	Logs     int64  // bytes under logs/
}

func (e *SpaceError) Error() string {
	return fmt.Sprintf("not enough free space for a deploy in %s: %s free, %s needed (the app %s + margin %s); "+
		"releases/ uses %s and logs/ %s: remove old releases with `cutover releases prune` or free space on that disk",
		e.Dir, size(e.Free), size(e.App+e.Margin), size(e.App), size(e.Margin), size(e.Releases), size(e.Logs))
}

// CheckSpace returns a *SpaceError when the state directory's filesystem has less free space than
// the app at src takes plus margin bytes.
func (s *Store) CheckSpace(src string, margin int64) error {
	var st syscall.Statfs_t
	if err := syscall.Statfs(s.dir, &st); err != nil {
		return fmt.Errorf("free space of %s: %w", s.dir, err)
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	if root, err := filepath.EvalSymlinks(src); err == nil {
		src = root
	}
	app := treeSize(src, s.dir)
	if free >= app+margin {
		return nil
	}
	return &SpaceError{Dir: s.dir, Free: free, App: app, Margin: margin,
		Releases: treeSize(filepath.Join(s.dir, "releases"), ""), Logs: treeSize(filepath.Join(s.dir, "logs"), "")}
}

// treeSize is the bytes of the regular files under root, leaving out what copyTree leaves out.
func treeSize(root, stateDir string) int64 {
	var n int64
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() && (skipDirs[filepath.ToSlash(rel)] || path == stateDir) {
			return filepath.SkipDir
		}
		if info, err := d.Info(); err == nil && info.Mode().IsRegular() {
			n += info.Size()
		}
		return nil
	})
	return n
}

// size formats bytes for a person: 1.5 MiB.
func size(b int64) string {
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%d B", b)
	}
	div, exp := int64(unit), 0
	for n := b / unit; n >= unit; n /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(b)/float64(div), "KMGTPE"[exp])
}
