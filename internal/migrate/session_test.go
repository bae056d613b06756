package migrate

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestFilesOutsideATransaction(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		sql   string
		check string // a count query that returns 1 once the file applied
	}{
		{
			name:  "CREATE INDEX CONCURRENTLY, twice",
			sql:   "CREATE INDEX CONCURRENTLY items_sku ON items (sku);\nCREATE INDEX CONCURRENTLY items_id ON items (id);\n",
			check: "SELECT (count(*) = 2)::int FROM pg_index WHERE indexrelid IN ('items_sku'::regclass, 'items_id'::regclass) AND indisvalid",
		},
		{
			name:  "the file's own transaction, then an index",
			sql:   "BEGIN;\nALTER TABLE items ADD COLUMN price int;\nCOMMIT;\nCREATE INDEX CONCURRENTLY items_price ON items (price);",
			check: "SELECT count(*) FROM pg_index WHERE indexrelid = 'items_price'::regclass AND indisvalid",
		},
		{
			name:  "a function body with semicolons",
			sql:   "CREATE FUNCTION two() RETURNS int LANGUAGE sql IMMUTABLE BEGIN ATOMIC SELECT 1; SELECT 2; END;\nCREATE INDEX CONCURRENTLY items_two ON items ((id + two()));",
			check: "SELECT two() - 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := newApp(t, map[string]string{
				"db/migrate/001_items.sql": "CREATE TABLE items (id bigint, sku text);",
				"db/migrate/002_x.sql":     tt.sql,
			})
			if !NeedsNoTransaction(tt.sql) {
				t.Fatal("got NeedsNoTransaction false, want true")
			}
			if applied := mustRun(t, cfg, PreDeploy); len(applied) != 2 {
				t.Fatalf("got %q applied, want both files", names(applied))
			}
			conn := dbConn(t, cfg)
			if n := queryInt(t, conn, tt.check); n != 1 {
				t.Errorf("got %d from %s, want 1", n, tt.check)
			}
			if n := queryInt(t, conn, "SELECT count(*) FROM cutover_schema_migrations WHERE name = '002_x.sql'"); n != 1 {
				t.Errorf("got %d records of 002_x.sql, want 1", n)
			}
		})
	}
}

func TestSessionRunResetsTheSession(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		sql     string
		wantErr string
	}{
		{"success", "CREATE TABLE a (id int);\nCREATE INDEX CONCURRENTLY a_id ON a (id);", ""},
		{"failure", "CREATE INDEX CONCURRENTLY a_id ON missing (id);", `relation "missing" does not exist`},
		{"transaction left open", "BEGIN;\nCREATE TABLE a (id int);", "leaves a transaction open"},
		{"failure inside the file's transaction", "BEGIN;\nCREATE TABLE a (id int);\nSELECT 1/0;\nCOMMIT;", "division by zero"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := newApp(t, nil).withDefaults()
			ctx := context.Background()
			conn := dbConn(t, cfg)
			if err := createTable(ctx, conn, cfg); err != nil {
				t.Fatal(err)
			}
			err := newSessionRun(conn, cfg, File{Phase: PreDeploy, Name: "x.sql", Path: "x.sql", sql: tt.sql}).attempt(ctx)
			if tt.wantErr == "" && err != nil {
				t.Fatalf("got %v, want success", err)
			}
			if tt.wantErr != "" {
				var e *Error
				if !errors.As(err, &e) || !strings.Contains(err.Error(), tt.wantErr) || !e.NoTransaction {
					t.Fatalf("got %v, want an *Error outside a transaction saying %q", err, tt.wantErr)
				}
			}
			if got := conn.PgConn().TxStatus(); got != 'I' {
				t.Errorf("got transaction status %c, want I (idle)", got)
			}
			for _, setting := range []string{"lock_timeout", "statement_timeout"} {
				var v string
				if err := conn.QueryRow(ctx, "SELECT current_setting($1)", setting).Scan(&v); err != nil || v != "0" {
					t.Errorf("got %s = %q (err %v), want it reset to 0", setting, v, err)
				}
			}
		})
	}
}
