package capture

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// ErrSourceUnreachable means pg_dump could not connect to the app's database.
var ErrSourceUnreachable = errors.New("the app's database is unreachable")

// Load copies the schema of the database at sourceURL into the copy (pg_dump --schema-only, without
// owners or privileges), then the rows of those BookkeepingTables that exist there. The source is
// only read. Errors wrap ErrSourceUnreachable when pg_dump could not connect.
func (s *Scratch) Load(ctx context.Context, sourceURL string) error {
	return load(ctx, s.bin, s.Dir, sourceURL, s.restore)
}

// load dumps the source's schema, then its bookkeeping rows, into files in dir, and hands each to
// restore, which loads it into a copy.
func load(ctx context.Context, bin Binaries, dir, sourceURL string, restore func(ctx context.Context, file string) error) error {
	ctx, cancel := context.WithTimeout(ctx, DefaultLoadTimeout)
	defer cancel()
	schema := filepath.Join(dir, "schema.sql")
	if err := dump(ctx, bin, sourceURL, schema, "--schema-only"); err != nil {
		return err
	}
	if err := restore(ctx, schema); err != nil {
		return err
	}
	args := []string{"--data-only"}
	for _, t := range BookkeepingTables {
		args = append(args, "--table="+t)
	}
	versions, err := alembicTables(schema)
	if err != nil {
		return err
	}
	for _, t := range versions {
		args = append(args, "--table="+t)
	}
	rows := filepath.Join(dir, "bookkeeping.sql")
	err = dump(ctx, bin, sourceURL, rows, args...)
	if errors.Is(err, errNoMatchingTables) {
		return nil // an app that has not migrated yet, or a framework without a table of its own
	}
	if err != nil {
		return err
	}
	return restore(ctx, rows)
}

var errNoMatchingTables = errors.New("no matching tables")

// alembicTable is how pg_dump writes the table Alembic keeps its revision in, whatever its name:
// one column, version_num varchar(32) NOT NULL (its primary key is added further down).
var alembicTable = regexp.MustCompile(`(?m)^CREATE TABLE (.+?) \(\n    version_num character varying\(\d+\) NOT NULL\n\);$`)

// alembicTables returns the schema-qualified names of the tables in the schema dump at file that
// are shaped as Alembic's version table but not named alembic_version (context.configure's
// version_table, version_table_schema): their rows are bookkeeping too.
func alembicTables(file string) ([]string, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read the schema dump: %w", err)
	}
	var names []string
	for _, m := range alembicTable.FindAllSubmatch(b, -1) {
		if name := string(m[1]); !strings.HasSuffix(name, ".alembic_version") {
			names = append(names, name)
		}
	}
	return names, nil
}

// withConnectTimeout adds PGCONNECT_TIMEOUT (DefaultConnectTimeout) to env unless the user set
// one; a connect_timeout in the URL still wins over both.
func withConnectTimeout(env []string) []string {
	for _, kv := range env {
		if strings.HasPrefix(kv, "PGCONNECT_TIMEOUT=") {
			return env
		}
	}
	return append(env, fmt.Sprintf("PGCONNECT_TIMEOUT=%d", int(DefaultConnectTimeout/time.Second)))
}

// dump runs pg_dump from bin against the source into file. The user's own environment is kept: a
// PGPASSWORD or PGSSLMODE may be what reaches the source.
func dump(ctx context.Context, bin Binaries, sourceURL, file string, args ...string) error {
	args = append([]string{"--no-owner", "--no-privileges", "--file=" + file, "--dbname=" + sourceURL}, args...)
	cmd := exec.CommandContext(ctx, bin.Path("pg_dump"), args...)
	cmd.Env = withConnectTimeout(os.Environ())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		switch {
		case strings.Contains(msg, "no matching tables were found"):
			return errNoMatchingTables
		case strings.Contains(msg, "connection to server"), strings.Contains(msg, "could not connect"),
			strings.Contains(msg, "could not translate host name"):
			return fmt.Errorf("%w (%s): check DATABASE_URL and that the database is up and reachable from this host: %s",
				ErrSourceUnreachable, redact(sourceURL), msg)
		case ctx.Err() != nil:
			return fmt.Errorf("pg_dump of %s did not finish within %s: %w", redact(sourceURL), DefaultLoadTimeout, ctx.Err())
		case strings.Contains(msg, "permission denied"):
			return fmt.Errorf("pg_dump of %s could not read the whole schema, which the check copies (%w): %s; grant the role "+
				"of DATABASE_URL USAGE on that schema, or deploy with --skip-check", redact(sourceURL), err, msg)
		}
		return fmt.Errorf("pg_dump of %s failed (%w): %s", redact(sourceURL), err, msg)
	}
	return nil
}

// restore runs a dump into the copy with psql, stopping at the first error. Its statements are not
// logged and carry AppName, so they never count as the release command's.
func (s *Scratch) restore(ctx context.Context, file string) error {
	cmd := exec.CommandContext(ctx, s.bin.Path("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1",
		"--single-transaction", "-f", file)
	cmd.Env = append(s.Env(os.Environ()), "PGAPPNAME="+AppName, "PGOPTIONS=-c log_statement=none")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("load %s into the scratch copy failed (%w): %s; the copy's PostgreSQL (%s) may lack "+
			"an extension or be older than the source", filepath.Base(file), err, strings.TrimSpace(string(out)), s.bin.Dir)
	}
	return nil
}

// redact hides a password in a database URL shown in an error.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
