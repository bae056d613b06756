package freeport

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// RangeSize is how many ports below the kernel's ephemeral range Pick chooses from.
const RangeSize = 8192

// lowestPort is the lowest port Pick chooses: below it are the ports of well-known services.
const lowestPort = 10000

// attempts is how many ports of the range Pick tries before it gives up.
const attempts = 64

// recent is how many of the ports it handed out a process remembers, so as not to hand them out
// again while their server may still be starting.
const recent = 256

// ephemeralRange is where Linux keeps the range it picks local ports from.
const ephemeralRange = "/proc/sys/net/ipv4/ip_local_port_range"

var (
	mu     sync.Mutex
	handed = map[int]bool{}
	order  []int // handed, oldest first
)

// Pick returns a port on 127.0.0.1 that nothing listened on a moment ago, below the kernel's
// ephemeral range; when that range leaves no room below it, a port the kernel picks.
func Pick() (int, error) {
	lo, hi := window()
	if hi-lo < attempts {
		return kernelPort()
	}
	mu.Lock()
	defer mu.Unlock()
	start := rand.IntN(hi - lo)
	for i := range attempts {
		// A stride prime to any range size below 2^16 spreads the tries over the range.
		port := lo + (start+i*7919)%(hi-lo)
		if handed[port] {
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			if errors.Is(err, syscall.EADDRINUSE) || errors.Is(err, syscall.EACCES) {
				continue
			}
			return 0, fmt.Errorf("find a free port: %w", err)
		}
		ln.Close()
		remember(port)
		return port, nil
	}
	return 0, fmt.Errorf("find a free port: %d ports tried in %d-%d, all in use", attempts, lo, hi-1)
}

// Addr is Pick as an address, "127.0.0.1:PORT".
func Addr() (string, error) {
	port, err := Pick()
	if err != nil {
		return "", err
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), nil
}

// window is the range [lo, hi) Pick chooses from: RangeSize ports just below the ephemeral range,
// none below lowestPort.
func window() (lo, hi int) {
	hi = 32768 // the kernel's default start of the range
	if b, err := os.ReadFile(ephemeralRange); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil {
				hi = n
			}
		}
	}
	return max(lowestPort, hi-RangeSize), hi
}

func remember(port int) {
	handed[port] = true
	order = append(order, port)
	if len(order) > recent {
		delete(handed, order[0])
		order = order[1:]
	}
}

// kernelPort asks the kernel for a port, for a machine whose ephemeral range starts too low.
func kernelPort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// T is what ForTest needs of a *testing.T; taking it, not the testing package, keeps that package
// out of the binary, which picks app ports here too.
type T interface {
	Helper()
	Fatal(args ...any)
}

// ForTest is Addr for a test's server: it fails t when no port can be found.
func ForTest(t T) string {
	t.Helper()
	addr, err := Addr()
	if err != nil {
		t.Fatal(err)
	}
	return addr
}
