package release

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// Modes of what cutover makes in the state directory: app settings there may hold secrets (an
// [env] DATABASE_URL with its password) and the app's output may too, so nothing is open to other
// local users, whatever the app's own files' modes are.
const (
	PrivateDirMode  fs.FileMode = 0o700
	PrivateFileMode fs.FileMode = 0o600
)

// ErrUnsafeStateDir is returned for a state directory another local user could write to: they
// could plant a record, a log or a link that the daemon would then trust.
var ErrUnsafeStateDir = errors.New("unsafe state directory")

// MakePrivateDir creates dir (and its parents) if needed, and makes it 0700 if it was more open
// than that but no more than readable by others (as cutover made it before it kept these modes).
func MakePrivateDir(dir string) error {
	if err := os.MkdirAll(dir, PrivateDirMode); err != nil {
		return err
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if fi.Mode().Perm() != PrivateDirMode {
		return os.Chmod(dir, PrivateDirMode)
	}
	return nil
}

// checkStateDir refuses a state directory owned by another user or writable by group or others,
// saying what to run.
func checkStateDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("%w: %s is owned by uid %d, and cutover runs as uid %d: run cutover as its owner, or give it to this user with `chown -R %d %s`",
			ErrUnsafeStateDir, dir, st.Uid, os.Geteuid(), os.Geteuid(), dir)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%w: %s is writable by group or others (mode %04o), so another local user could plant files in it: run `chmod 700 %s`",
			ErrUnsafeStateDir, dir, fi.Mode().Perm(), dir)
	}
	return nil
}

// OpenPrivateAppend opens (creating if needed) a file of the state directory for appending, mode
// 0600, refusing to follow a link planted where the file should be.
func OpenPrivateAppend(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND|syscall.O_NOFOLLOW, PrivateFileMode)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("%w: %s is a symbolic link: remove it (cutover never writes through a link in its state directory)", ErrUnsafeStateDir, path)
		}
		return nil, err
	}
	if err := f.Chmod(PrivateFileMode); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// ReadPrivateFile reads a file cutover wrote in its state directory, refusing to follow a link
// planted where it should be: a record read through one could point cutover at anything.
func ReadPrivateFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("%w: %s is a symbolic link: remove it (cutover never reads its state through a link)", ErrUnsafeStateDir, path)
		}
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}
