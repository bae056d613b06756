package migrate

import (
	"context"
	"testing"
	"time"
)

func TestRecordsInACustomTable(t *testing.T) {
	t.Parallel()
	cfg := newApp(t, map[string]string{"db/post_migrate/001_a.sql": "CREATE TABLE a (id int);"})
	cfg.Table = "ops.migrations"
	conn := dbConn(t, cfg)
	mustExec(t, conn, "CREATE SCHEMA ops")
	applied := mustRun(t, cfg, PostDeploy)
	if len(applied) != 1 {
		t.Fatalf("got %q applied, want 001_a.sql", names(applied))
	}
	var (
		name, phase, sum string
		at               time.Time
		took             time.Duration
	)
	err := conn.QueryRow(context.Background(), "SELECT name, phase, checksum, applied_at, duration FROM ops.migrations").
		Scan(&name, &phase, &sum, &at, &took)
	if err != nil {
		t.Fatal(err)
	}
	if name != "001_a.sql" || phase != "post" || sum != applied[0].Checksum || at.IsZero() || took < 0 {
		t.Errorf("got record %s %s %s %v %v, want 001_a.sql post %s with a time and a duration",
			name, phase, sum, at, took, applied[0].Checksum)
	}
	if n := queryInt(t, conn, "SELECT count(*) FROM pg_tables WHERE tablename = 'cutover_schema_migrations'"); n != 0 {
		t.Errorf("got %d default tables, want none when Table is set", n)
	}
}

func TestLoadRecordsWithoutTheTable(t *testing.T) {
	t.Parallel()
	cfg := newApp(t, nil).withDefaults()
	recs, err := loadRecords(context.Background(), dbConn(t, cfg), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs[PreDeploy])+len(recs[PostDeploy]) != 0 {
		t.Errorf("got %v, want no records", recs)
	}
}
