package migrate

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Phase says when a migration runs relative to the traffic switch.
type Phase string

// The two phases of a deploy.
const (
	// PreDeploy migrations run before the switch, while the old release still serves: they must
	// only expand the schema.
	PreDeploy Phase = "pre"
	// PostDeploy migrations run after the old release stopped: they may contract the schema.
	PostDeploy Phase = "post"
)

// Defaults for a Config field left at its zero value.
const (
	DefaultPreDir  = "db/migrate"
	DefaultPostDir = "db/post_migrate"
	DefaultTable   = "cutover_schema_migrations"

	// DefaultLockTimeout bounds how long a statement may queue for a lock. While a migration waits
	// for a lock, every query of the live release that needs the same table queues behind it, so
	// this is short: failing and retrying beats stalling traffic.
	DefaultLockTimeout = 5 * time.Second
	// DefaultStatementTimeout bounds one statement once it runs. Migrations may backfill or build
	// indexes on large tables, which takes minutes, so it is a backstop against a runaway
	// statement rather than a tight limit; lock_timeout is what protects traffic. It also bounds
	// CREATE INDEX CONCURRENTLY: raise it for an index on a very large table.
	DefaultStatementTimeout = 15 * time.Minute
	// DefaultLockRetries is how many times a file that hit lock_timeout is tried again.
	DefaultLockRetries = 3
	// DefaultLockRetryDelay is the wait before the first retry; it doubles after each retry, up to
	// maxRetryDelayFactor times this value.
	DefaultLockRetryDelay = time.Second
	// DefaultAdvisoryLockWait bounds how long a run waits for another run's migration lock before
	// it fails with ErrLocked. A short wait lets a run that is just finishing complete; a long one
	// would only hide two deploys racing.
	DefaultAdvisoryLockWait = 30 * time.Second
	// DefaultCleanupTimeout bounds the ROLLBACK or RESET that tidies the session after a failure.
	DefaultCleanupTimeout = 10 * time.Second
	// DefaultConnectTimeout bounds connecting to the app's database, for a URL that sets no
	// connect_timeout: a host that takes the connection and never answers fails the deploy with
	// an error naming it, instead of holding it (and the deploy lock) for good.
	DefaultConnectTimeout = 15 * time.Second
)

// AdvisoryLockKey is the PostgreSQL advisory lock a run holds on its session: the 64-bit FNV-1a
// hash of "cutover". It shows in pg_locks as locktype 'advisory', classid 1739620055, objid
// 3543281633, objsubid 1.
const AdvisoryLockKey int64 = 7471611247234002913

// maxRetryDelayFactor caps the backoff between lock-timeout retries.
const maxRetryDelayFactor = 8

// Config says where an app's migrations are and how to run them. The zero value of each field
// means its default.
type Config struct {
	// AppDir is the app's folder; relative PreDir and PostDir are under it. Empty means the
	// current folder.
	AppDir string
	// PreDir and PostDir hold the pre- and post-deploy .sql files. Empty means DefaultPreDir and
	// DefaultPostDir. A folder that does not exist holds no migrations.
	PreDir, PostDir string
	// DatabaseURL is the app's database, usually its DATABASE_URL. Run and Status need it.
	DatabaseURL string
	// LockTimeout is set as lock_timeout for every file. Zero means DefaultLockTimeout.
	LockTimeout time.Duration
	// StatementTimeout is set as statement_timeout for every file. Zero means
	// DefaultStatementTimeout.
	StatementTimeout time.Duration
	// LockRetries is how often a file that hit lock_timeout is tried again. Zero means
	// DefaultLockRetries; negative means never.
	LockRetries int
	// LockRetryDelay is the wait before the first retry. Zero means DefaultLockRetryDelay.
	LockRetryDelay time.Duration
	// AdvisoryLockWait bounds the wait for another run to finish. Zero means
	// DefaultAdvisoryLockWait.
	AdvisoryLockWait time.Duration
	// Table records applied migrations; it may be schema-qualified ("ops.migrations"). Empty
	// means DefaultTable.
	Table string
	// ConnectTimeout bounds connecting to DatabaseURL when the URL sets no connect_timeout. Zero
	// means DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// Logger receives retries and warnings. Nil means slog.Default().
	Logger *slog.Logger
}

// File is one migration file and, after Status, whether it was applied.
type File struct {
	Phase Phase  `json:"phase"`
	Name  string `json:"name"`
	// Path is the file's path, under AppDir when the phase's folder is relative.
	Path string `json:"path"`
	// Applied and AppliedAt come from the migrations table.
	Applied   bool      `json:"applied"`
	AppliedAt time.Time `json:"applied_at,omitzero"`
	// Checksum is the SHA-256 of the file's contents (hex), or of the applied contents when the
	// file is Missing.
	Checksum string `json:"checksum"`
	// Modified says the file changed on disk after it was applied: the change will never run.
	Modified bool `json:"modified,omitempty"`
	// Missing says the file was applied but is no longer on disk.
	Missing bool `json:"missing,omitempty"`

	sql string // the contents Checksum was computed from, which is what Run executes
}

// withDefaults fills zero fields with their defaults.
func (c Config) withDefaults() Config {
	if c.AppDir == "" {
		c.AppDir = "."
	}
	if c.PreDir == "" {
		c.PreDir = DefaultPreDir
	}
	if c.PostDir == "" {
		c.PostDir = DefaultPostDir
	}
	if c.LockTimeout <= 0 {
		c.LockTimeout = DefaultLockTimeout
	}
	if c.StatementTimeout <= 0 {
		c.StatementTimeout = DefaultStatementTimeout
	}
	if c.LockRetries == 0 {
		c.LockRetries = DefaultLockRetries
	} else if c.LockRetries < 0 {
		c.LockRetries = 0
	}
	if c.LockRetryDelay <= 0 {
		c.LockRetryDelay = DefaultLockRetryDelay
	}
	if c.AdvisoryLockWait <= 0 {
		c.AdvisoryLockWait = DefaultAdvisoryLockWait
	}
	if c.Table == "" {
		c.Table = DefaultTable
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = DefaultConnectTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// dir returns the folder of a phase's files.
func (c Config) dir(p Phase) string {
	d := c.PreDir
	if p == PostDeploy {
		d = c.PostDir
	}
	if filepath.IsAbs(d) {
		return d
	}
	return filepath.Join(c.AppDir, d)
}

// display returns the path shown to users: relative to AppDir when the file is under it.
func (c Config) display(path string) string {
	if rel, err := filepath.Rel(c.AppDir, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}

// table returns the quoted, possibly schema-qualified, name of the migrations table.
func (c Config) table() string {
	return pgx.Identifier(strings.Split(c.Table, ".")).Sanitize()
}

// check rejects a phase other than PreDeploy and PostDeploy.
func (p Phase) check() error {
	if p != PreDeploy && p != PostDeploy {
		return fmt.Errorf("unknown migration phase %q: want %q or %q", p, PreDeploy, PostDeploy)
	}
	return nil
}
