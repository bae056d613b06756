package release

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFileAtomic replaces path with data so that a reader or a crash sees the old file or the new
// one, never a mix: it writes a temp file beside it, fsyncs it, renames it, and fsyncs the directory.
func WriteFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync dir of %s: %w", path, err)
	}
	defer d.Close()
	return d.Sync()
}

// skipDirs are not part of a release, as a Heroku slug leaves out .git.
var skipDirs = map[string]bool{".git": true, ".hg": true, "node_modules/.cache": true}

// copyTree copies regular files, directories and symlinks from src to dst, skipping skipDirs and
// the state directory itself when the app lives around it.
//
// Links inside the app are copied as links, with the same target: one inside the app points into
// the release's own copy; one outside it (Capistrano's shared/ directories: log, uploads,
// database.yml) points at the same place in every release, on purpose, as it did where the app
// came from. hashTree hashes a link by its target, so two apps that differ only in where a link
// points never hash equal; what an outside link points at is not part of the release.
func copyTree(src, dst, stateDir string) error {
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() && (skipDirs[filepath.ToSlash(rel)] || path == stateDir) {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			return os.MkdirAll(target, privateMode(info.Mode())|0o700)
		case info.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case info.Mode().IsRegular():
			return copyFile(path, target, privateMode(info.Mode()))
		}
		return nil // sockets, fifos and devices are not part of an app
	})
}

// privateMode is the mode a copied file or directory gets: its owner's bits, none for group or
// others, since an app's files (cutover.toml's [env], a config/master.key) may hold secrets and
// the app runs as the daemon's user.
func privateMode(m fs.FileMode) fs.FileMode { return m.Perm() &^ 0o077 }

func copyFile(src, dst string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if err := out.Chmod(perm); err != nil { // the umask may have taken owner bits away
		out.Close()
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// hashTree is a sha256 over every file's path, mode and content, in walk (lexical) order. The
// mode counts as privateMode makes it, so a copy hashes as the app it was copied from.
func hashTree(root string) (string, error) {
	h := sha256.New()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %o\n", filepath.ToSlash(rel), info.Mode()&^0o077)
		if info.Mode()&fs.ModeSymlink != 0 {
			link, err := os.Readlink(path)
			fmt.Fprintln(h, link)
			return err
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(h, f)
		return err
	})
	if err != nil {
		return "", err
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}
