package migrate

import (
	"context"
	"hash/fnv"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/pgtest"
	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// testTimeout bounds every wait in these tests; it is a failure bound, never an expectation.
const testTimeout = 2 * time.Minute

// newApp writes files (paths relative to the app's folder) into a fresh app folder and returns a
// Config for it on a fresh database of the shared cluster.
func newApp(t *testing.T, files map[string]string) Config {
	t.Helper()
	cfg := Config{AppDir: t.TempDir(), DatabaseURL: pgtest.Shared(t).NewDatabase(t)}
	for rel, sql := range files {
		writeFile(t, cfg, rel, sql)
	}
	return cfg
}

// writeFile writes one file under the app's folder.
func writeFile(t *testing.T, cfg Config, rel, content string) {
	t.Helper()
	path := filepath.Join(cfg.AppDir, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// dbConn opens a connection to the app's database, closed when the test ends.
func dbConn(t *testing.T, cfg Config) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, cfg.DatabaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// mustExec runs SQL on conn or fails the test.
func mustExec(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// queryInt runs a query returning one integer.
func queryInt(t *testing.T, conn *pgx.Conn, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := conn.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// waitUntil polls a count query until it returns want, failing after testTimeout.
func waitUntil(t *testing.T, conn *pgx.Conn, want int, sql string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for queryInt(t, conn, sql, args...) != want {
		if time.Now().After(deadline) {
			t.Fatalf("%s never returned %d", sql, want)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// recorder is a slog handler that keeps the messages logged and signals each one.
type recorder struct {
	mu     sync.Mutex
	msgs   []string
	signal chan string
}

func newRecorder() *recorder { return &recorder{signal: make(chan string, 100)} }

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *recorder) WithGroup(string) slog.Handler            { return r }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	r.msgs = append(r.msgs, rec.Message)
	r.mu.Unlock()
	select {
	case r.signal <- rec.Message:
	default:
	}
	return nil
}

// count returns how many times msg was logged.
func (r *recorder) count(msg string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range r.msgs {
		if m == msg {
			n++
		}
	}
	return n
}

func TestAdvisoryLockKeyIsTheHashOfCutover(t *testing.T) {
	h := fnv.New64a()
	h.Write([]byte("cutover"))
	if got, want := AdvisoryLockKey, int64(h.Sum64()); got != want {
		t.Errorf("got AdvisoryLockKey %d, want %d", got, want)
	}
	// The documented pg_locks columns.
	key := AdvisoryLockKey
	if classid, objid := uint32(key>>32), uint32(key); classid != 1739620055 || objid != 3543281633 {
		t.Errorf("got classid %d objid %d, want 1739620055 3543281633", classid, objid)
	}
}

func TestConfigDefaults(t *testing.T) {
	got := Config{LockRetries: -1}.withDefaults()
	tests := []struct {
		name      string
		got, want any
	}{
		{"AppDir", got.AppDir, "."},
		{"PreDir", got.PreDir, DefaultPreDir},
		{"PostDir", got.PostDir, DefaultPostDir},
		{"LockTimeout", got.LockTimeout, DefaultLockTimeout},
		{"StatementTimeout", got.StatementTimeout, DefaultStatementTimeout},
		{"LockRetries (negative means none)", got.LockRetries, 0},
		{"LockRetryDelay", got.LockRetryDelay, DefaultLockRetryDelay},
		{"AdvisoryLockWait", got.AdvisoryLockWait, DefaultAdvisoryLockWait},
		{"Table", got.Table, DefaultTable},
		{"Logger", got.Logger != nil, true},
		{"zero LockRetries", Config{}.withDefaults().LockRetries, DefaultLockRetries},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}

func TestConfigPaths(t *testing.T) {
	cfg := Config{AppDir: "/srv/app", PostDir: "/elsewhere/post"}.withDefaults()
	tests := []struct {
		name, got, want string
	}{
		{"relative pre dir is under the app", cfg.dir(PreDeploy), "/srv/app/db/migrate"},
		{"absolute post dir stays", cfg.dir(PostDeploy), "/elsewhere/post"},
		{"display under the app", cfg.display("/srv/app/db/migrate/001_a.sql"), "db/migrate/001_a.sql"},
		{"display outside the app", cfg.display("/elsewhere/post/001_a.sql"), "/elsewhere/post/001_a.sql"},
		{"table", cfg.table(), `"cutover_schema_migrations"`},
		{"schema-qualified table", Config{Table: "ops.migrations"}.table(), `"ops"."migrations"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %s, want %s", tt.got, tt.want)
			}
		})
	}
}

func TestPhaseCheck(t *testing.T) {
	for _, p := range []Phase{PreDeploy, PostDeploy} {
		if err := p.check(); err != nil {
			t.Errorf("got %v for %q, want nil", err, p)
		}
	}
	if err := Phase("mid").check(); err == nil {
		t.Error(`got nil for "mid", want an error`)
	}
}
