package sampleapp

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/cutover-dev/cutover/internal/pgtest"
)

// TestDBQuery: with --db-query, / reads the database, and fails once what it reads is gone.
func TestDBQuery(t *testing.T) {
	url := pgtest.Start(t).NewDatabase(t)
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), "CREATE TABLE items (title text); INSERT INTO items VALUES ('apple')"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DATABASE_URL", url)
	app := startInProcess(t, config{version: "v1", dbQuery: "SELECT title FROM items LIMIT 1"})
	if resp, body := get(t, app.url+"/"); resp.StatusCode != 200 || body != "hello from v1 (db: apple)\n" {
		t.Errorf("got %d %q, want 200 hello from v1 (db: apple)", resp.StatusCode, body)
	}
	if _, err := conn.Exec(context.Background(), "ALTER TABLE items DROP COLUMN title"); err != nil {
		t.Fatal(err)
	}
	if resp, body := get(t, app.url+"/"); resp.StatusCode != 500 || !strings.Contains(body, `column "title" does not exist`) {
		t.Errorf("after DROP COLUMN: got %d %q, want 500 naming the missing column", resp.StatusCode, body)
	}
}

func TestDBQueryNeedsURL(t *testing.T) {
	t.Setenv("DATABASE_URL", "")
	if _, err := openDatabase(context.Background(), "SELECT 1"); err == nil || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Errorf("got %v, want an error naming DATABASE_URL", err)
	}
}
