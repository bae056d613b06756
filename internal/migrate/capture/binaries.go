package capture

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
)

// DefaultInstallRoot is where Debian and Ubuntu install PostgreSQL's server binaries, one folder per
// major version (/usr/lib/postgresql/15/bin).
const DefaultInstallRoot = "/usr/lib/postgresql"

// ErrNoBinaries means the host has no PostgreSQL server binaries to start a scratch copy with.
var ErrNoBinaries = errors.New("no PostgreSQL server binaries (initdb, postgres, pg_dump, psql) found; " +
	"install the Debian package postgresql (`apt-get install postgresql`)")

// ErrNoClients means the host has no PostgreSQL client programs to copy the schema with.
var ErrNoClients = errors.New("no PostgreSQL client programs (pg_dump, psql) found; " +
	"install the Debian package postgresql-client (`apt-get install postgresql-client`), of the check database's version or newer")

// Binaries is one folder holding the PostgreSQL programs a scratch copy needs, all of one version.
type Binaries struct {
	// Dir holds initdb, postgres, pg_dump and psql (only pg_dump and psql when found by FindClients).
	Dir string
}

// binaryNames are the programs Scratch runs; they must come from one folder, as mixing versions
// breaks initdb and pg_dump refuses a newer server.
var binaryNames = []string{"initdb", "postgres", "pg_dump", "psql"}

// clientNames are the programs a scratch database on the user's server (Options.CheckDatabase)
// needs: the copy is made by pg_dump and loaded by psql.
var clientNames = []string{"pg_dump", "psql"}

// FindBinaries looks for the folder of initdb in PATH, then in installRoot/*/bin, highest version
// first. The error wraps ErrNoBinaries.
func FindBinaries(installRoot string) (Binaries, error) {
	b, ok := find(installRoot, binaryNames)
	if !ok {
		return Binaries{}, fmt.Errorf("looked in PATH and %s: %w", filepath.Join(installRoot, "*", "bin"), ErrNoBinaries)
	}
	return b, nil
}

// FindClients looks for a folder holding pg_dump and psql, as FindBinaries does: all a scratch
// database on the user's own server needs. The error wraps ErrNoClients.
func FindClients(installRoot string) (Binaries, error) {
	b, ok := find(installRoot, clientNames)
	if !ok {
		return Binaries{}, fmt.Errorf("looked in PATH and %s: %w", filepath.Join(installRoot, "*", "bin"), ErrNoClients)
	}
	return b, nil
}

// find returns the first folder holding every one of names: that of names[0] in PATH (as found,
// then with symlinks resolved), then installRoot/*/bin, highest version first.
func find(installRoot string, names []string) (Binaries, bool) {
	var dirs []string
	if p, err := exec.LookPath(names[0]); err == nil {
		dirs = append(dirs, filepath.Dir(p))
		if real, err := filepath.EvalSymlinks(p); err == nil {
			dirs = append(dirs, filepath.Dir(real))
		}
	}
	found, _ := filepath.Glob(filepath.Join(installRoot, "*", "bin"))
	sort.Slice(found, func(i, j int) bool { return versionOf(found[i]) > versionOf(found[j]) })
	dirs = append(dirs, found...)
	for _, dir := range dirs {
		if complete(dir, names) {
			return Binaries{Dir: dir}, true
		}
	}
	return Binaries{}, false
}

// Path returns the full path of one of the programs.
func (b Binaries) Path(name string) string { return filepath.Join(b.Dir, name) }

func complete(dir string, names []string) bool {
	for _, name := range names {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// versionOf reads the major version from .../<version>/bin, or -1 when it is not a number.
func versionOf(binDir string) float64 {
	v, err := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	if err != nil {
		return -1
	}
	return v
}

// serverUser is the system user that runs initdb and the server. initdb refuses root, so under
// root the server runs as the "postgres" user that Debian's package creates.
type serverUser struct {
	uid, gid int
	cred     *syscall.Credential // nil: run as ourselves
}

func currentServerUser() (serverUser, error) {
	if os.Geteuid() != 0 {
		return serverUser{uid: os.Geteuid(), gid: os.Getegid()}, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return serverUser{}, fmt.Errorf("running as root, which initdb refuses, and there is no postgres user "+
			"to run the scratch server as (%w); install the Debian package postgresql, which creates it", err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return serverUser{}, fmt.Errorf("the postgres user has a non-numeric uid %q or gid %q", u.Uid, u.Gid)
	}
	return serverUser{uid: uid, gid: gid, cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}, nil
}

// DefaultSharedTempDir holds the scratch copy when the usual temporary folder is private to us
// and the server runs as another user.
const DefaultSharedTempDir = "/tmp"

// canReach reports whether the server's user can enter dir: every folder from the root down must
// let it search (the x bit for it as owner, group or other). Run as ourselves, it always can.
func (u serverUser) canReach(dir string) bool {
	if u.cred == nil {
		return true
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for p := abs; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return false
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		mode := fi.Mode().Perm()
		switch {
		case !ok:
			return false
		case int(st.Uid) == u.uid:
			if mode&0o100 == 0 {
				return false
			}
		case int(st.Gid) == u.gid:
			if mode&0o010 == 0 {
				return false
			}
		case mode&0o001 == 0:
			return false
		}
		if p == filepath.Dir(p) {
			return true
		}
	}
}

// apply makes cmd run as the server's user.
func (u serverUser) apply(cmd *exec.Cmd) {
	if u.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: u.cred}
	}
}
