package migrate

import (
	"reflect"
	"strings"
	"testing"
)

func TestNeedsNoTransaction(t *testing.T) {
	tests := []struct {
		name string
		sql  string
		want bool
	}{
		{"plain DDL", "ALTER TABLE t ADD COLUMN c int;", false},
		{"create index concurrently", "CREATE INDEX CONCURRENTLY i ON t (c);", true},
		{"lower case", "create index concurrently i on t (c);", true},
		{"drop index concurrently", "DROP INDEX CONCURRENTLY IF EXISTS i;", true},
		{"reindex concurrently", "REINDEX INDEX CONCURRENTLY i;", true},
		{"own transaction", "BEGIN;\nALTER TABLE t ADD COLUMN c int;\nCOMMIT;", true},
		{"start transaction", "START TRANSACTION; SELECT 1; COMMIT;", true},
		{"commit mid-file", "ALTER TYPE mood ADD VALUE 'meh';\nCOMMIT;\nSELECT 1;", true},
		{"vacuum", "VACUUM ANALYZE t;", true},
		{"in a line comment", "-- CREATE INDEX CONCURRENTLY later\nCREATE INDEX i ON t (c);", false},
		{"in a block comment", "/* BEGIN; */ SELECT 1;", false},
		{"in a string", "INSERT INTO notes VALUES ('BEGIN; concurrently');", false},
		{"quoted identifier", `ALTER TABLE t ADD COLUMN "concurrently" int;`, false},
		{"plpgsql body", "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n  PERFORM 1;\nEND\n$$;", false},
		{"DO block", "DO $$ BEGIN COMMIT; END $$;", false},
		{"BEGIN ATOMIC body", "CREATE FUNCTION one() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END;", false},
		{"comment before BEGIN", "-- own transaction\nBEGIN; SELECT 1; COMMIT;", true},
		{"unterminated string", "SELECT 'oops", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NeedsNoTransaction(tt.sql); got != tt.want {
				t.Errorf("got %v for %q, want %v", got, tt.sql, tt.want)
			}
		})
	}
}

func TestStatements(t *testing.T) {
	tests := []struct {
		name   string
		sql    string
		want   []string // each statement's text, trimmed of leading space and comments
		wantOK bool
	}{
		{"two", "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n", []string{"CREATE TABLE a (id int)", "CREATE TABLE b (id int)"}, true},
		{"semicolon in a string and a body", "INSERT INTO t VALUES ('a;b');\nDO $$ BEGIN PERFORM 1; END $$;",
			[]string{"INSERT INTO t VALUES ('a;b')", "DO $$ BEGIN PERFORM 1; END $$"}, true},
		{"comments are skipped", "-- first\n/* c /* nested */ */ SELECT 1; -- trailing\n", []string{"SELECT 1"}, true},
		{"no final semicolon", "SELECT 1; SELECT 2", []string{"SELECT 1", "SELECT 2"}, true},
		{"BEGIN ATOMIC", "CREATE FUNCTION one() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END; SELECT 2;",
			[]string{"CREATE FUNCTION one() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; END", "SELECT 2"}, true},
		{"syntax error", "SELECT 1; SELEC 2;", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spans, ok := statements(tt.sql)
			if ok != tt.wantOK {
				t.Fatalf("got ok=%v, want %v", ok, tt.wantOK)
			}
			var got []string
			for _, s := range spans {
				got = append(got, strings.TrimSpace(tt.sql[skipSpace(tt.sql, s.start):s.end]))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRoughStatements(t *testing.T) {
	sql := "SELECT 1;\nSELEC 2;\n-- end\n"
	var got []string
	for _, s := range roughStatements(sql) {
		got = append(got, strings.TrimSpace(sql[skipSpace(sql, s.start):s.end]))
	}
	if want := []string{"SELECT 1", "SELEC 2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestPositions(t *testing.T) {
	sql := "SELECT 'é';\nSELECT nope;\n"
	tests := []struct {
		name      string
		got, want int
	}{
		{"position 1 is byte 0", byteOffset(sql, 1), 0},
		{"characters, not bytes, after é", byteOffset(sql, 11), 11},
		{"past the end", byteOffset(sql, 100), len(sql)},
		{"line of byte 0", lineAt(sql, 0), 1},
		{"line of the second statement", lineAt(sql, strings.Index(sql, "nope")), 2},
		{"span holding the second statement", spanAt([]span{{0, 11}, {11, 24}}, 19), 1},
		{"past the last span", spanAt([]span{{0, 11}, {11, 24}}, 30), 1},
		{"no spans", spanAt(nil, 3), -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %d, want %d", tt.got, tt.want)
			}
		})
	}
}

func TestOneLine(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"INSERT INTO t\n  VALUES (1)", 100, "INSERT INTO t VALUES (1)"},
		{strings.Repeat("x", 30), 10, strings.Repeat("x", 9) + "…"},
		{"é" + strings.Repeat("x", 30), 3, "éx…"},
	}
	for _, tt := range tests {
		if got := oneLine(tt.in, tt.limit); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}
