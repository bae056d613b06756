package process

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// DefaultCgroupDrainTimeout is how long the processes of a killed cgroup may take to be gone
// before its directory is removed; a process stuck in the kernel (an NFS read) can take longer,
// and its cgroup is then left for the next daemon's start to kill and remove.
const DefaultCgroupDrainTimeout = 5 * time.Second

// DaemonLeaf is the cgroup the daemon moves itself into, below the cgroup it was started in, so
// that the app's cgroups are its siblings: cgroup v2 lets only a leaf hold processes once
// controllers are enabled below it ("no internal processes"). A daemon started inside a cgroup of
// this name (by systemd's DelegateSubgroup=daemon, or as the child of an earlier daemon at an
// upgrade) is already there.
const DaemonLeaf = "daemon"

// Cgroups is the cgroup v2 subtree where a daemon confines its app's processes: one cgroup per
// process, below one per release, below Dir. Everything in it is the app's: unlike a process
// group, a process cannot leave its cgroup (setsid, a double fork) and unlike an environment
// variable the app cannot overwrite it, so killing the subtree ends all of it.
type Cgroups struct {
	// Dir is the app's cgroup directory, e.g. /sys/fs/cgroup/system.slice/cutover.service/cutover-1a2b3c4d.
	Dir string
}

// ErrNoCgroups reports that the app's processes cannot be put in cgroups here; its wrapper says
// why. Processes then run in process groups only.
var ErrNoCgroups = errors.New("process groups only")

// OpenCgroups prepares the cgroup subtree for the app whose state directory is stateDir: below the
// cgroup v2 this process runs in, which must be writable (delegated under systemd with
// Delegate=yes, or as root). If that cgroup is not the root one, the daemon first moves itself into
// DaemonLeaf below it. The error, wrapping ErrNoCgroups, says why cgroups cannot be used.
func OpenCgroups(stateDir string) (*Cgroups, error) {
	base, own, err := cgroupBase()
	if err != nil {
		return nil, err
	}
	c := &Cgroups{Dir: filepath.Join(base, appCgroupName(stateDir))}
	if err := os.MkdirAll(c.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("%w: cannot create a cgroup in %s (run under systemd with Delegate=yes, or as root): %v", ErrNoCgroups, base, err)
	}
	if _, err := os.Stat(filepath.Join(c.Dir, "cgroup.freeze")); err != nil {
		return nil, fmt.Errorf("%w: the kernel can neither kill nor freeze a cgroup (cgroup.kill needs Linux 5.14, cgroup.freeze 5.2)", ErrNoCgroups)
	}
	if own != base {
		return c, nil // already in the leaf
	}
	if isRootCgroup(base) {
		return c, nil // the root cgroup may hold processes beside its children
	}
	leaf := filepath.Join(base, DaemonLeaf)
	if err := os.MkdirAll(leaf, 0o755); err != nil {
		return nil, fmt.Errorf("%w: create the daemon's own cgroup %s: %v", ErrNoCgroups, leaf, err)
	}
	if err := os.WriteFile(filepath.Join(leaf, "cgroup.procs"), []byte(strconv.Itoa(os.Getpid())), 0); err != nil {
		return nil, fmt.Errorf("%w: move the daemon into %s: %v", ErrNoCgroups, leaf, err)
	}
	return c, nil
}

// findCgroups returns the app's cgroup subtree for stateDir if it exists, without creating it or
// moving this process: for KillOrphans.
func findCgroups(stateDir string) *Cgroups {
	base, _, err := cgroupBase()
	if err != nil {
		return nil
	}
	dir := filepath.Join(base, appCgroupName(stateDir))
	if _, err := os.Stat(filepath.Join(dir, "cgroup.procs")); err != nil {
		return nil
	}
	return &Cgroups{Dir: dir}
}

// Path is the cgroup of process name of release id.
func (c *Cgroups) Path(id, name string) string { return filepath.Join(c.Dir, id, name) }

// KillAll kills every process in the subtree with SIGKILL, waits for them to be gone, removes
// the subtree, Dir included, and returns how many processes there were.
func (c *Cgroups) KillAll() (int, error) {
	n := len(cgroupPids(c.Dir))
	if n == 0 {
		return 0, c.Remove()
	}
	if err := killCgroup(c.Dir); err != nil {
		return 0, err
	}
	if err := waitCgroupEmpty(c.Dir, DefaultCgroupDrainTimeout); err != nil {
		return n, err
	}
	return n, c.Remove()
}

// Remove removes the subtree once the app's processes are stopped; a cgroup still holding a
// process stays.
func (c *Cgroups) Remove() error { return removeCgroupTree(c.Dir) }

// appCgroupName names the app's cgroup after its state directory, so that the daemons of two apps
// in one cgroup keep apart.
func appCgroupName(stateDir string) string {
	if abs, err := filepath.Abs(stateDir); err == nil {
		stateDir = abs
	}
	sum := sha256.Sum256([]byte(stateDir))
	return "cutover-" + hex.EncodeToString(sum[:4])
}

// cgroupBase returns the directory below which the app's cgroups go, and this process's own
// cgroup directory: the same, unless this process is in DaemonLeaf already.
func cgroupBase() (base, own string, err error) {
	rel, err := ownCgroup()
	if err != nil {
		return "", "", err
	}
	mount, root, err := cgroup2Mount()
	if err != nil {
		return "", "", err
	}
	if root != "/" {
		rel = strings.TrimPrefix(rel, root)
	}
	own = filepath.Join(mount, rel)
	base = own
	if filepath.Base(own) == DaemonLeaf && own != mount {
		base = filepath.Dir(own)
	}
	return base, own, nil
}

// ownCgroup returns this process's cgroup v2 path from /proc/self/cgroup.
func ownCgroup() (string, error) {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrNoCgroups, err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if path, ok := strings.CutPrefix(line, "0::"); ok {
			return path, nil
		}
	}
	return "", fmt.Errorf("%w: no cgroup v2 hierarchy (cgroup v1 only)", ErrNoCgroups)
}

// cgroup2Mount finds where the cgroup v2 hierarchy is mounted, and which of its cgroups is the
// mount's root.
func cgroup2Mount() (mount, root string, err error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", "", fmt.Errorf("%w: %v", ErrNoCgroups, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// id parent major:minor root mountpoint options... - fstype source superoptions
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		fields, postFields := strings.Fields(pre), strings.Fields(post)
		if !ok || len(fields) < 5 || len(postFields) < 1 || postFields[0] != "cgroup2" {
			continue
		}
		return unescapeMount(fields[4]), unescapeMount(fields[3]), nil
	}
	return "", "", fmt.Errorf("%w: cgroup v2 is not mounted", ErrNoCgroups)
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func isRootCgroup(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "cgroup.kill"))
	_, ferr := os.Stat(filepath.Join(dir, "cgroup.freeze"))
	return err != nil && ferr != nil // the root cgroup has neither
}

// openCgroup creates the cgroup dir and opens it, for a child to be started in it.
func openCgroup(dir string) (*os.File, error) {
	var err error
	for range 3 {
		// A release's last process removes the release's cgroup as it exits; its MkdirAll may
		// race ours, which then tries again.
		if err = os.MkdirAll(dir, 0o755); err == nil {
			var f *os.File
			if f, err = os.OpenFile(dir, os.O_RDONLY|unix.O_DIRECTORY, 0); err == nil {
				return f, nil
			}
		}
		if !errors.Is(err, fs.ErrNotExist) {
			break
		}
	}
	return nil, fmt.Errorf("create cgroup %s: %w", dir, err)
}

// killCgroup sends SIGKILL to every process in the cgroup dir and below: through cgroup.kill, or on
// kernels without it by freezing the cgroup so that nothing forks meanwhile.
func killCgroup(dir string) error {
	err := os.WriteFile(filepath.Join(dir, "cgroup.kill"), []byte("1"), 0)
	if errors.Is(err, fs.ErrNotExist) {
		if _, statErr := os.Stat(dir); statErr == nil {
			return freezeKill(dir)
		}
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("kill cgroup %s: %w", dir, err)
	}
	return nil
}

// freezeKill kills a cgroup's processes one by one while it is frozen; a frozen process still
// dies of SIGKILL.
func freezeKill(dir string) error {
	freeze := filepath.Join(dir, "cgroup.freeze")
	if err := os.WriteFile(freeze, []byte("1"), 0); err != nil {
		return fmt.Errorf("freeze cgroup %s: %w", dir, err)
	}
	defer os.WriteFile(freeze, []byte("0"), 0)
	var errs []error
	for _, pid := range cgroupPids(dir) {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			errs = append(errs, fmt.Errorf("kill %d in cgroup %s: %w", pid, dir, err))
		}
	}
	return errors.Join(errs...)
}

// signalCgroup sends sig to every process in the cgroup dir and below.
func signalCgroup(dir string, sig syscall.Signal) {
	for _, pid := range cgroupPids(dir) {
		_ = syscall.Kill(pid, sig)
	}
}

// cgroupPids lists the processes in the cgroup dir and below.
func cgroupPids(dir string) []int {
	var pids []int
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(filepath.Join(path, "cgroup.procs"))
		for f := range bytes.FieldsSeq(b) {
			if pid, err := strconv.Atoi(string(f)); err == nil {
				pids = append(pids, pid)
			}
		}
		return nil
	})
	return pids
}

// waitCgroupEmpty polls until no process is left in the cgroup dir or below, or timeout passes.
func waitCgroupEmpty(dir string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for delay := time.Millisecond; ; delay = min(2*delay, 50*time.Millisecond) {
		b, err := os.ReadFile(filepath.Join(dir, "cgroup.events"))
		if err != nil || bytes.Contains(b, []byte("populated 0")) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("cgroup %s: processes still there %v after SIGKILL", dir, timeout)
		}
		time.Sleep(delay)
	}
}

// removeCgroupTree removes the empty cgroup dir and those below it, deepest first.
func removeCgroupTree(dir string) error {
	var dirs []string
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, path)
		}
		return nil
	})
	slices.Reverse(dirs)
	var errs []error
	for _, d := range dirs {
		if err := unix.Rmdir(d); err != nil && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("remove cgroup %s: %w", d, err))
		}
	}
	return errors.Join(errs...)
}

// releaseCgroup kills what is left in a process's cgroup once its leader has exited, waits for it
// to be gone and removes the cgroup, and its release's cgroup if that is empty now.
func releaseCgroup(dir string) {
	if dir == "" {
		return
	}
	_ = killCgroup(dir)
	if waitCgroupEmpty(dir, DefaultCgroupDrainTimeout) != nil {
		return // the next daemon's start kills and removes it
	}
	if removeCgroupTree(dir) == nil {
		_ = unix.Rmdir(filepath.Dir(dir)) // fails while a sibling is there, as it should
	}
}
