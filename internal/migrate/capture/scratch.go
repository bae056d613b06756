package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Defaults bounding the scratch copy's life. They are generous for a busy machine; a healthy copy of
// a small schema starts and loads in a few seconds.
const (
	DefaultStartTimeout = 2 * time.Minute // initdb, then the server accepting connections
	DefaultLoadTimeout  = 5 * time.Minute // pg_dump of the source and loading the copy
	// DefaultConnectTimeout bounds pg_dump's connecting to the source whose URL sets no
	// connect_timeout (libpq's PGCONNECT_TIMEOUT, in seconds): a host that takes the connection
	// and never answers is reported as unreachable.
	DefaultConnectTimeout = 15 * time.Second
	DefaultStopTimeout    = time.Minute // a fast shutdown before the server is killed
)

// AppName is the application_name of cutover's own connections to the copy; ReadLog leaves
// their statements out, so the capture holds only what the release command sent.
const AppName = "cutover-capture"

// BookkeepingTables are the tables in which frameworks record applied migrations; their rows are
// copied so that only pending migrations run on the copy.
var BookkeepingTables = []string{"schema_migrations", "ar_internal_metadata", "django_migrations", "alembic_version"}

// serverConf is appended to the copy's postgresql.conf. Durability is worthless for a throwaway copy;
// every statement is logged as JSON by the logging collector, to one file that never rotates.
const serverConf = `
listen_addresses = ''
port = 5432
fsync = off
synchronous_commit = off
full_page_writes = off
log_statement = 'all'
logging_collector = on
log_destination = 'jsonlog'
log_filename = 'postgresql.log'
log_rotation_age = 0
log_rotation_size = 0
`

// Scratch is a running private PostgreSQL cluster holding a schema-only copy of the app's database.
// It listens only on a unix socket in Dir; its superuser is "postgres", with trust authentication.
type Scratch struct {
	// Dir holds the data folder, the socket and the logs; Close removes it.
	Dir string
	// Database is the copy's database name, the source's name.
	Database string

	bin    Binaries
	user   serverUser
	server *exec.Cmd
	exited chan error // receives the server's exit once
}

// StartScratch makes and starts an empty cluster in a new folder under parent ("" means the system's
// temporary folder) with a database named database. Close it when done.
func StartScratch(ctx context.Context, bin Binaries, parent, database string) (*Scratch, error) {
	u, err := currentServerUser()
	if err != nil {
		return nil, err
	}
	if parent == "" {
		parent = os.TempDir()
		if !u.canReach(parent) { // a TMPDIR private to us, while the server runs as postgres
			parent = DefaultSharedTempDir
		}
	}
	if !u.canReach(parent) {
		return nil, fmt.Errorf("the scratch server runs as uid %d, which cannot reach %s (a folder on the way is private): "+
			"set TMPDIR to a folder it can reach, such as %s", u.uid, parent, DefaultSharedTempDir)
	}
	dir, err := os.MkdirTemp(parent, "cutover-capture-")
	if err != nil {
		return nil, fmt.Errorf("make the scratch copy's folder: %w", err)
	}
	s := &Scratch{Dir: dir, Database: database, bin: bin, user: u}
	if err := s.start(ctx); err != nil {
		return nil, errors.Join(err, s.Close())
	}
	return s, nil
}

func (s *Scratch) dataDir() string { return filepath.Join(s.Dir, "data") }

// LogDir holds the server's jsonlog once the server has stopped.
func (s *Scratch) LogDir() string { return filepath.Join(s.dataDir(), "log") }

func (s *Scratch) start(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, DefaultStartTimeout)
	defer cancel()
	if err := os.Chown(s.Dir, s.user.uid, s.user.gid); err != nil {
		return fmt.Errorf("hand %s to the server's user: %w", s.Dir, err)
	}
	initdb := s.serverCommand(ctx, s.bin.Path("initdb"), "-D", s.dataDir(), "-A", "trust", "-U", "postgres",
		"--no-sync", "-E", "UTF8", "--no-locale")
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb for the scratch copy failed: %w\n%s", err, out)
	}
	conf := serverConf + fmt.Sprintf("unix_socket_directories = '%s'\n", strings.ReplaceAll(s.Dir, "'", "''"))
	f, err := os.OpenFile(filepath.Join(s.dataDir(), "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("configure the scratch copy: %w", err)
	}
	_, err = f.WriteString(conf)
	if err := errors.Join(err, f.Close()); err != nil {
		return fmt.Errorf("configure the scratch copy: %w", err)
	}
	conn, err := s.serve(ctx)
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{s.Database}.Sanitize())
	conn.Close(context.Background())
	if err != nil {
		return fmt.Errorf("create database %q on the scratch copy: %w", s.Database, err)
	}
	return nil
}

// serve starts the server on the data folder and returns a connection to its postgres database
// once it accepts connections, within DefaultStartTimeout.
func (s *Scratch) serve(ctx context.Context) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, DefaultStartTimeout)
	defer cancel()
	// The server is our child, not pg_ctl's, so Close stops exactly the process started here.
	s.server = s.serverCommand(context.Background(), s.bin.Path("postgres"), "-D", s.dataDir())
	var out bytes.Buffer
	s.server.Stdout, s.server.Stderr = &out, &out
	if err := s.server.Start(); err != nil {
		return nil, fmt.Errorf("start the scratch server: %w", err)
	}
	s.exited = make(chan error, 1)
	go func() { s.exited <- s.server.Wait() }()
	for {
		conn, err := s.connect(ctx, "postgres")
		if err == nil {
			return conn, nil
		}
		select {
		case err := <-s.exited:
			s.exited <- err
			return nil, fmt.Errorf("the scratch server exited at start (%v): %s", err, out.Bytes())
		case <-ctx.Done():
			return nil, fmt.Errorf("the scratch server did not accept connections within %s: %w", DefaultStartTimeout, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *Scratch) connect(ctx context.Context, db string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=5432 user=postgres dbname=%s sslmode=disable application_name=%s",
		s.Dir, db, AppName))
	if err != nil {
		return nil, err
	}
	return pgx.ConnectConfig(ctx, cfg)
}

// URL is the copy's address for DATABASE_URL: user postgres, over the unix socket in Dir, all three
// as query parameters. A user before an empty host (postgres://postgres@/db) is rejected by Ruby's
// URI parser, so Rails could not boot; Rails 6.1 also drops the host and port parameters, and then
// connects by PGHOST and PGPORT, which Env sets to the same.
func (s *Scratch) URL() string {
	q := url.Values{"host": {s.Dir}, "port": {"5432"}, "user": {"postgres"}, "sslmode": {"disable"}}
	return (&url.URL{Scheme: "postgres", Path: "/" + s.Database, RawQuery: q.Encode()}).String()
}

// Env returns environ with DATABASE_URL and libpq's variables pointed at the copy, and every other
// PG* variable removed so nothing in the command can reach the real database by default.
func (s *Scratch) Env(environ []string) []string {
	var env []string
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "PG") && !strings.HasPrefix(kv, "DATABASE_URL=") {
			env = append(env, kv)
		}
	}
	return append(env, "DATABASE_URL="+s.URL(), "PGHOST="+s.Dir, "PGPORT=5432", "PGUSER=postgres",
		"PGDATABASE="+s.Database, "PGSSLMODE=disable")
}

// serverCommand runs name as the server's user with PostgreSQL's environment variables removed.
func (s *Scratch) serverCommand(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = s.Dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	s.user.apply(cmd)
	return cmd
}

// Stop shuts the server down (fast shutdown, so the logging collector writes everything), killing it
// after DefaultStopTimeout. It leaves the files for Statements; Close removes them.
func (s *Scratch) Stop() error {
	if s.server == nil || s.server.Process == nil {
		return nil
	}
	defer func() { s.server = nil }()
	if err := s.server.Process.Signal(syscall.SIGINT); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("stop the scratch server (pid %d): %w", s.server.Process.Pid, err)
	}
	select {
	case <-s.exited:
		return nil
	case <-time.After(DefaultStopTimeout):
		s.server.Process.Kill()
		<-s.exited
		return fmt.Errorf("the scratch server (pid %d) ignored a fast shutdown for %s and was killed",
			s.server.Process.Pid, DefaultStopTimeout)
	}
}

// Close stops the server if it still runs and removes Dir.
func (s *Scratch) Close() error {
	err := s.Stop()
	if rmErr := os.RemoveAll(s.Dir); rmErr != nil {
		err = errors.Join(err, fmt.Errorf("remove the scratch copy: %w", rmErr))
	}
	return err
}
