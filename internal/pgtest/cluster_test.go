package pgtest

import (
	"context"
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// connect opens a connection closed when the test ends.
func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func TestStartAndIsolatedDatabases(t *testing.T) {
	t.Parallel()
	c := Start(t)
	ctx := context.Background()

	if want := "postgres://postgres@127.0.0.1:" + strconv.Itoa(c.Port) + "/x?sslmode=disable"; c.URL("x") != want {
		t.Errorf("got URL %s, want %s", c.URL("x"), want)
	}
	url1, url2 := c.NewDatabase(t), c.NewDatabase(t)
	if url1 == url2 {
		t.Fatalf("got the same database twice: %s", url1)
	}
	db1, db2 := connect(t, url1), connect(t, url2)
	if _, err := db1.Exec(ctx, "CREATE TABLE only_here (id int)"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db1.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_here'").Scan(&n); err != nil || n != 1 {
		t.Errorf("got %d tables (err %v) in the first database, want 1", n, err)
	}
	if err := db2.QueryRow(ctx, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_here'").Scan(&n); err != nil || n != 0 {
		t.Errorf("got %d tables (err %v) in the second database, want 0", n, err)
	}

	var listen string
	if err := db1.QueryRow(ctx, "SHOW listen_addresses").Scan(&listen); err != nil || listen != "127.0.0.1" {
		t.Errorf("got listen_addresses %q (err %v), want 127.0.0.1", listen, err)
	}
	var fsync string
	if err := db1.QueryRow(ctx, "SHOW fsync").Scan(&fsync); err != nil || fsync != "off" {
		t.Errorf("got fsync %q (err %v), want off", fsync, err)
	}
}

func TestStopRemovesEverything(t *testing.T) {
	t.Parallel()
	c, err := start()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.Dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("got %v for %s, want it removed", err, c.Dir)
	}
	conn, err := net.DialTimeout("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(c.Port)), time.Second)
	if err == nil {
		conn.Close()
		t.Errorf("got a connection to port %d, want the server stopped", c.Port)
	}
}

func TestDatabaseName(t *testing.T) {
	tests := []struct {
		test       string
		wantSuffix string
	}{
		{"TestX", "_testx"},
		{"TestRun/failure in file 2", "_testrun_failure_in_file_2"},
		{strings.Repeat("Long", 40), "_" + strings.Repeat("long", 40)[:30]},
	}
	for _, tt := range tests {
		t.Run(tt.test, func(t *testing.T) {
			got := databaseName(tt.test)
			if !strings.HasSuffix(got, tt.wantSuffix) || len(got) > 63 {
				t.Errorf("got %q, want a name of at most 63 bytes ending in %q", got, tt.wantSuffix)
			}
		})
	}
	if a, b := databaseName("T"), databaseName("T"); a == b {
		t.Errorf("got %q twice, want unique names", a)
	}
}
