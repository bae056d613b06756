package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"

	"github.com/cutover-dev/cutover/internal/pgtest"
)

// checkRole logs in to the shared cluster with a password (SCRAM-SHA-256 over TCP 127.0.0.1), as
// a user's own server would want, and may create databases.
const (
	checkRole     = "cutover_checker"
	checkPassword = "s3cret pass"
	md5Role       = "cutover_checker_md5" // the same password, asked for with md5
)

var checkRoleOnce sync.Once

// checkServer returns a URL of the shared cluster's postgres database as checkRole, with its
// password: the role is made and pg_hba.conf told to ask it for its password, once per binary.
// Only checkRole's line is added, so the other tests' trust logins are as they were.
func checkServer(t *testing.T) string {
	t.Helper()
	c := pgtest.Shared(t)
	admin := c.URL("postgres")
	checkRoleOnce.Do(func() {
		pgtest.Exec(t, admin, "SET password_encryption = 'scram-sha-256'; "+
			fmt.Sprintf("CREATE ROLE %s LOGIN CREATEDB PASSWORD '%s'", checkRole, checkPassword))
		pgtest.Exec(t, admin, "SET password_encryption = 'md5'; "+
			fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD '%s'", md5Role, checkPassword))
		var hba string
		conn, err := pgx.Connect(context.Background(), admin)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		if err := conn.QueryRow(context.Background(), "SHOW hba_file").Scan(&hba); err != nil {
			t.Fatal(err)
		}
		old, err := os.ReadFile(hba)
		if err != nil {
			t.Fatal(err)
		}
		line := fmt.Sprintf("host all %s 127.0.0.1/32 scram-sha-256\nhost all %s 127.0.0.1/32 md5\n", checkRole, md5Role)
		if err := os.WriteFile(hba, append([]byte(line), old...), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(context.Background(), "SELECT pg_reload_conf()"); err != nil {
			t.Fatal(err)
		}
	})
	u, _ := url.Parse(admin)
	u.User = url.UserPassword(checkRole, checkPassword)
	return u.String()
}

// recorderOn starts a Recorder in front of a fresh database of the shared cluster that checkRole
// may write, and returns it with the database's name.
func recorderOn(t *testing.T) (*Recorder, string) {
	t.Helper()
	server := checkServer(t)
	db := pgtest.Shared(t).NewDatabase(t)
	pgtest.Exec(t, db, "GRANT ALL ON SCHEMA public TO "+checkRole)
	name := strings.TrimPrefix(mustParse(t, db).Path, "/")
	u := mustParse(t, server)
	u.Path = "/" + name
	rec, err := NewRecorder(u.String(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rec.Close() })
	return rec, name
}

func mustParse(t *testing.T, raw string) *url.URL {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// psqlThrough runs psql with script on the recorder's socket as checkRole with password.
func psqlThrough(rec *Recorder, db, password, script string) (string, error) {
	return psqlAs(rec, checkRole, db, password, script)
}

func psqlAs(rec *Recorder, role, db, password, script string) (string, error) {
	cmd := exec.Command("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", script)
	cmd.Env = append(os.Environ(), "PGHOST="+rec.Dir(), "PGPORT=5432", "PGUSER="+role,
		"PGPASSWORD="+password, "PGDATABASE="+db, "PGSSLMODE=prefer")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// The recorder sees psql's simple queries and pgx's extended protocol, with parameters and
// transactions, through a login that asks for a password (SCRAM), which passes through unchanged.
func TestRecorderPsqlAndPgx(t *testing.T) {
	rec, db := recorderOn(t)
	if out, err := psqlThrough(rec, db, checkPassword,
		"BEGIN; CREATE TABLE posts (id int, title text); COMMIT; SELECT 1"); err != nil {
		t.Fatalf("psql through the recorder: %v\n%s", err, out)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("host=%s port=5432 user=%s password='%s' dbname=%s sslmode=disable",
		rec.Dir(), checkRole, checkPassword, db))
	if err != nil {
		t.Fatalf("pgx through the recorder: %v", err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO posts (id, title) VALUES ($1, $2)", 7, "it's"); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "UPDATE posts SET title = $1", nil); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if n := pgtest.QueryInt(t, pgtest.Shared(t).URL(db), "SELECT count(*) FROM posts WHERE title IS NULL AND id = 7"); n != 1 {
		t.Errorf("the statements did not reach the server: got %d rows, want 1", n)
	}
	want := []Statement{
		{Session: "c1", SQL: "BEGIN", Tx: 1},
		{Session: "c1", SQL: "CREATE TABLE posts (id int, title text)", Tx: 1},
		{Session: "c1", SQL: "COMMIT", Tx: 1},
		{Session: "c1", SQL: "SELECT 1"},
		{Session: "c2", SQL: "begin", Tx: 2},
		{Session: "c2", SQL: "INSERT INTO posts (id, title) VALUES ($1, $2)", Params: []string{binaryParam, "'it''s'"}, Tx: 2},
		{Session: "c2", SQL: "commit", Tx: 2},
		{Session: "c2", SQL: "UPDATE posts SET title = $1", Params: []string{"NULL"}},
	}
	if got := rec.Statements(); !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%#v\nwant\n%#v", got, want)
	}
}

// A wrong password is the server's own refusal, relayed to the client as it is.
func TestRecorderWrongPassword(t *testing.T) {
	rec, db := recorderOn(t)
	out, err := psqlThrough(rec, db, "wrong", "SELECT 1")
	if err == nil || !strings.Contains(out, "password authentication failed") {
		t.Errorf("got %v, %q; want psql to fail with the server's password error", err, out)
	}
	rec.Close()
	if got := rec.Statements(); len(got) != 0 {
		t.Errorf("got %v, want nothing recorded", got)
	}
}

// A server that refuses TLS which the URL's sslmode requires ends the client's connection with
// an error that says so.
func TestRecorderUpstreamTLSRequired(t *testing.T) {
	server := mustParse(t, checkServer(t))
	server.RawQuery = "sslmode=require" // the shared cluster has ssl off
	rec, err := NewRecorder(server.String(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Close()
	out, err := psqlThrough(rec, "postgres", checkPassword, "SELECT 1")
	if err == nil || !strings.Contains(out, "does not offer TLS") {
		t.Errorf("got %v, %q; want the proxy's error about TLS", err, out)
	}
	if _, err := rec.up.dial(context.Background()); !errors.Is(err, ErrUpstreamTLS) {
		t.Errorf("dial: got %v, want ErrUpstreamTLS", err)
	}
}

// The proxy answers SSLRequest and GSSENCRequest with 'N' itself, then relays the StartupMessage:
// the server's reply is its request for the password.
func TestRecorderRefusesEncryptionLocally(t *testing.T) {
	rec, db := recorderOn(t)
	c, err := net.Dial("unix", filepath.Join(rec.Dir(), ".s.PGSQL.5432"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fe := pgproto3.NewFrontend(c, c)
	for _, req := range []pgproto3.FrontendMessage{&pgproto3.SSLRequest{}, &pgproto3.GSSEncRequest{}} {
		fe.Send(req)
		if err := fe.Flush(); err != nil {
			t.Fatal(err)
		}
		var answer [1]byte
		if _, err := io.ReadFull(c, answer[:]); err != nil || answer[0] != 'N' {
			t.Fatalf("%T: got %q, %v; want 'N'", req, answer[0], err)
		}
	}
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
		Parameters: map[string]string{"user": checkRole, "database": db}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	msg, err := fe.Receive()
	if err != nil {
		t.Fatal(err)
	}
	if sasl, ok := msg.(*pgproto3.AuthenticationSASL); !ok || !slices.Contains(sasl.AuthMechanisms, "SCRAM-SHA-256") {
		t.Errorf("got %#v, want the server's AuthenticationSASL offering SCRAM-SHA-256", msg)
	}
}

// A CancelRequest sent to the proxy reaches the server, which cancels the running query.
func TestRecorderForwardsCancel(t *testing.T) {
	rec, db := recorderOn(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, fmt.Sprintf("host=%s port=5432 user=%s password='%s' dbname=%s sslmode=disable",
		rec.Dir(), checkRole, checkPassword, db))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	done := make(chan error, 1)
	go func() {
		_, err := conn.Exec(ctx, "SELECT pg_sleep(600) /* cancel me */")
		done <- err
	}()
	admin := pgtest.Shared(t).URL(db)
	for pgtest.QueryInt(t, admin, "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%cancel me */'") == 0 {
		select {
		case err := <-done:
			t.Fatalf("the query ended before it was cancelled: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
	}
	if err := conn.PgConn().CancelRequest(ctx); err != nil {
		t.Fatal(err)
	}
	var pe *pgconn.PgError
	if err := <-done; !errors.As(err, &pe) || pe.Code != "57014" {
		t.Errorf("got %v, want the server's query_canceled (57014)", err)
	}
}

// An md5 login passes through the proxy as a SCRAM one does.
func TestRecorderMD5Login(t *testing.T) {
	rec, db := recorderOn(t)
	if out, err := psqlAs(rec, md5Role, db, checkPassword, "SELECT 1"); err != nil {
		t.Fatalf("md5 login through the recorder: %v\n%s", err, out)
	}
	if out, err := psqlAs(rec, md5Role, db, "wrong", "SELECT 1"); err == nil || !strings.Contains(out, "password authentication failed") {
		t.Errorf("a wrong md5 password: got %v, %q; want the server's refusal", err, out)
	}
}
