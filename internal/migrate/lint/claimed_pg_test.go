package lint

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// claimedSetup adds to lockSetup the objects testClaimedLocks's statements act on.
const claimedSetup = `
CREATE TABLE events_2021 (at date NOT NULL, v int);
CREATE INDEX users_email ON users (email);
CREATE VIEW users_v AS SELECT id FROM users;
CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER tr BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION noop();
CREATE RULE r AS ON INSERT TO orgs DO ALSO NOTIFY x;
CREATE POLICY p ON users USING (true);
`

// testClaimedLocks checks ClaimedLocks against the locks PostgreSQL takes, for statements the
// capture's lock replay found the linter wrong about: each runs in a transaction that is rolled
// back, and the strongest lock held on each listed table must be the claimed one.
func testClaimedLocks(ctx context.Context, t *testing.T, conn *pgx.Conn) {
	if _, err := conn.Exec(ctx, claimedSetup); err != nil {
		t.Fatalf("setup: %v", err)
	}
	tests := []struct {
		sql   string
		locks map[string]string // table -> strongest lock held and claimed, "" for none
	}{
		{"ALTER TABLE users SET (fillfactor = 70)", map[string]string{"users": "SHARE UPDATE EXCLUSIVE"}},
		{"ALTER TABLE users RESET (autovacuum_enabled)", map[string]string{"users": "SHARE UPDATE EXCLUSIVE"}},
		{"ALTER TABLE users SET (user_catalog_table = true)", map[string]string{"users": "ACCESS EXCLUSIVE"}},
		{"ALTER TABLE events ATTACH PARTITION events_2021 FOR VALUES FROM ('2021-01-01') TO ('2022-01-01')",
			map[string]string{"events": "SHARE UPDATE EXCLUSIVE", "events_2021": "ACCESS EXCLUSIVE"}},
		{"ALTER TABLE events DETACH PARTITION events_2020",
			map[string]string{"events": "ACCESS EXCLUSIVE", "events_2020": "ACCESS EXCLUSIVE"}},
		{"REINDEX INDEX users_email", map[string]string{"users": "SHARE"}},
		{"ALTER INDEX users_email RENAME TO users_email2", map[string]string{"users": ""}},
		{"COMMENT ON TABLE users IS 'x'", map[string]string{"users": "SHARE UPDATE EXCLUSIVE"}},
		{"COMMENT ON COLUMN users.email IS 'x'", map[string]string{"users": "SHARE UPDATE EXCLUSIVE"}},
		{"CREATE STATISTICS st ON id, n FROM users", map[string]string{"users": "SHARE UPDATE EXCLUSIVE"}},
		{"ANALYZE users", map[string]string{"users": "SHARE UPDATE EXCLUSIVE"}},
		{"CREATE POLICY p2 ON users USING (true)", map[string]string{"users": "ACCESS EXCLUSIVE"}},
		{"ALTER POLICY p ON users USING (false)", map[string]string{"users": "ACCESS EXCLUSIVE"}},
		{"DROP POLICY p ON users", map[string]string{"users": "ACCESS EXCLUSIVE"}},
		{"CREATE RULE r2 AS ON UPDATE TO orgs DO ALSO NOTIFY y", map[string]string{"orgs": "ACCESS EXCLUSIVE"}},
		{"DROP RULE r ON orgs", map[string]string{"orgs": "ACCESS EXCLUSIVE"}},
		{"DROP TRIGGER tr ON users", map[string]string{"users": "ACCESS EXCLUSIVE"}},
		{"CREATE OR REPLACE VIEW users_v AS SELECT id, email FROM users", map[string]string{"users_v": "ACCESS EXCLUSIVE"}},
		{"DROP VIEW users_v", map[string]string{"users_v": "ACCESS EXCLUSIVE"}},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			claims, err := ClaimedLocks(tt.sql)
			if err != nil {
				t.Fatalf("ClaimedLocks: %v", err)
			}
			claimed := map[string]string{}
			for _, c := range claims {
				table := strings.Join(c.Name, ".")
				if c.OfIndex {
					if err := conn.QueryRow(ctx, "SELECT indrelid::regclass::text FROM pg_index WHERE indexrelid = $1::regclass", table).Scan(&table); err != nil {
						t.Fatalf("the table of index %s: %v", table, err)
					}
				}
				claimed[table] = c.Mode
			}
			held := locksTaken(ctx, t, conn, []string{tt.sql}, tt.locks)
			for rel, want := range tt.locks {
				if got := held[rel]; got != want {
					t.Errorf("got %q held on %s, want %q", got, rel, want)
				}
				if claimed[rel] != want {
					t.Errorf("got %q claimed on %s, want %q (all claims: %+v)", claimed[rel], rel, want, claims)
				}
			}
		})
	}
}
