package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/cutover-dev/cutover/internal/freeport"
)

// Timeouts of the processes a bench starts.
const (
	// DefaultStartTimeout bounds how long a started process (backend, proxy, daemon) may take to
	// answer.
	DefaultStartTimeout = 30 * time.Second
	// DefaultStopTimeout is how long a process gets to exit after SIGTERM before it is killed.
	DefaultStopTimeout = 10 * time.Second

	pollInterval = 20 * time.Millisecond
	logTailBytes = 2000
)

// child is a process a bench started: a backend, a proxy or a daemon. It runs in its own process
// group, so stopping it also stops the workers it forked (nginx), and its output goes to a log
// file in the bench's temporary directory.
type child struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{} // closed when the process has exited
	err  error         // its exit error, set before done is closed
	// client is what waitAnswering probes with; nil means http.DefaultClient. A TLS bench sets
	// one that trusts its certificate.
	client *http.Client
	// host is the Host header of the probes, for a proxy that routes by it; "" means the URL's.
	host string
}

// startChild starts argv with its output in dir/name.log.
func startChild(name, dir string, argv []string, env []string) (*child, error) {
	logPath := filepath.Join(dir, name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create %s log: %w", name, err)
	}
	defer f.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

// pid is the process id of c.
func (c *child) pid() int { return c.cmd.Process.Pid }

// exited reports whether c has exited.
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop sends SIGTERM to c's process group and waits for c to exit, killing the group after
// timeout. It returns an error only if c had to be killed.
func (c *child) stop(timeout time.Duration) error {
	if c.exited() {
		return nil
	}
	syscall.Kill(-c.pid(), syscall.SIGTERM)
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-c.done:
		return nil
	case <-t.C:
	}
	syscall.Kill(-c.pid(), syscall.SIGKILL)
	<-c.done
	return fmt.Errorf("%s did not stop within %v of SIGTERM and was killed", c.name, timeout)
}

// logTail returns the end of c's output, for error messages.
func (c *child) logTail() string {
	b, err := os.ReadFile(c.log)
	if err != nil {
		return ""
	}
	if len(b) > logTailBytes {
		b = b[len(b)-logTailBytes:]
	}
	return string(bytes.TrimSpace(b))
}

// waitAnswering polls url until it answers with a 2xx status, c exits, or DefaultStartTimeout
// passes.
func (c *child) waitAnswering(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, DefaultStartTimeout)
	defer cancel()
	t := time.NewTicker(pollInterval)
	defer t.Stop()
	var last error
	for {
		if last = probeWith(ctx, c.client, url, c.host); last == nil {
			return nil
		}
		select {
		case <-c.done:
			return fmt.Errorf("%s exited (%v) before answering on %s; its output:\n%s", c.name, c.err, url, c.logTail())
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer on %s within %v (%v); its output:\n%s", c.name, url, DefaultStartTimeout, last, c.logTail())
		case <-t.C:
		}
	}
}

// errNotOK is a probe answered with a status other than 2xx.
var errNotOK = errors.New("not ready")

// probe sends one GET to url and wants a 2xx answer.
func probe(ctx context.Context, url string) error { return probeWith(ctx, nil, url, "") }

// probeWith is probe through client, nil meaning http.DefaultClient, with host as the Host header
// unless it is "".
func probeWith(ctx context.Context, client *http.Client, url, host string) error {
	if client == nil {
		client = http.DefaultClient
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	// A fresh connection every time: a probe must not keep anything open across a bench.
	req.Close = true
	if host != "" {
		req.Host = host
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%w: answered %s", errNotOK, resp.Status)
	}
	return nil
}

// freeAddr returns a loopback address with a port that was free a moment ago, for a process that
// takes its port as a flag.
func freeAddr() (string, error) { return freeport.Addr() }

// addrPort returns the port of a host:port address.
func addrPort(addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	return port
}

// dialable reports whether something accepts connections on addr.
func dialable(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
	}
	return err == nil
}
