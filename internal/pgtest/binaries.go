package pgtest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// DefaultInstallRoot is where Debian and Ubuntu install PostgreSQL's server binaries, one folder per
// major version (/usr/lib/postgresql/15/bin).
const DefaultInstallRoot = "/usr/lib/postgresql"

// binaries is one folder holding initdb, pg_ctl and postgres of the same version.
type binaries struct {
	initdb, pgCtl string
}

// findBinaries looks for initdb in PATH, then in installRoot/*/bin, highest version first. pg_ctl
// and postgres must sit beside the initdb found: mixing versions breaks initdb.
func findBinaries(installRoot string) (binaries, error) {
	var tried []string
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		b, err := binariesIn(filepath.Dir(p))
		if err == nil {
			return b, nil
		}
		tried = append(tried, err.Error())
	} else {
		tried = append(tried, "initdb is not in PATH")
	}
	dirs, _ := filepath.Glob(filepath.Join(installRoot, "*", "bin"))
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, dir := range dirs {
		b, err := binariesIn(dir)
		if err == nil {
			return b, nil
		}
		tried = append(tried, err.Error())
	}
	if len(dirs) == 0 {
		tried = append(tried, fmt.Sprintf("nothing matches %s", filepath.Join(installRoot, "*", "bin")))
	}
	return binaries{}, fmt.Errorf("pgtest: no PostgreSQL server binaries found (%s); "+
		"install them with `apt-get install postgresql`", strings.Join(tried, "; "))
}

// binariesIn checks that dir holds the three programs a cluster needs.
func binariesIn(dir string) (binaries, error) {
	for _, name := range []string{"initdb", "pg_ctl", "postgres"} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
			return binaries{}, fmt.Errorf("%s is missing from %s", name, dir)
		}
	}
	return binaries{initdb: filepath.Join(dir, "initdb"), pgCtl: filepath.Join(dir, "pg_ctl")}, nil
}

// versionOf reads the major version from .../<version>/bin, or -1 when it is not a number.
func versionOf(binDir string) float64 {
	v, err := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	if err != nil {
		return -1
	}
	return v
}
