package pgtest

import "testing"

func TestQueryHelpers(t *testing.T) {
	url := Shared(t).NewDatabase(t)
	Exec(t, url, "CREATE TABLE posts (id int, body text); INSERT INTO posts VALUES (1, 'a'), (2, 'b')")
	if n := QueryInt(t, url, "SELECT count(*) FROM posts WHERE id > $1", 0); n != 2 {
		t.Errorf("QueryInt: got %d, want 2", n)
	}
	if !HasColumn(t, url, "posts", "body") || HasColumn(t, url, "posts", "title") {
		t.Error("HasColumn: want body, not title")
	}
}
