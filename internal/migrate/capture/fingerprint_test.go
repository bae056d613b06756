package capture

import (
	"context"
	"testing"

	"github.com/cutover-dev/cutover/internal/pgtest"
)

// The fingerprint changes with a column, an index or a constraint, and not with rows.
func TestFingerprint(t *testing.T) {
	src := sourceDB(t, `CREATE TABLE posts (id bigserial PRIMARY KEY, title text, body text)`)
	read := func() string {
		t.Helper()
		sum, err := Fingerprint(context.Background(), src)
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}
	last := read()
	for _, tt := range []struct {
		sql     string
		changes bool
	}{
		{"INSERT INTO posts (title, body) VALUES ('a', 'b')", false},
		{"ALTER TABLE posts DROP COLUMN body", true},
		{"CREATE INDEX posts_title ON posts (title)", true},
		{"ALTER TABLE posts ADD CONSTRAINT title_set CHECK (title <> '') NOT VALID", true},
		{"ALTER TABLE posts ALTER COLUMN title SET NOT NULL", true},
	} {
		pgtest.Exec(t, src, tt.sql)
		now := read()
		if (now != last) != tt.changes {
			t.Errorf("%s: fingerprint changed %v, want %v", tt.sql, now != last, tt.changes)
		}
		last = now
	}
	if _, err := Fingerprint(context.Background(), "postgres://nobody@127.0.0.1:1/x?sslmode=disable&connect_timeout=5"); err == nil {
		t.Error("an unreachable database: got no error")
	}
}
