package pgtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultAdminTimeout bounds creating or dropping one database.
const DefaultAdminTimeout = time.Minute

// dbCounter makes database names unique within the test binary; the pid makes them unique across
// test binaries that share a cluster by accident.
var dbCounter atomic.Int64

// NewDatabase creates an empty database with a unique name and returns its URL. The database is
// dropped (with FORCE, closing any connection left open) when the test ends, so each test can own
// one and run in parallel with the others.
func (c *Cluster) NewDatabase(tb testing.TB) string {
	tb.Helper()
	name := databaseName(tb.Name())
	if err := c.admin(fmt.Sprintf("CREATE DATABASE %s", pgx.Identifier{name}.Sanitize())); err != nil {
		tb.Fatalf("pgtest: create database %s: %v", name, err)
	}
	tb.Cleanup(func() {
		if err := c.admin(fmt.Sprintf("DROP DATABASE %s WITH (FORCE)", pgx.Identifier{name}.Sanitize())); err != nil {
			tb.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	return c.URL(name)
}

// admin runs one statement in the "postgres" database.
func (c *Cluster) admin(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultAdminTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

// databaseName builds a name that says which test owns it, within PostgreSQL's 63-byte limit.
func databaseName(testName string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(testName) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	label := b.String()
	if len(label) > 30 {
		label = label[:30]
	}
	return fmt.Sprintf("t%d_%d_%s", os.Getpid(), dbCounter.Add(1), label)
}
