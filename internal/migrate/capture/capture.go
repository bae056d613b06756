package capture

import (
	"context"
	"errors"
	"net/url"
	"os"
	"strings"
	"time"
)

// Options says what to capture.
type Options struct {
	// AppDir is the app's folder; the command runs there and migration files are found under it.
	AppDir string
	// Command is the release command, run with sh -c.
	Command string
	// Then, if not empty, is the post-deploy command (the Procfile's postdeploy:), run on the same
	// copy after Command succeeded; its migrations are marked PostDeploy.
	Then string
	// Env is the commands' whole environment, nil meaning ours, before DATABASE_URL and the PG*
	// variables are pointed at the copy.
	Env []string
	// DatabaseURL is the app's real database, whose schema is copied; it is only read.
	DatabaseURL string
	// CheckDatabase, if not empty, is a URL to a PostgreSQL server where the copy is made instead
	// of a private cluster: a database named RemotePrefix... is created there, recorded through a
	// Recorder, and dropped. Its user needs CREATEDB; only pg_dump and psql are needed on the host.
	CheckDatabase string
	// Binaries are the PostgreSQL programs to use; zero means FindBinaries(DefaultInstallRoot), or
	// FindClients(DefaultInstallRoot) with CheckDatabase.
	Binaries Binaries
	// TempDir is where the scratch copy's folder is made; "" means the system's temporary folder.
	TempDir string
	// Timeout bounds the command; zero means DefaultRunTimeout.
	Timeout time.Duration
	// ObserveLocks replays the captured statements on a second copy of the schema to read the
	// locks each takes (Scratch.ObserveLocks) into Result.Locks, when the command succeeded; false
	// skips it and its time (about half a second on a small schema).
	ObserveLocks bool
}

// Result is what the release command did to the scratch copy.
type Result struct {
	// Migrations are its statements grouped by framework migration (see Attribute).
	Migrations []Migration `json:"migrations"`
	// Output is the tail of the command's output.
	Output string `json:"output"`
	// Duration is the whole capture's time: copy, command and teardown.
	Duration time.Duration `json:"duration_ns"`
	// Locks are the locks each statement took on the copy, with Options.ObserveLocks.
	Locks []Observed `json:"locks,omitempty"`
	// LocksError says why Locks could not be observed; the rest of the Result stands.
	LocksError string `json:"locks_error,omitempty"`
}

// Capture copies the schema of opts.DatabaseURL into a scratch cluster (or a scratch database on
// opts.CheckDatabase's server), runs opts.Command against it, tears it down and returns the
// statements the command sent, by migration. A command that fails returns the Result so far and a
// *RunError.
func Capture(ctx context.Context, opts Options) (*Result, error) {
	if opts.Timeout == 0 {
		opts.Timeout = DefaultRunTimeout
	}
	if opts.CheckDatabase != "" {
		return captureRemote(ctx, opts)
	}
	start := time.Now()
	bin := opts.Binaries
	if bin.Dir == "" {
		var err error
		if bin, err = FindBinaries(DefaultInstallRoot); err != nil {
			return nil, err
		}
	}
	s, err := StartScratch(ctx, bin, opts.TempDir, databaseName(opts.DatabaseURL))
	if err != nil {
		return nil, err
	}
	res, err := capture(ctx, s, opts)
	if closeErr := s.Close(); closeErr != nil {
		err = errors.Join(err, closeErr)
	}
	if res != nil {
		res.Duration = time.Since(start)
	}
	return res, err
}

func capture(ctx context.Context, s *Scratch, opts Options) (*Result, error) {
	if err := s.Load(ctx, opts.DatabaseURL); err != nil {
		return nil, err
	}
	var copyErr error
	if opts.ObserveLocks {
		copyErr = s.copyForReplay(ctx)
	}
	env := s.Env(opts.environ())
	out, runErr := Run(ctx, opts.AppDir, opts.Command, env, opts.Timeout)
	if runErr == nil && opts.Then != "" {
		if runErr = s.markPhase(ctx); runErr == nil {
			var more []byte
			more, runErr = Run(ctx, opts.AppDir, opts.Then, env, opts.Timeout)
			out = append(out, more...)
		}
	}
	// The logging collector has written everything only once the server has stopped.
	if err := s.Stop(); err != nil {
		return nil, errors.Join(runErr, err)
	}
	stmts, err := ReadLogDir(s.LogDir())
	if err != nil {
		return nil, errors.Join(runErr, err)
	}
	res := &Result{Migrations: attribute(opts.AppDir, stmts), Output: string(out)}
	if opts.ObserveLocks && runErr == nil {
		if copyErr == nil {
			pre, post := splitAtMark(stmts)
			res.Locks, copyErr = s.ObserveLocks(ctx, append(pre[:len(pre):len(pre)], post...), res.Migrations)
		}
		if copyErr != nil {
			res.LocksError = copyErr.Error()
		}
	}
	return res, runErr
}

// attribute attributes the statements before phaseMark, then those after it, marked PostDeploy.
func attribute(appDir string, stmts []Statement) []Migration {
	pre, post := splitAtMark(stmts)
	migrations := Attribute(appDir, pre)
	for _, m := range Attribute(appDir, post) {
		m.PostDeploy = true
		migrations = append(migrations, m)
	}
	return migrations
}

// environ is the commands' environment before the copy's variables are set.
func (o Options) environ() []string {
	if o.Env == nil {
		return os.Environ()
	}
	return o.Env
}

// databaseName is the database named in a URL, so that the copy has the name the app expects.
func databaseName(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		if name := strings.TrimPrefix(u.Path, "/"); name != "" {
			return name
		}
	}
	return "app"
}
