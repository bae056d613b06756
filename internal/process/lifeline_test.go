package process

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestLifeline: processes started with KeepOnExit outlive a holder of the lifeline that exits while
// another still holds it, and are killed once the last one is gone.
func TestLifeline(t *testing.T) {
	marker := t.TempDir()
	app := start(t, Spec{Name: "app", Command: "sleep 60", KeepOnExit: true, Env: append(os.Environ(), StateEnv+"="+marker)})

	watcher := exec.Command(os.Args[0])
	watcher.Env = append(os.Environ(), helperEnv+"=lifeline", "LIFELINE_MARKER="+marker)
	out := &syncBuffer{}
	watcher.Stdout = out
	w, err := StartLifeline(watcher)
	if err != nil {
		t.Fatal(err)
	}
	// A second holder, as a successor daemon holds a copy after an upgrade.
	succ, err := dupFile(w)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	select {
	case <-app.Done():
		t.Fatalf("the app died while a holder of the lifeline was left: %v", app.Err())
	case <-time.After(200 * time.Millisecond): // a failure would show within this; success cannot be waited for
	}
	succ.Close()
	waitDone(t, app)
	waitFor(t, "the watcher to report", func() bool { return strings.Contains(out.String(), "killed 1") })
}

// lifelineHelper is the watcher, run by a re-executed test binary.
func lifelineHelper() int {
	n, err := WatchLifeline(os.NewFile(3, "lifeline"), func() []string { return []string{os.Getenv("LIFELINE_MARKER")} })
	fmt.Printf("killed %d %v\n", n, err)
	return 0
}

func dupFile(f *os.File) (*os.File, error) {
	raw, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var fd int
	var derr error
	raw.Control(func(s uintptr) { fd, derr = unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0) })
	if derr != nil {
		return nil, derr
	}
	return os.NewFile(uintptr(fd), f.Name()), nil
}
