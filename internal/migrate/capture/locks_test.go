package capture

import (
	"reflect"
	"strings"
	"testing"
)

func TestDisagreements(t *testing.T) {
	tests := []struct {
		name string
		o    Observed
		want []Disagreement
	}{
		{"agree", Observed{Locks: map[string]string{"posts": "ACCESS EXCLUSIVE"}, Claimed: map[string]string{"posts": "ACCESS EXCLUSIVE"}}, nil},
		{"reads and writes are left out", Observed{Locks: map[string]string{"posts": "ROW EXCLUSIVE"}, Claimed: map[string]string{}}, nil},
		{"stronger than claimed", Observed{Locks: map[string]string{"posts": "ACCESS EXCLUSIVE"}, Claimed: map[string]string{"posts": "SHARE"}},
			[]Disagreement{{Table: "posts", Observed: "ACCESS EXCLUSIVE", Claimed: "SHARE"}}},
		{"a table the linter did not name", Observed{Locks: map[string]string{"posts": "SHARE UPDATE EXCLUSIVE"}, Claimed: map[string]string{}},
			[]Disagreement{{Table: "posts", Observed: "SHARE UPDATE EXCLUSIVE"}}},
		{"claimed but not taken", Observed{Locks: map[string]string{"a": "SHARE"}, Claimed: map[string]string{"a": "SHARE", "b": "SHARE"}},
			[]Disagreement{{Table: "b", Claimed: "SHARE"}}},
		{"weaker than claimed", Observed{Locks: map[string]string{"a": "SHARE"}, Claimed: map[string]string{"a": "ACCESS EXCLUSIVE"}},
			[]Disagreement{{Table: "a", Observed: "SHARE", Claimed: "ACCESS EXCLUSIVE"}}},
		{"held already by its transaction", Observed{Locks: map[string]string{}, Claimed: map[string]string{"posts": "ACCESS EXCLUSIVE"},
			Prior: map[string]string{"posts": "ACCESS EXCLUSIVE"}}, nil},
		{"held before, but weaker", Observed{Locks: map[string]string{}, Claimed: map[string]string{"posts": "ACCESS EXCLUSIVE"},
			Prior: map[string]string{"posts": "SHARE"}}, []Disagreement{{Table: "posts", Claimed: "ACCESS EXCLUSIVE"}}},
		{"not observed", Observed{Claimed: map[string]string{"posts": "SHARE"}, Note: NoteNoTransaction}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.o.Disagreements(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestModeName(t *testing.T) {
	for pg, want := range map[string]string{
		"AccessShareLock": "ACCESS SHARE", "ShareUpdateExclusiveLock": "SHARE UPDATE EXCLUSIVE",
		"ShareRowExclusiveLock": "SHARE ROW EXCLUSIVE", "AccessExclusiveLock": "ACCESS EXCLUSIVE",
		"SIReadLock": "SIReadLock",
	} {
		if got := modeName(pg); got != want {
			t.Errorf("modeName(%q): got %q, want %q", pg, got, want)
		}
	}
}

func TestArrange(t *testing.T) {
	stmts := []Statement{
		{Session: "a", SQL: "SELECT 1"},
		{Session: "a", SQL: "BEGIN", Tx: 1},
		{Session: "a", SQL: "ALTER TABLE t ADD c int", Tx: 1},
		{Session: "a", SQL: "COMMIT", Tx: 1},
		{Session: "a", SQL: "SELECT 1"},
	}
	obs := []*Observed{{SQL: "SELECT 1", Note: "first"}, nil, {SQL: "ALTER TABLE t ADD c int"}, nil, {SQL: "SELECT 1", Note: "second"}}
	migrations := []Migration{
		{Framework: Rails, Version: "1", Statements: stmts[1:3]},
		{Statements: []Statement{stmts[0], stmts[3], stmts[4]}},
	}
	var got []string
	for _, o := range arrange(stmts, obs, migrations) {
		got = append(got, strings.Join([]string{o.Migration, string(rune('0' + o.Statement)), o.SQL, o.Note}, "|"))
	}
	want := []string{
		"rails migration 1|2|ALTER TABLE t ADD c int|",
		"release command|1|SELECT 1|first",
		"release command|3|SELECT 1|second",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestWriteLocks(t *testing.T) {
	obs := []Observed{
		{Migration: "db/migrate/1_a.rb", Statement: 2, SQL: "ALTER TABLE posts\n  ADD COLUMN a text",
			Locks: map[string]string{"posts": "ACCESS EXCLUSIVE"}, Claimed: map[string]string{"posts": "ACCESS EXCLUSIVE"}},
		{Migration: "db/migrate/1_a.rb", Statement: 3, SQL: "SELECT 1 FROM posts",
			Locks: map[string]string{"posts": "ACCESS SHARE"}, Claimed: map[string]string{}},
		{Migration: "db/migrate/1_a.rb", Statement: 4, SQL: "COMMENT ON TABLE posts IS 'x'",
			Locks: map[string]string{"posts": "SHARE UPDATE EXCLUSIVE"}, Claimed: map[string]string{}},
		{Migration: "db/migrate/2_b.rb", Statement: 1, SQL: "CREATE INDEX CONCURRENTLY i ON posts (a)", Note: NoteNoTransaction},
	}
	var b strings.Builder
	if err := WriteLocks(&b, obs); err != nil {
		t.Fatal(err)
	}
	want := `locks taken on the copy (each statement replayed, pg_locks read after it):
  db/migrate/1_a.rb
    2: ALTER TABLE posts ADD COLUMN a text: posts ACCESS EXCLUSIVE
    4: COMMENT ON TABLE posts IS 'x': posts SHARE UPDATE EXCLUSIVE (linter said no lock)
  db/migrate/2_b.rb
    1: CREATE INDEX CONCURRENTLY i ON posts (a): not observed (cannot run in a transaction)
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	if err := WriteLocks(&b, obs[1:2]); err != nil || b.Len() != 0 {
		t.Errorf("got %q, %v; want nothing when no statement takes more than ROW EXCLUSIVE", b.String(), err)
	}
}

func TestOneLine(t *testing.T) {
	if got := oneLine("a\n  b\tc", 10); got != "a b c" {
		t.Errorf("got %q, want %q", got, "a b c")
	}
	if got := oneLine("abcdefghij", 5); got != "abcd…" {
		t.Errorf("got %q, want %q", got, "abcd…")
	}
}
