package daemon_test

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/proxy"
)

// heldConns are client connections held open, with a count of those the daemon closed.
type heldConns struct {
	mu     sync.Mutex
	conns  []net.Conn
	closed atomic.Int64
	failed atomic.Int64 // dials or writes that failed
}

// holdConns opens n connections to addr that send head (which may be empty) and then wait. They
// are closed at cleanup.
func holdConns(t *testing.T, addr string, n int, head string) *heldConns {
	t.Helper()
	h := &heldConns{}
	t.Cleanup(h.close)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			c, err := net.Dial("tcp", addr)
			if err == nil && head != "" {
				_, err = io.WriteString(c, head)
			}
			if err != nil {
				h.failed.Add(1)
				if c != nil {
					c.Close()
				}
				return
			}
			h.mu.Lock()
			h.conns = append(h.conns, c)
			h.mu.Unlock()
			go func() {
				var b [1]byte
				if _, err := c.Read(b[:]); err != nil {
					h.closed.Add(1)
				}
			}()
		})
	}
	wg.Wait()
	return h
}

func (h *heldConns) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.conns {
		c.Close()
	}
	h.conns = nil
}

// TestStatusAnswersAtTheConnectionCap: with the public port at the proxy's connection cap (the
// daemon's open-file limit lowered so that it is small), connections past it are closed at once,
// and `cutover status` still answers over the control socket; once clients leave, the public port
// serves again.
func TestStatusAnswersAtTheConnectionCap(t *testing.T) {
	const nofile, extra = 612, 20
	capacity := (nofile - proxy.DefaultFDReserve) / 2
	d := startDaemonLimited(t, nofile, filepath.Join(t.TempDir(), "state"), "")
	d.mustDeploy(sampleApp(t, "v1", "", ""))

	held := holdConns(t, d.addr, capacity+extra, "")
	waitFor(t, fmt.Sprintf("the daemon to close the %d connections past its cap of %d", extra, capacity), func() bool {
		return held.closed.Load() >= extra
	})
	if n := held.closed.Load(); n > extra {
		t.Errorf("the daemon closed %d connections, want only the %d past its cap of %d", n, extra, capacity)
	}
	out, err := d.cutover("status")
	if err != nil || !strings.Contains(out, "live:      v1") {
		t.Fatalf("cutover status with the public port at its cap: %v\n%s\nwant an answer saying v1 is live", err, out)
	}

	held.close()
	waitFor(t, "the public port to serve again", func() bool { return d.version() == "v1" })
}

// TestDaemonMemoryUnderHeldConnections measures, and logs, the daemon's resident memory with 1,000
// connections each holding an unfinished request head just under the proxy's limit, and with
// 20,000 idle connections (as many as the open-file limit allows). It asserts nothing about the
// figures; run it with CUTOVER_MEASURE=1.
func TestDaemonMemoryUnderHeldConnections(t *testing.T) {
	if os.Getenv("CUTOVER_MEASURE") == "" {
		t.Skip("a measurement that opens 20,000 connections: run with CUTOVER_MEASURE=1 (under flock)")
	}
	const want = 20_000
	nofile := raiseNofile(t, 2*want+1000)
	t.Logf("open-file limit of the test and of the daemon: %d", nofile)

	// A head of four 8,000-byte fields (each under MaxFieldBytes), about 32,000 bytes in all, under
	// MaxRequestHeadBytes, with no blank line: the proxy holds it until the read-header timeout.
	head := "GET / HTTP/1.1\r\nHost: a\r\n" + strings.Repeat("X-Pad: "+strings.Repeat("p", 8000-len("X-Pad: "))+"\r\n", 4)
	for _, tt := range []struct {
		name  string
		conns int
		head  string
	}{
		{"1,000 connections holding a ~32 KB unfinished head", 1000, head},
		{fmt.Sprintf("%d idle connections", want), min(want, int(nofile)-500), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := startDaemonLimited(t, int(nofile), filepath.Join(t.TempDir(), "state"), "")
			d.mustDeploy(sampleApp(t, "v1", "", ""))
			before := rss(t, d.cmd.Process.Pid)
			start := time.Now()
			held := holdConns(t, d.addr, tt.conns, tt.head)
			// The proxy reads what was sent in its own time: take the highest of a few looks.
			peak := before
			for range 10 {
				time.Sleep(100 * time.Millisecond)
				peak = max(peak, rss(t, d.cmd.Process.Pid))
			}
			out, err := d.cutover("status")
			t.Logf("%s: daemon RSS %d MiB before, %d MiB held (%d opened in %v, %d closed by the daemon at its cap, %d failed); cutover status: %v",
				tt.name, before>>20, peak>>20, tt.conns, time.Since(start).Round(time.Millisecond), held.closed.Load(), held.failed.Load(), errOr(err, out))
		})
	}
}

// raiseNofile raises this process's open-file limit to n if it may (as root), and returns the
// limit it has.
func raiseNofile(t *testing.T, n uint64) uint64 {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur >= n {
		return lim.Cur
	}
	want := syscall.Rlimit{Cur: n, Max: max(n, lim.Max)}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err != nil {
		t.Logf("cannot raise the open-file limit to %d (%v): keeping %d", n, err, lim.Cur)
		return lim.Cur
	}
	return n
}

// rss returns the resident memory of pid in bytes.
func rss(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no VmRSS in /proc/%d/status", pid)
	return 0
}

func errOr(err error, out string) string {
	if err != nil {
		return fmt.Sprintf("failed: %v: %s", err, out)
	}
	return "answered"
}
