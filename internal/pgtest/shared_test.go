package pgtest

import (
	"context"
	"os"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestShared(t *testing.T) {
	t.Parallel()
	a, b := Shared(t), Shared(t)
	if a != b {
		t.Fatalf("got two clusters (%s, %s), want one per test binary", a.Dir, b.Dir)
	}
	conn := connect(t, a.NewDatabase(t))
	var one int
	if err := conn.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Errorf("got %d (err %v), want 1", one, err)
	}
}
