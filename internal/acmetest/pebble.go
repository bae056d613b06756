package acmetest

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/freeport"
)

// DefaultValidity is the lifetime of the certificates Pebble issues when Options.Validity is 0.
const DefaultValidity = time.Hour

// DefaultStartTimeout bounds how long Start (and Restart) wait for Pebble and challtestsrv to answer.
const DefaultStartTimeout = 60 * time.Second

// StartAttempts is how many times Start picks new ports when one was taken before a program bound it.
const StartAttempts = 3

// pollInterval is how often Start asks a starting program whether it answers yet.
const pollInterval = 50 * time.Millisecond

// Options says where Pebble's validation authority connects and what it issues.
type Options struct {
	// HTTPPort is the port Pebble connects to for http-01 challenges: the test's plain HTTP listener.
	HTTPPort int
	// TLSPort is the port Pebble connects to for tls-alpn-01 challenges: the test's TLS listener.
	TLSPort int
	// Validity is the lifetime of issued certificates, whole seconds; 0 means DefaultValidity.
	// Pebble sets NotAfter to NotBefore + Validity - 1s.
	Validity time.Duration
}

// Server is a running Pebble with its DNS server. Its methods fail the test on error.
type Server struct {
	// DirectoryURL is the ACME directory: https://127.0.0.1:P/dir.
	DirectoryURL string
	// CARoots is the PEM file of the root that signed Pebble's own HTTPS certificate (its API and
	// management port); an ACME client trusts it to talk to Pebble. It is not the issuing root.
	CARoots string
	// APICertFile and APIKeyFile are the pair Pebble serves its API with, signed by CARoots: a test
	// that puts a proxy in front of Pebble serves them too, so clients trust the proxy alike.
	APICertFile, APIKeyFile string

	t          testing.TB
	bins       binaries
	dir        string // the tests' temp dir: config and logs
	config     string
	dnsAddr    string
	mgmtAddr   string
	challMgmt  string
	mu         sync.Mutex
	pebble     *process
	challtest  *process
	apiPool    *x509.CertPool
	httpClient *http.Client
}

// Start runs challtestsrv and Pebble for the test and stops them when it ends. It skips the test
// in -short mode.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if testing.Short() {
		t.Skip("acmetest: skipped in -short mode: it runs a real ACME CA (Pebble)")
	}
	if opts.Validity == 0 {
		opts.Validity = DefaultValidity
	}
	bins, err := findBinaries()
	if err != nil {
		t.Fatalf("acmetest: %v", err)
	}
	certs := filepath.Join(bins.pebbleDir, "test", "certs")
	s := &Server{t: t, bins: bins, dir: t.TempDir(),
		CARoots:     filepath.Join(certs, "pebble.minica.pem"),
		APICertFile: filepath.Join(certs, "localhost", "cert.pem"),
		APIKeyFile:  filepath.Join(certs, "localhost", "key.pem")}
	pem, err := os.ReadFile(s.CARoots)
	if err != nil {
		t.Fatalf("acmetest: reading Pebble's minica root: %v", err)
	}
	s.apiPool = x509.NewCertPool()
	s.apiPool.AppendCertsFromPEM(pem)
	s.httpClient = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: s.apiPool}}}
	t.Cleanup(s.stopAll)

	for attempt := 1; ; attempt++ {
		err = s.startOn(opts)
		if err == nil {
			return s
		}
		s.stopAll()
		if !errors.Is(err, errAddrInUse) || attempt == StartAttempts {
			t.Fatalf("acmetest: %v", err)
		}
		t.Logf("acmetest: attempt %d: %v; trying new ports", attempt, err)
	}
}

// startOn picks ports, writes the config and starts both programs.
func (s *Server) startOn(opts Options) error {
	ports, err := freePorts(4)
	if err != nil {
		return err
	}
	api := fmt.Sprintf("127.0.0.1:%d", ports[0])
	s.mgmtAddr = fmt.Sprintf("127.0.0.1:%d", ports[1])
	s.dnsAddr = fmt.Sprintf("127.0.0.1:%d", ports[2])
	s.challMgmt = fmt.Sprintf("127.0.0.1:%d", ports[3])
	s.DirectoryURL = "https://" + api + "/dir"
	s.config = filepath.Join(s.dir, "pebble-config.json")
	if err := writeConfig(s.config, s.APICertFile, s.APIKeyFile, api, s.mgmtAddr, opts); err != nil {
		return err
	}
	s.challtest, err = startProcess(s.dir, "pebble-challtestsrv", s.bins.challtestsrv, nil,
		"-dnsserver", s.dnsAddr, "-defaultIPv4", "127.0.0.1", "-defaultIPv6", "",
		"-http01", "", "-https01", "", "-tlsalpn01", "", "-doh", "", "-management", s.challMgmt)
	if err != nil {
		return err
	}
	if err := s.challtest.waitReady(func() bool { return dialable(s.challMgmt) && dialable(s.dnsAddr) }); err != nil {
		return err
	}
	return s.startPebble()
}

func (s *Server) startPebble() error {
	p, err := startProcess(s.dir, "pebble", s.bins.pebble,
		[]string{"PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0"},
		"-config", s.config, "-dnsserver", s.dnsAddr, "-strict=false")
	if err != nil {
		return err
	}
	s.mu.Lock()
	s.pebble = p
	s.mu.Unlock()
	return p.waitReady(func() bool {
		resp, err := s.httpClient.Get(s.DirectoryURL)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// Stop stops Pebble, as a CA outage would; challtestsrv keeps running.
func (s *Server) Stop() {
	s.t.Helper()
	s.mu.Lock()
	p := s.pebble
	s.pebble = nil
	s.mu.Unlock()
	if p != nil {
		p.stop()
	}
}

// Restart starts Pebble again on the same address after Stop. Its issuing root is a new one.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	if err := s.startPebble(); err != nil {
		s.t.Fatalf("acmetest: restarting Pebble: %v", err)
	}
}

// Roots returns a pool holding Pebble's current issuing root, for clients of the certificates it
// issued (GET /roots/0 on its management port).
func (s *Server) Roots() *x509.CertPool {
	s.t.Helper()
	resp, err := s.httpClient.Get("https://" + s.mgmtAddr + "/roots/0")
	if err != nil {
		s.t.Fatalf("acmetest: fetching Pebble's issuing root: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		s.t.Fatalf("acmetest: fetching Pebble's issuing root: %s %v", resp.Status, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(body) {
		s.t.Fatalf("acmetest: Pebble's issuing root is not PEM: %q", body)
	}
	return pool
}

// AddA makes the DNS server answer ip for host instead of 127.0.0.1.
func (s *Server) AddA(host, ip string) {
	s.t.Helper()
	body, _ := json.Marshal(map[string]any{"host": host, "addresses": []string{ip}})
	resp, err := s.httpClient.Post("http://"+s.challMgmt+"/add-a", "application/json", bytes.NewReader(body))
	if err != nil {
		s.t.Fatalf("acmetest: adding an A record: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		s.t.Fatalf("acmetest: adding an A record: got %s, want 200 OK", resp.Status)
	}
}

// stopAll stops both programs; on a failed test it first logs the tail of their output.
func (s *Server) stopAll() {
	s.mu.Lock()
	procs := []*process{s.pebble, s.challtest}
	s.pebble, s.challtest = nil, nil
	s.mu.Unlock()
	for _, p := range procs {
		if p == nil {
			continue
		}
		if s.t.Failed() {
			s.t.Logf("acmetest: last output of %s:\n%s", p.name, p.tail())
		}
		p.stop()
	}
}

// writeConfig writes Pebble's config file with exactly one profile.
func writeConfig(path, certFile, keyFile, api, mgmt string, opts Options) error {
	cfg := map[string]any{"pebble": map[string]any{
		"listenAddress":                  api,
		"managementListenAddress":        mgmt,
		"certificate":                    certFile,
		"privateKey":                     keyFile,
		"httpPort":                       opts.HTTPPort,
		"tlsPort":                        opts.TLSPort,
		"ocspResponderURL":               "",
		"externalAccountBindingRequired": false,
		"retryAfter":                     map[string]int{"authz": 1, "order": 1},
		"keyAlgorithm":                   "ecdsa",
		"profiles": map[string]any{"default": map[string]any{
			"description": "acmetest", "validityPeriod": int(opts.Validity / time.Second)}},
	}}
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}

// freePorts returns n different ports that were free on 127.0.0.1 a moment ago (see package
// freeport).
func freePorts(n int) ([]int, error) {
	var ports []int
	for range n {
		port, err := freeport.Pick()
		if err != nil {
			return nil, err
		}
		ports = append(ports, port)
	}
	return ports, nil
}

func dialable(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

var errAddrInUse = errors.New("address already in use")

// process is one running program with its output kept in a file.
type process struct {
	name   string
	cmd    *exec.Cmd
	log    string
	exited chan struct{}
}

func startProcess(dir, name, bin string, env []string, args ...string) (*process, error) {
	logPath := filepath.Join(dir, name+".log")
	out, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, log: logPath, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		out.Close()
		close(p.exited)
	}()
	return p, nil
}

// waitReady polls ready until it says yes, the program exits, or DefaultStartTimeout passes.
func (p *process) waitReady(ready func() bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultStartTimeout)
	defer cancel()
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		if ready() {
			return nil
		}
		select {
		case <-p.exited:
			out := p.tail()
			if strings.Contains(out, "address already in use") {
				return fmt.Errorf("%s: %w", p.name, errAddrInUse)
			}
			return fmt.Errorf("%s exited before it answered (%s):\n%s", p.name, p.cmd.ProcessState, out)
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer within %s:\n%s", p.name, DefaultStartTimeout, p.tail())
		case <-tick.C:
		}
	}
}

// stop kills the program by its pid and waits until it is gone.
func (p *process) stop() {
	select {
	case <-p.exited:
		return
	default:
	}
	p.cmd.Process.Kill()
	<-p.exited
}

// tail returns the last lines of the program's output.
func (p *process) tail() string {
	data, _ := os.ReadFile(p.log)
	const max = 4000
	if len(data) > max {
		data = data[len(data)-max:]
	}
	return string(data)
}
