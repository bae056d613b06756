// Package pgtest starts throwaway PostgreSQL servers for tests: a real cluster made with initdb and
// started with pg_ctl on a free 127.0.0.1 port, never a mock. Start gives one cluster to one test;
// Shared gives one cluster to a whole test binary; NewDatabase gives each test its own database so
// tests can run in parallel.
//
// The server binaries are found in PATH or in /usr/lib/postgresql/*/bin. When they are missing the
// test fails, never skips, and says to run `apt-get install postgresql`. When the tests run as root,
// the cluster runs as the postgres system user, because initdb refuses root.
package pgtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/freeport"
)

// Defaults for starting and stopping a cluster. They bound waits on a busy machine; a healthy
// cluster starts in about a second.
const (
	DefaultStartTimeout = 2 * time.Minute
	DefaultStopTimeout  = time.Minute
	DefaultPortAttempts = 5 // a free port can be taken by someone else before the server binds it
)

// settings are appended to postgresql.conf: durability is worthless for a throwaway cluster, and
// the server must listen on loopback only.
const settings = `
listen_addresses = '127.0.0.1'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
`

// Cluster is a running throwaway PostgreSQL server. Its superuser is "postgres", with trust
// authentication, listening on 127.0.0.1 only.
type Cluster struct {
	// Port is the TCP port on 127.0.0.1 the server listens on.
	Port int
	// Dir holds the data folder, the unix socket and the server log.
	Dir string

	bin   binaries
	owner owner
}

// Start starts a cluster for one test. It is stopped (pg_ctl stop -m immediate) and its files
// removed when the test ends. Start fails the test, never skips it, when PostgreSQL is missing.
func Start(tb testing.TB) *Cluster {
	tb.Helper()
	c, err := start()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := c.stop(); err != nil {
			tb.Error(err)
		}
	})
	return c
}

// URL returns the address of database db on the cluster, for pgx or psql.
func (c *Cluster) URL(db string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User("postgres"),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port)),
		Path:     "/" + db,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// LogFile returns the path of the server's log, worth reading when a test fails oddly.
func (c *Cluster) LogFile() string { return filepath.Join(c.Dir, "server.log") }

func (c *Cluster) dataDir() string { return filepath.Join(c.Dir, "data") }

// start makes and starts a cluster without tying it to a test.
func start() (*Cluster, error) {
	bin, err := findBinaries(DefaultInstallRoot)
	if err != nil {
		return nil, err
	}
	o, err := currentOwner()
	if err != nil {
		return nil, err
	}
	dir, err := o.makeRoot()
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: dir, bin: bin, owner: o}
	if err := c.initdb(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		err = c.startOnFreePort()
		if err == nil {
			return c, nil
		}
		if attempt == DefaultPortAttempts || !strings.Contains(err.Error(), "already in use") {
			os.RemoveAll(dir)
			return nil, err
		}
	}
}

// initdb creates the data folder and appends the throwaway settings.
func (c *Cluster) initdb() error {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultStartTimeout)
	defer cancel()
	cmd := c.owner.command(ctx, c.Dir, c.bin.initdb, "-D", c.dataDir(),
		"-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--no-locale")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pgtest: %s failed: %w\n%s", c.bin.initdb, err, out)
	}
	conf := settings + fmt.Sprintf("unix_socket_directories = '%s'\n", strings.ReplaceAll(c.Dir, "'", "''"))
	f, err := os.OpenFile(filepath.Join(c.dataDir(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("pgtest: configure the cluster: %w", err)
	}
	if _, err := f.WriteString(conf); err != nil {
		f.Close()
		return fmt.Errorf("pgtest: configure the cluster: %w", err)
	}
	return f.Close()
}

// startOnFreePort picks a port that is free now and starts the server on it, waiting until it
// accepts connections. The error says "already in use" when another process took the port first.
func (c *Cluster) startOnFreePort() error {
	port, err := freePort()
	if err != nil {
		return err
	}
	logBefore, _ := os.ReadFile(c.LogFile())
	ctx, cancel := context.WithTimeout(context.Background(), DefaultStartTimeout+30*time.Second)
	defer cancel()
	cmd := c.owner.command(ctx, c.Dir, c.bin.pgCtl, "start", "-D", c.dataDir(), "-l", c.LogFile(),
		"-w", "-t", strconv.Itoa(int(DefaultStartTimeout.Seconds())), "-o", "-p "+strconv.Itoa(port))
	out, err := cmd.CombinedOutput()
	if err == nil {
		c.Port = port
		return nil
	}
	logAll, _ := os.ReadFile(c.LogFile())
	log := bytes.TrimPrefix(logAll, logBefore)
	if bytes.Contains(log, []byte("Address already in use")) {
		return fmt.Errorf("pgtest: port %d already in use", port)
	}
	return fmt.Errorf("pgtest: pg_ctl start failed: %w\n%s\nserver log:\n%s", err, out, log)
}

// stop stops the server at once (nothing in it is worth a clean shutdown) and removes its files.
func (c *Cluster) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultStopTimeout+30*time.Second)
	defer cancel()
	cmd := c.owner.command(ctx, c.Dir, c.bin.pgCtl, "stop", "-D", c.dataDir(), "-m", "immediate",
		"-w", "-t", strconv.Itoa(int(DefaultStopTimeout.Seconds())))
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("pgtest: pg_ctl stop failed (files left in %s): %w\n%s", c.Dir, err, out)
	}
	return os.RemoveAll(c.Dir)
}

// freePort picks a free port on 127.0.0.1 for the server to take (see package freeport).
func freePort() (int, error) {
	port, err := freeport.Pick()
	if err != nil {
		return 0, fmt.Errorf("pgtest: %w", err)
	}
	return port, nil
}
