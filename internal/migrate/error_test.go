package migrate

import (
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

func TestErrorText(t *testing.T) {
	pgErr := &pgconn.PgError{Code: "42P01", Message: `relation "x" does not exist`}
	tests := []struct {
		name    string
		err     *Error
		want    []string
		notWant []string
	}{
		{
			name: "in a transaction",
			err: &Error{File: "db/migrate/002_b.sql", Line: 3, Statement: "INSERT INTO x\n  VALUES (1)",
				SQLState: "42P01", Message: `relation "x" does not exist`, Attempts: 1, Err: pgErr},
			want: []string{`migration db/migrate/002_b.sql failed at line 3: relation "x" does not exist (SQLSTATE 42P01)`,
				"statement: INSERT INTO x VALUES (1)", "the file was rolled back, and nothing after it ran"},
			notWant: []string{"outside a transaction", "attempts"},
		},
		{
			name: "outside a transaction",
			err:  &Error{File: "a.sql", Message: "boom", NoTransaction: true},
			want: []string{"migration a.sql failed: boom", "outside a transaction", "IF NOT EXISTS", "nothing after it ran"},
		},
		{
			name: "lock timeout",
			err:  &Error{File: "a.sql", SQLState: "55P03", Message: "canceling statement due to lock timeout", Attempts: 4},
			want: []string{"(SQLSTATE 55P03)", "after 4 attempts", "pg_stat_activity"},
		},
		{
			name: "detail and hint",
			err:  &Error{File: "a.sql", Message: "m", Detail: "the detail", Hint: "the hint"},
			want: []string{"detail: the detail", "hint: the hint"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.err.Error()
			for _, s := range tt.want {
				if !strings.Contains(got, s) {
					t.Errorf("got %q, want it to contain %q", got, s)
				}
			}
			for _, s := range tt.notWant {
				if strings.Contains(got, s) {
					t.Errorf("got %q, want it without %q", got, s)
				}
			}
		})
	}
	wrapped := &Error{Err: pgErr}
	var target *pgconn.PgError
	if !errors.As(wrapped, &target) || target != pgErr {
		t.Error("got no *pgconn.PgError from errors.As, want the wrapped one")
	}
}

func TestNewErrorLocatesTheStatement(t *testing.T) {
	sql := "CREATE TABLE a (id int);\n-- then\nINSERT INTO a\nVALUES ('é', nope);\n"
	spans, ok := statements(sql)
	if !ok {
		t.Fatal("got no statements")
	}
	cfg := Config{AppDir: "/app"}.withDefaults()
	f := File{Path: "/app/db/migrate/001.sql", sql: sql}
	second := sql[spans[1].start:spans[1].end]
	tests := []struct {
		name     string
		err      error
		at       failure
		wantLine int
		wantStmt string
	}{
		{"by statement index", errors.New("x"), failure{stmt: 1, sent: sql}, 3, "INSERT INTO a\nVALUES ('é', nope)"},
		{"by position in the whole file", &pgconn.PgError{Position: int32(len([]rune(sql[:strings.Index(sql, "nope")])) + 1)},
			failure{stmt: -1, sent: sql}, 4, "INSERT INTO a\nVALUES ('é', nope)"},
		{"by position in one statement", &pgconn.PgError{Position: int32(len([]rune(second[:strings.Index(second, "nope")])) + 1)},
			failure{stmt: 1, base: spans[1].start, sent: second}, 4, "INSERT INTO a\nVALUES ('é', nope)"},
		{"unknown", errors.New("x"), failure{stmt: -1}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newError(cfg, f, tt.err, spans, tt.at, false)
			if e.Line != tt.wantLine || e.Statement != tt.wantStmt || e.File != "db/migrate/001.sql" {
				t.Errorf("got %s line %d statement %q, want db/migrate/001.sql line %d statement %q",
					e.File, e.Line, e.Statement, tt.wantLine, tt.wantStmt)
			}
		})
	}
}
