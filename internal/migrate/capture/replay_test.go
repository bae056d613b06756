package capture

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// locksRelease runs, as a Rails app would, one migration in a transaction and one without, plus
// a statement that fails (psql goes on) and one of the release command's own.
const locksRelease = `psql -X -q <<'SQL' || true
SELECT * FROM no_such_table;
BEGIN;
SELECT 1/0;
ALTER TABLE authors ADD COLUMN z int;
ROLLBACK;
BEGIN;
SAVEPOINT s;
LOCK TABLE posts IN ACCESS EXCLUSIVE MODE;
ROLLBACK TO SAVEPOINT s;
LOCK TABLE posts IN ACCESS EXCLUSIVE MODE;
COMMIT;
SQL
psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
BEGIN;
LOCK TABLE authors IN SHARE ROW EXCLUSIVE MODE;
ALTER TABLE posts ADD COLUMN subtitle text;
CREATE INDEX posts_title ON posts (title);
SELECT count(*) FROM posts;
CREATE TABLE tags (id int);
CREATE INDEX tags_id ON tags (id);
INSERT INTO "schema_migrations" ("version") VALUES ('20261205120000');
COMMIT;
CREATE INDEX CONCURRENTLY posts_body ON posts (body);
INSERT INTO "schema_migrations" ("version") VALUES ('20261205130000');
ALTER TABLE "Authors" RENAME TO writers;
DROP INDEX posts_title;
SQL`

func TestObserveLocks(t *testing.T) {
	src := sourceDB(t, `
		CREATE TABLE posts (id bigserial PRIMARY KEY, title text, body text);
		CREATE TABLE authors (id int);
		CREATE TABLE "Authors" (id int);
		CREATE TABLE schema_migrations (version varchar PRIMARY KEY);`)
	app := t.TempDir()
	writeFiles(t, app, map[string]string{
		"db/migrate/20261205120000_add_subtitle.rb":     "",
		"db/migrate/20261205130000_index_posts_body.rb": "",
	})
	res, err := Capture(context.Background(), Options{AppDir: app, Command: locksRelease, DatabaseURL: src, ObserveLocks: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.LocksError != "" {
		t.Fatalf("got LocksError %q, want none", res.LocksError)
	}
	got := map[string]Observed{}
	for _, o := range res.Locks {
		got[o.SQL] = o
	}
	tests := []struct {
		sql, migration string
		statement      int
		locks, claimed map[string]string
		note           string
	}{
		{"LOCK TABLE authors IN SHARE ROW EXCLUSIVE MODE", "db/migrate/20261205120000_add_subtitle.rb", 2,
			map[string]string{"authors": "SHARE ROW EXCLUSIVE"}, map[string]string{"authors": "SHARE ROW EXCLUSIVE"}, ""},
		// Inside the transaction, only the locks a statement adds are its own: not authors'.
		{"ALTER TABLE posts ADD COLUMN subtitle text", "db/migrate/20261205120000_add_subtitle.rb", 3,
			map[string]string{"posts": "ACCESS EXCLUSIVE"}, map[string]string{"posts": "ACCESS EXCLUSIVE"}, ""},
		{"CREATE INDEX posts_title ON posts (title)", "db/migrate/20261205120000_add_subtitle.rb", 4,
			map[string]string{"posts": "SHARE"}, map[string]string{"posts": "SHARE"}, ""},
		// A read adds ACCESS SHARE, which the linter leaves out: no disagreement.
		{"SELECT count(*) FROM posts", "db/migrate/20261205120000_add_subtitle.rb", 5,
			map[string]string{"posts": "ACCESS SHARE"}, map[string]string{}, ""},
		// A table made earlier in the replay is locked like any other once it exists.
		{"CREATE TABLE tags (id int)", "db/migrate/20261205120000_add_subtitle.rb", 6,
			map[string]string{}, map[string]string{}, ""},
		{"CREATE INDEX tags_id ON tags (id)", "db/migrate/20261205120000_add_subtitle.rb", 7,
			map[string]string{"tags": "SHARE"}, map[string]string{"tags": "SHARE"}, ""},
		{"CREATE INDEX CONCURRENTLY posts_body ON posts (body)", "db/migrate/20261205130000_index_posts_body.rb", 1,
			nil, nil, NoteNoTransaction},
		// Named as before the statement, quoted as PostgreSQL quotes it.
		{`ALTER TABLE "Authors" RENAME TO writers`, "release command", 0,
			map[string]string{`"Authors"`: "ACCESS EXCLUSIVE"}, map[string]string{`"Authors"`: "ACCESS EXCLUSIVE"}, ""},
		{"DROP INDEX posts_title", "release command", 0,
			map[string]string{"posts": "ACCESS EXCLUSIVE"}, map[string]string{"posts": "ACCESS EXCLUSIVE"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			o, ok := got[tt.sql]
			if !ok {
				t.Fatalf("got no observation; all:\n%s", dumpObserved(res.Locks))
			}
			if o.Migration != tt.migration || (tt.statement != 0 && o.Statement != tt.statement) {
				t.Errorf("got %s statement %d, want %s statement %d", o.Migration, o.Statement, tt.migration, tt.statement)
			}
			if !reflect.DeepEqual(o.Locks, tt.locks) || !reflect.DeepEqual(o.Claimed, tt.claimed) || o.Note != tt.note {
				t.Errorf("got locks %v, claimed %v, note %q; want %v, %v, %q", o.Locks, o.Claimed, o.Note, tt.locks, tt.claimed, tt.note)
			}
			if d := o.Disagreements(); len(d) != 0 {
				t.Errorf("got disagreements %+v, want none", d)
			}
		})
	}
	for sql, want := range map[string]string{
		"SELECT * FROM no_such_table":          "failed on the copy: ERROR: relation \"no_such_table\" does not exist",
		"SELECT 1/0":                           "failed on the copy: ERROR: division by zero",
		"ALTER TABLE authors ADD COLUMN z int": NoteTxFailed,
	} {
		if note := got[sql].Note; !strings.HasPrefix(note, want) {
			t.Errorf("%s: got note %q, want %q", sql, note, want)
		}
	}
	// Rolled back to a savepoint, the lock is given back: taking it again is the statement's own.
	var again []map[string]string
	for _, o := range res.Locks {
		if o.SQL == "LOCK TABLE posts IN ACCESS EXCLUSIVE MODE" {
			again = append(again, o.Locks)
		}
	}
	if len(again) != 2 || again[1]["posts"] != "ACCESS EXCLUSIVE" {
		t.Errorf("got %v for the LOCK TABLE before and after ROLLBACK TO SAVEPOINT, want ACCESS EXCLUSIVE on posts for both", again)
	}
	for _, o := range res.Locks {
		if isTransactionControl(o.SQL) {
			t.Errorf("got an observation of %q, want none for transaction control", o.SQL)
		}
	}
}

func TestCaptureWithoutObserveLocks(t *testing.T) {
	src := sourceDB(t, `CREATE TABLE posts (id int)`)
	res, err := Capture(context.Background(), Options{AppDir: t.TempDir(), DatabaseURL: src,
		Command: `psql -X -q -c 'ALTER TABLE posts ADD COLUMN a int'`})
	if err != nil {
		t.Fatal(err)
	}
	if res.Locks != nil || res.LocksError != "" {
		t.Errorf("got locks %v, error %q; want none without ObserveLocks", res.Locks, res.LocksError)
	}
}

func dumpObserved(obs []Observed) string {
	var b strings.Builder
	for _, o := range obs {
		fmt.Fprintf(&b, "%s #%d %q: locks %v claimed %v note %q\n", o.Migration, o.Statement, o.SQL, o.Locks, o.Claimed, o.Note)
	}
	return b.String()
}

func TestIsSessionHousekeeping(t *testing.T) {
	for sql, want := range map[string]bool{
		"DEALLOCATE a1": true, "deallocate all": true, "DISCARD ALL": true,
		"SELECT 1": false, "ALTER TABLE t DROP COLUMN deallocate": false,
	} {
		if got := isSessionHousekeeping(sql); got != want {
			t.Errorf("%q: got %v, want %v", sql, got, want)
		}
	}
}
