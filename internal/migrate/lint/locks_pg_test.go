package lint

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/cutover-dev/cutover/internal/pgtest"
)

// lockSetup is a populated schema the statements of TestOnPostgres
// run against, each in a transaction that is rolled back.
const lockSetup = `
CREATE TABLE orgs (id bigint PRIMARY KEY);
INSERT INTO orgs SELECT g FROM generate_series(1, 100) g;
CREATE DOMAIN positive AS int;
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, n positive, m mood, org_id bigint REFERENCES orgs (id));
INSERT INTO users SELECT g, 'u' || g || '@example.com', g, 'sad', 1 + g % 100 FROM generate_series(1, 2000) g;
CREATE UNLOGGED TABLE scratch (id bigint);
INSERT INTO scratch SELECT generate_series(1, 2000);
CREATE TABLE events (at date NOT NULL, v int) PARTITION BY RANGE (at);
CREATE TABLE events_2020 PARTITION OF events FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
INSERT INTO events SELECT date '2020-01-01' + g % 300, g FROM generate_series(1, 2000) g;
CREATE SCHEMA legacy;
CREATE TABLE legacy.t (id bigint);
INSERT INTO legacy.t SELECT generate_series(1, 2000);
`

// pgLockNames maps pg_locks.mode to the names the rules' messages use.
var pgLockNames = map[string]string{
	"AccessShareLock": "ACCESS SHARE", "RowShareLock": "ROW SHARE", "RowExclusiveLock": "ROW EXCLUSIVE",
	"ShareUpdateExclusiveLock": "SHARE UPDATE EXCLUSIVE", "ShareLock": "SHARE",
	"ShareRowExclusiveLock": "SHARE ROW EXCLUSIVE", "ExclusiveLock": "EXCLUSIVE", "AccessExclusiveLock": "ACCESS EXCLUSIVE",
}

// TestOnPostgres checks what the rules claim about PostgreSQL against a real
// one: the locks statements take, and which functions are volatile.
func TestOnPostgres(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.Start(t).NewDatabase(t))
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(ctx) })
	t.Run("locks", func(t *testing.T) { testRuleLocks(ctx, t, conn) })
	t.Run("claimed", func(t *testing.T) { testClaimedLocks(ctx, t, conn) })
	t.Run("volatility", func(t *testing.T) { testFunctionVolatility(ctx, t, conn) })
}

// testRuleLocks runs the statements the newer rules flag on a populated
// table, inside a transaction that is rolled back, and reads from pg_locks
// the strongest lock held on each relation: it must be the lock level the
// rule's doc comment states and its finding names.
func testRuleLocks(ctx context.Context, t *testing.T, conn *pgx.Conn) {
	if _, err := conn.Exec(ctx, lockSetup); err != nil {
		t.Fatalf("setup: %v", err)
	}
	tests := []struct {
		code  string
		sql   []string          // the last statement is the one the rule flags
		locks map[string]string // relation -> strongest lock held at the end, "" for none
	}{
		{"CO110", []string{"TRUNCATE users CASCADE"}, map[string]string{"users": "ACCESS EXCLUSIVE"}},
		{"CO111", []string{"ALTER TYPE mood RENAME VALUE 'sad' TO 'blue'"}, map[string]string{"users": ""}},
		{"CO112", []string{"ALTER TABLE users SET SCHEMA legacy"}, map[string]string{"users": "ACCESS EXCLUSIVE"}},
		{"CO113", []string{"DROP SCHEMA legacy CASCADE"}, map[string]string{"legacy.t": "ACCESS EXCLUSIVE"}},
		{"CO114", []string{"ALTER TABLE users ALTER email DROP NOT NULL"}, map[string]string{"users": "ACCESS EXCLUSIVE"}},
		{"CO204", []string{"ALTER TABLE users ADD COLUMN org2 bigint DEFAULT 1 REFERENCES orgs (id)"},
			map[string]string{"users": "ACCESS EXCLUSIVE", "orgs": "SHARE ROW EXCLUSIVE"}},
		{"CO214", []string{"ALTER TABLE users ADD COLUMN handle text UNIQUE"}, map[string]string{"users": "ACCESS EXCLUSIVE"}},
		{"CO216", []string{"ALTER TABLE events DETACH PARTITION events_2020"},
			map[string]string{"events": "ACCESS EXCLUSIVE", "events_2020": "ACCESS EXCLUSIVE"}},
		{"CO217", []string{"ALTER TABLE scratch SET LOGGED"}, map[string]string{"scratch": "ACCESS EXCLUSIVE"}},
		{"CO217", []string{"ALTER TABLE users SET UNLOGGED"}, map[string]string{"users": "ACCESS EXCLUSIVE"}},
		{"CO217", []string{"ALTER TABLE users SET TABLESPACE pg_default"}, map[string]string{"users": "ACCESS EXCLUSIVE"}},
		{"CO218", []string{"ALTER DOMAIN positive ADD CONSTRAINT pos CHECK (VALUE > 0)"}, map[string]string{"users": "SHARE"}},
		{"CO219", []string{"ALTER TABLE users ADD COLUMN active boolean", "UPDATE users SET active = true WHERE id > 0"},
			map[string]string{"users": "ACCESS EXCLUSIVE"}},
		{"CO220", []string{"UPDATE users SET n = n + 1"}, map[string]string{"users": "ROW EXCLUSIVE"}},
		{"CO305", []string{"ALTER TABLE users DISABLE TRIGGER ALL"}, map[string]string{"users": "SHARE ROW EXCLUSIVE"}},
	}
	for _, tt := range tests {
		t.Run(tt.code+" "+tt.sql[len(tt.sql)-1], func(t *testing.T) {
			held := locksTaken(ctx, t, conn, tt.sql, tt.locks)
			for rel, want := range tt.locks {
				if got := held[rel]; got != want {
					t.Errorf("%s: got %q held on %s, want %q", tt.code, got, rel, want)
				}
			}
			fs, err := Lint("m.sql", []byte(strings.Join(tt.sql, ";\n")+";"), Options{InTransaction: true, RunnerSetsLockTimeout: true})
			if err != nil {
				t.Fatalf("Lint: %v", err)
			}
			var f *Finding
			for i := range fs {
				if fs[i].Code == tt.code {
					f = &fs[i]
				}
			}
			if f == nil {
				t.Fatalf("got no %s finding, want one; all:\n%s", tt.code, dump(fs))
			}
			for _, want := range tt.locks {
				if want != "" && !strings.Contains(f.Why, want) {
					t.Errorf("%s: got why %q, want it to name the %s lock PostgreSQL took", tt.code, f.Why, want)
				}
			}
		})
	}
}

// locksTaken runs sqls in a transaction it then rolls back and returns the strongest lock the
// session holds afterwards on each relation named in rels (its keys), as the rules name them.
func locksTaken(ctx context.Context, t *testing.T, conn *pgx.Conn, sqls []string, rels map[string]string) map[string]string {
	t.Helper()
	oids := map[string]uint32{}
	for rel := range rels {
		var oid uint32
		if err := conn.QueryRow(ctx, "SELECT $1::regclass::oid", rel).Scan(&oid); err != nil {
			t.Fatalf("look up %s: %v", rel, err)
		}
		oids[rel] = oid
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	for _, s := range sqls {
		if _, err := tx.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	held := map[string]string{}
	for rel, oid := range oids {
		held[rel] = strongestHeld(ctx, t, tx, oid)
	}
	return held
}

// strongestHeld returns the strongest lock this session holds on relation
// oid, named as the rules name it, or "" when it holds none.
func strongestHeld(ctx context.Context, t *testing.T, tx pgx.Tx, oid uint32) string {
	t.Helper()
	rows, err := tx.Query(ctx, "SELECT mode FROM pg_locks WHERE locktype = 'relation' AND relation = $1 AND pid = pg_backend_pid() AND granted", oid)
	if err != nil {
		t.Fatalf("read pg_locks: %v", err)
	}
	modes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("read pg_locks: %v", err)
	}
	best := ""
	for _, m := range modes {
		name := pgLockNames[m]
		if best == "" || lockRank(name) > lockRank(best) {
			best = name
		}
	}
	return best
}

// lockRank orders lock names as lockMode does.
func lockRank(name string) int {
	for i, n := range lockNames {
		if n == name {
			return i
		}
	}
	return -1
}

// testFunctionVolatility checks the linter's lists of stable and volatile
// built-ins against pg_proc.provolatile: every overload of a listed stable
// function is IMMUTABLE or STABLE, and every listed volatile function that
// exists there is VOLATILE.
func testFunctionVolatility(ctx context.Context, t *testing.T, conn *pgx.Conn) {
	check := func(names map[string]bool, want string) {
		for name := range names {
			var kinds []string
			if err := conn.QueryRow(ctx, "SELECT coalesce(array_agg(DISTINCT provolatile::text), '{}') FROM pg_proc WHERE proname = $1", name).Scan(&kinds); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, k := range kinds {
				if !strings.Contains(want, k) {
					t.Errorf("%s: got provolatile %q among %v, want only %q", name, k, kinds, want)
				}
			}
		}
	}
	check(stableFuncs, "is")
	check(volatileFuncs, "v")

	rows, err := conn.Query(ctx, VolatilityQuery)
	if err != nil {
		t.Fatalf("VolatilityQuery: %v", err)
	}
	vol := map[string]byte{}
	for rows.Next() {
		var name, v string
		if err := rows.Scan(&name, &v); err != nil {
			t.Fatalf("VolatilityQuery: %v", err)
		}
		vol[name] = v[0]
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("VolatilityQuery: %v", err)
	}
	if vol["random"] != 'v' || vol["lower"] != 'i' || vol["now"] != 's' {
		t.Errorf("got random %q, lower %q, now %q; want v, i, s", vol["random"], vol["lower"], vol["now"])
	}
}
