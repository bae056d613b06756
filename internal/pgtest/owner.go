package pgtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// owner is the system user that runs initdb, pg_ctl and the server. initdb refuses to run as root,
// so when the tests run as root the server runs as the "postgres" user that Debian's package creates.
type owner struct {
	uid, gid int
	cred     *syscall.Credential // nil: run as ourselves
}

// currentOwner picks the server's user: ourselves, or "postgres" when we are root.
func currentOwner() (owner, error) {
	if os.Geteuid() != 0 {
		return owner{uid: os.Geteuid(), gid: os.Getegid()}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return owner{}, fmt.Errorf("pgtest: running as root, and initdb refuses root, but there is "+
			"no postgres user to run it as (%w); install PostgreSQL with `apt-get install postgresql` "+
			"(it creates the user) or run the tests as a regular user", err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return owner{}, fmt.Errorf("pgtest: the postgres user has a non-numeric uid %q or gid %q", u.Uid, u.Gid)
	}
	return owner{uid: uid, gid: gid, cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}, nil
}

// command prepares name to run as the owner in dir, with PostgreSQL's own environment variables
// removed so a developer's PGDATA or PGPORT cannot redirect it.
func (o owner) command(ctx context.Context, dir, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if o.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: o.cred}
	}
	return cmd
}

// makeRoot creates a fresh folder for one cluster that the owner can reach and write. t.TempDir()
// is not used because its parents are created 0700 and the postgres user could not traverse them.
func (o owner) makeRoot() (string, error) {
	var tried []string
	for _, base := range []string{os.TempDir(), "/tmp", "/var/tmp"} {
		if err := o.traversable(base); err != nil {
			tried = append(tried, err.Error())
			continue
		}
		dir, err := os.MkdirTemp(base, "pgtest-")
		if err != nil {
			tried = append(tried, err.Error())
			continue
		}
		if err := os.Chown(dir, o.uid, o.gid); err != nil {
			os.RemoveAll(dir)
			return "", fmt.Errorf("pgtest: hand %s to uid %d: %w", dir, o.uid, err)
		}
		return dir, nil
	}
	return "", fmt.Errorf("pgtest: no temporary folder the server's user (uid %d) can reach: %s; "+
		"set TMPDIR to a world-traversable folder", o.uid, strings.Join(tried, "; "))
}

// traversable reports an error when the owner could not reach dir: every folder from / down must
// grant it search (x) permission.
func (o owner) traversable(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for p := abs; ; p = filepath.Dir(p) {
		info, err := os.Stat(p)
		if err != nil {
			return err
		}
		if !o.canSearch(info) {
			return fmt.Errorf("%s is not searchable by uid %d (mode %v)", p, o.uid, info.Mode().Perm())
		}
		if p == filepath.Dir(p) {
			return nil
		}
	}
}

// canSearch applies the owner/group/other permission bits the way the kernel does for a folder.
func (o owner) canSearch(info os.FileInfo) bool {
	if o.uid == 0 {
		return true
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	mode := info.Mode().Perm()
	switch {
	case !ok:
		return mode&0o001 != 0
	case int(st.Uid) == o.uid:
		return mode&0o100 != 0
	case int(st.Gid) == o.gid:
		return mode&0o010 != 0
	default:
		return mode&0o001 != 0
	}
}
