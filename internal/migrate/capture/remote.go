package capture

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// DefaultAdminTimeout bounds creating or dropping the scratch database on the check server.
const DefaultAdminTimeout = time.Minute

// RemotePrefix begins the name of every scratch database cutover makes on a check server; one
// left behind by a crash is safe to drop.
const RemotePrefix = "cutover_check_"

// ErrCheckDatabase means the check database's server (Options.CheckDatabase) refused what the
// check needs: a login, or creating a database.
var ErrCheckDatabase = errors.New("the check database refused the check")

// Remote is a scratch database on the user's own PostgreSQL server (Options.CheckDatabase), for a
// host without server binaries or a managed server whose version and extensions must match. Its
// statements are read on the wire by a Recorder in front of it, as the server's log is out of reach.
type Remote struct {
	// Database is the scratch database's name: RemotePrefix and random hex.
	Database string
	// Dir is a folder private to us holding the dumps and the proxy's socket; Close removes it.
	Dir string

	checkURL string // the server, connected to in its own database to create and drop Database
	user     string
	password string
	bin      Binaries
	rec      *Recorder
}

// StartRemote creates an empty database on the server of checkURL, where its user may create
// databases, and a Recorder in front of it in a new folder under parent ("" means the system's
// temporary folder). Close it when done: that drops the database.
func StartRemote(ctx context.Context, bin Binaries, parent, checkURL string) (*Remote, error) {
	if u, err := url.Parse(checkURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		// The value is not shown: a string that is not a URL would not have its password hidden.
		return nil, errors.New("check_database: want a URL such as postgres://user:password@host:5432/postgres")
	}
	cfg, err := pgconn.ParseConfig(checkURL)
	if err != nil {
		return nil, fmt.Errorf("check_database %s: %w", redact(checkURL), err)
	}
	random := make([]byte, 6)
	rand.Read(random)
	r := &Remote{Database: RemotePrefix + hex.EncodeToString(random), checkURL: checkURL,
		user: cfg.User, password: cfg.Password, bin: bin}
	if err := r.admin(ctx, "CREATE DATABASE "+pgx.Identifier{r.Database}.Sanitize()); err != nil {
		return nil, fmt.Errorf("create the scratch database %s on the check server %s: %w", r.Database, redact(checkURL), err)
	}
	if r.Dir, err = recorderDir(parent); err == nil {
		r.rec, err = NewRecorder(r.directURL(true), r.Dir)
	}
	if err != nil {
		return nil, errors.Join(err, r.Close())
	}
	return r, nil
}

// admin runs one statement on the check server, in check_database's own database.
func (r *Remote) admin(ctx context.Context, sql string) error {
	ctx, cancel := context.WithTimeout(ctx, DefaultAdminTimeout)
	defer cancel()
	cfg, err := pgx.ParseConfig(r.checkURL)
	if err != nil {
		return err
	}
	cfg.RuntimeParams["application_name"] = AppName
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		var pe *pgconn.PgError
		if errors.As(err, &pe) && (pe.Code == "28P01" || pe.Code == "28000") {
			return fmt.Errorf("%w: %s; fix the user or password in [migrations] check_database", ErrCheckDatabase, pe.Message)
		}
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42501" {
		return fmt.Errorf("%w: %s; the user of [migrations] check_database needs CREATEDB (ALTER ROLE ... CREATEDB)",
			ErrCheckDatabase, pe.Message)
	}
	return err
}

// directURL is check_database's URL with the scratch database in place of its own, and without
// its password when withPassword is false.
func (r *Remote) directURL(withPassword bool) string {
	u, _ := url.Parse(r.checkURL) // checked by StartRemote
	if !withPassword && u.User != nil {
		u.User = url.User(u.User.Username())
	}
	u.Path, u.RawPath = "/"+r.Database, ""
	q := u.Query()
	q.Del("dbname")
	q.Del("database")
	u.RawQuery = q.Encode()
	return u.String()
}

// Load copies the schema and bookkeeping rows of sourceURL into the scratch database, as
// Scratch.Load does, loading it directly rather than through the proxy so it is not recorded.
func (r *Remote) Load(ctx context.Context, sourceURL string) error {
	return load(ctx, r.bin, r.Dir, sourceURL, r.restore)
}

func (r *Remote) restore(ctx context.Context, file string) error {
	cmd := exec.CommandContext(ctx, r.bin.Path("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
		"--single-transaction", "-f", file, "--dbname="+r.directURL(false))
	// The user's PGSSLROOTCERT and such may be needed; the password goes in the environment, as
	// the command line is visible to every local user.
	cmd.Env = append(os.Environ(), "PGAPPNAME="+AppName)
	if r.password != "" {
		cmd.Env = append(cmd.Env, "PGPASSWORD="+r.password)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("load %s into the scratch database %s on the check server failed (%w): %s; that server may lack "+
			"an extension or be older than the source", filepath.Base(file), r.Database, err, strings.TrimSpace(string(out)))
	}
	return nil
}

// URL is the address for DATABASE_URL: the recording proxy, as check_database's user.
func (r *Remote) URL() string {
	q := url.Values{"host": {r.rec.Dir()}, "port": {strconv.Itoa(proxySocketPort)}, "sslmode": {"disable"}}
	user := url.User(r.user)
	if r.password != "" {
		user = url.UserPassword(r.user, r.password)
	}
	return (&url.URL{Scheme: "postgres", User: user, Path: "/" + r.Database, RawQuery: q.Encode()}).String()
}

// Env returns environ with DATABASE_URL and libpq's variables pointed at the recording proxy, and
// every other PG* variable removed, as Scratch.Env does.
func (r *Remote) Env(environ []string) []string {
	var env []string
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "PG") && !strings.HasPrefix(kv, "DATABASE_URL=") {
			env = append(env, kv)
		}
	}
	env = append(env, "DATABASE_URL="+r.URL(), "PGHOST="+r.rec.Dir(), "PGPORT="+strconv.Itoa(proxySocketPort),
		"PGUSER="+r.user, "PGDATABASE="+r.Database, "PGSSLMODE=disable")
	if r.password != "" {
		env = append(env, "PGPASSWORD="+r.password)
	}
	return env
}

// Mark records phaseMark between the release and the post-deploy command.
func (r *Remote) Mark() { r.rec.Mark() }

// Statements stops the proxy, once the commands have exited, and returns what they executed.
func (r *Remote) Statements() []Statement {
	r.rec.Close()
	return r.rec.Statements()
}

// Close stops the proxy, drops the scratch database (WITH (FORCE) on PostgreSQL 13 and later,
// closing connections a command left behind) and removes Dir. It runs even when ctx has ended.
func (r *Remote) Close() error {
	var err error
	if r.rec != nil {
		err = r.rec.Close()
	}
	ctx := context.Background()
	name := pgx.Identifier{r.Database}.Sanitize()
	dropErr := r.admin(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	var pe *pgconn.PgError
	if errors.As(dropErr, &pe) && pe.Code == "42601" { // before PostgreSQL 13: no FORCE
		dropErr = r.admin(ctx, "DROP DATABASE IF EXISTS "+name)
	}
	if dropErr != nil {
		err = errors.Join(err, fmt.Errorf("drop the scratch database %s on the check server %s (drop it by hand): %w",
			r.Database, redact(r.checkURL), dropErr))
	}
	if r.Dir != "" {
		if rmErr := os.RemoveAll(r.Dir); rmErr != nil {
			err = errors.Join(err, fmt.Errorf("remove %s: %w", r.Dir, rmErr))
		}
	}
	return err
}

// captureRemote is Capture on a scratch database on the check server.
func captureRemote(ctx context.Context, opts Options) (*Result, error) {
	start := time.Now()
	bin := opts.Binaries
	if bin.Dir == "" {
		var err error
		if bin, err = FindClients(DefaultInstallRoot); err != nil {
			return nil, err
		}
	}
	r, err := StartRemote(ctx, bin, opts.TempDir, opts.CheckDatabase)
	if err != nil {
		return nil, err
	}
	res, err := r.capture(ctx, opts)
	if closeErr := r.Close(); closeErr != nil {
		err = errors.Join(err, closeErr)
	}
	if res != nil {
		res.Duration = time.Since(start)
	}
	return res, err
}

func (r *Remote) capture(ctx context.Context, opts Options) (*Result, error) {
	if err := r.Load(ctx, opts.DatabaseURL); err != nil {
		return nil, err
	}
	env := r.Env(opts.environ())
	out, runErr := Run(ctx, opts.AppDir, opts.Command, env, opts.Timeout)
	if runErr == nil && opts.Then != "" {
		r.Mark()
		var more []byte
		more, runErr = Run(ctx, opts.AppDir, opts.Then, env, opts.Timeout)
		out = append(out, more...)
	}
	res := &Result{Migrations: attribute(opts.AppDir, r.Statements()), Output: string(out)}
	if opts.ObserveLocks {
		res.LocksError = "locks are observed on a private scratch cluster only, not with check_database"
	}
	return res, runErr
}

// recorderDir makes a folder only we can enter, for the proxy's socket.
func recorderDir(parent string) (string, error) {
	if parent == "" {
		parent = os.TempDir()
	}
	dir, err := os.MkdirTemp(parent, "cutover-check-")
	if err != nil {
		return "", fmt.Errorf("make a folder for the recording proxy: %w", err)
	}
	return dir, nil
}
