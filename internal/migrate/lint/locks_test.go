package lint

import "testing"

// TestLocks checks the lock classifier against the lock levels documented in
// https://www.postgresql.org/docs/current/explicit-locking.html and the
// ALTER TABLE, CREATE INDEX, DROP INDEX and REINDEX reference pages.
func TestLocks(t *testing.T) {
	tests := []struct {
		sql   string
		table string
		mode  lockMode
	}{
		{"ALTER TABLE users ADD COLUMN a text", "users", accessExclusive},
		{"ALTER TABLE users DROP COLUMN a", "users", accessExclusive},
		{"ALTER TABLE users ALTER a TYPE bigint", "users", accessExclusive},
		{"ALTER TABLE users ALTER a SET NOT NULL", "users", accessExclusive},
		{"ALTER TABLE users ALTER a SET DEFAULT 1", "users", accessExclusive},
		{"ALTER TABLE users ADD CONSTRAINT c CHECK (a > 0) NOT VALID", "users", accessExclusive},
		{"ALTER TABLE orders ADD CONSTRAINT f FOREIGN KEY (u) REFERENCES users (id) NOT VALID", "orders", shareRowExclusive},
		{"ALTER TABLE users VALIDATE CONSTRAINT c", "users", shareUpdateExclusive},
		{"ALTER TABLE users ALTER a SET STATISTICS 500", "users", shareUpdateExclusive},
		{"ALTER TABLE users SET (fillfactor = 70), ALTER a TYPE bigint", "users", accessExclusive},
		{"ALTER TABLE users DISABLE TRIGGER t", "users", shareRowExclusive},
		{"ALTER TABLE users RENAME TO accounts", "users", accessExclusive},
		{"ALTER TABLE users SET SCHEMA archive", "users", accessExclusive},
		{"ALTER TABLE users DISABLE TRIGGER ALL", "users", shareRowExclusive},
		{"ALTER TABLE users ALTER a DROP NOT NULL", "users", accessExclusive},
		{"ALTER TABLE users SET LOGGED", "users", accessExclusive},
		{"ALTER TABLE users DETACH PARTITION users_2020", "users", accessExclusive},
		{"ALTER TABLE users DETACH PARTITION users_2020 CONCURRENTLY", "users", shareUpdateExclusive},
		{"CREATE INDEX i ON users (a)", "users", share},
		{"CREATE INDEX CONCURRENTLY i ON users (a)", "users", shareUpdateExclusive},
		{"DROP INDEX i", "the table of index i", accessExclusive},
		{"DROP TABLE users", "users", accessExclusive},
		{"TRUNCATE users", "users", accessExclusive},
		{"CLUSTER users", "users", accessExclusive},
		{"VACUUM FULL users", "users", accessExclusive},
		{"REINDEX TABLE users", "users", share},
		{"REFRESH MATERIALIZED VIEW v", "v", accessExclusive},
		{"REFRESH MATERIALIZED VIEW CONCURRENTLY v", "v", exclusive},
		{"CREATE TRIGGER t BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION f()", "users", shareRowExclusive},
		{"LOCK TABLE users", "users", accessExclusive},
		{"LOCK TABLE users IN ROW SHARE MODE", "users", rowShare},
		{"CREATE TABLE o (u bigint REFERENCES users (id))", "users", shareRowExclusive},
		{"ALTER TABLE users ADD COLUMN org_id bigint REFERENCES orgs (id)", "users", accessExclusive},
		// Found by the capture's lock replay (capture.Scratch.ObserveLocks), checked in claimed_pg_test.go.
		{"ALTER TABLE users SET (fillfactor = 70)", "users", shareUpdateExclusive},
		{"ALTER TABLE users RESET (fillfactor)", "users", shareUpdateExclusive},
		{"ALTER TABLE users SET (user_catalog_table = true)", "users", accessExclusive},
		{"ALTER TABLE users ATTACH PARTITION users_2021 FOR VALUES IN (1)", "users_2021", accessExclusive},
		{"REINDEX INDEX i", "the table of index i", share},
		{"REINDEX INDEX CONCURRENTLY i", "", noLock},
		{"ALTER INDEX i RENAME TO j", "", noLock},
		{"COMMENT ON COLUMN app.users.a IS 'x'", "app.users", shareUpdateExclusive},
		{"COMMENT ON TABLE users IS 'x'", "users", shareUpdateExclusive},
		{"ANALYZE users", "users", shareUpdateExclusive},
		{"VACUUM users", "users", shareUpdateExclusive},
		{"CREATE STATISTICS s ON a, b FROM users", "users", shareUpdateExclusive},
		{"CREATE POLICY p ON users USING (true)", "users", accessExclusive},
		{"ALTER POLICY p ON users USING (false)", "users", accessExclusive},
		{"DROP POLICY p ON app.users", "app.users", accessExclusive},
		{"CREATE RULE r AS ON INSERT TO users DO ALSO NOTIFY x", "users", accessExclusive},
		{"DROP RULE r ON users", "users", accessExclusive},
		{"DROP TRIGGER t ON users", "users", accessExclusive},
		{"DROP VIEW v", "v", accessExclusive},
		{"CREATE OR REPLACE VIEW v AS SELECT 1", "v", accessExclusive},
		{"CREATE VIEW v AS SELECT 1", "", noLock},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			f, err := parse("m.sql", []byte(tt.sql), Options{Phase: PreDeploy, TargetVersion: 15})
			if err != nil {
				t.Fatalf("parse: got error %v, want nil", err)
			}
			var got tableLock
			for _, l := range f.locks(f.Statements[0]) {
				if l.mode > got.mode {
					got = l
				}
			}
			if got.table != tt.table || got.mode != tt.mode {
				t.Errorf("got %s on %q, want %s on %q", got.mode, got.table, tt.mode, tt.table)
			}
		})
	}
}

func TestLocksSkipNewTables(t *testing.T) {
	f, err := parse("m.sql", []byte("CREATE TABLE t (a int);\nCREATE INDEX ON t (a);\nALTER TABLE t ADD COLUMN b int;"),
		Options{Phase: PreDeploy, TargetVersion: 15})
	if err != nil {
		t.Fatalf("parse: got error %v, want nil", err)
	}
	for _, st := range f.Statements {
		if l := f.locks(st); len(l) != 0 {
			t.Errorf("line %d: got locks %v, want none on a table created in the file", st.Line, l)
		}
	}
}

func TestLockModeNames(t *testing.T) {
	if accessExclusive.article() != "an ACCESS EXCLUSIVE" || share.article() != "a SHARE" {
		t.Errorf("got %q and %q, want articles that fit", accessExclusive.article(), share.article())
	}
	if !share.blocksWrites() || shareUpdateExclusive.blocksWrites() || !accessExclusive.blocksReads() || exclusive.blocksReads() {
		t.Errorf("got wrong conflict flags; want SHARE and up to block writes, only ACCESS EXCLUSIVE to block reads")
	}
}
