package migrate

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// ErrLocked is returned by Run when another run held the migration lock for longer than
// Config.AdvisoryLockWait.
var ErrLocked = errors.New("another deploy is migrating this database")

// lockNotAvailable is the SQLSTATE of a lock_timeout.
const lockNotAvailable = "55P03"

// Error is a migration file that failed. Run stops at it: nothing after it ran.
type Error struct {
	// File is the file's path as shown to users (relative to the app's folder).
	File string
	// Line is the 1-based line of the failed statement, or of the error position PostgreSQL gave;
	// 0 when unknown.
	Line int
	// Statement is the failed statement's text, when known.
	Statement string
	// SQLState, Message, Detail and Hint are PostgreSQL's, when the server reported the error.
	SQLState, Message, Detail, Hint string
	// Attempts counts the tries, more than one after lock timeouts.
	Attempts int
	// NoTransaction says the file ran outside a transaction, so its statements before the failed
	// one stayed applied.
	NoTransaction bool
	// LeftBehind says what became of the INVALID index a failed CREATE INDEX CONCURRENTLY left:
	// dropped, or to drop by hand; empty when there was none.
	LeftBehind string
	// Err is the underlying error, often a *pgconn.PgError.
	Err error

	stuck bool // an INVALID index it left could not be dropped: trying again would only trip on it
}

// Error says which file and statement failed, what PostgreSQL said, and what state it left.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "migration %s failed", e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, " at line %d", e.Line)
	}
	b.WriteString(": " + e.Message)
	if e.SQLState != "" {
		fmt.Fprintf(&b, " (SQLSTATE %s)", e.SQLState)
	}
	if e.Detail != "" {
		b.WriteString("; detail: " + e.Detail)
	}
	if e.Hint != "" {
		b.WriteString("; hint: " + e.Hint)
	}
	if e.Statement != "" {
		fmt.Fprintf(&b, "; statement: %s", oneLine(e.Statement, 200))
	}
	if e.SQLState == lockNotAvailable {
		fmt.Fprintf(&b, "; still waiting for a lock after %d attempts: a long-running transaction "+
			"holds a lock this migration needs (see pg_stat_activity); deploy again once it is gone", e.Attempts)
	}
	if e.LeftBehind != "" {
		b.WriteString("; " + e.LeftBehind)
	}
	if e.NoTransaction {
		b.WriteString("; the file runs outside a transaction, so its statements before this one stayed " +
			"applied: make them safe to repeat (IF NOT EXISTS) or finish them by hand")
	} else {
		b.WriteString("; the file was rolled back")
	}
	b.WriteString(", and nothing after it ran")
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// failure locates an error in a file: the failed statement's index when known, and where the text
// sent to the server starts, because PostgreSQL's error position counts from there.
type failure struct {
	stmt int // index into the file's statements, or -1
	base int // byte offset of the sent text in the file
	sent string
}

// newError describes err, raised while running f, as an *Error. spans are f's statements, nil
// when it does not parse.
func newError(cfg Config, f File, err error, spans []span, at failure, noTx bool) *Error {
	e := &Error{File: cfg.display(f.Path), Message: err.Error(), NoTransaction: noTx, Err: err}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		e.SQLState, e.Message, e.Detail, e.Hint = pgErr.Code, pgErr.Message, pgErr.Detail, pgErr.Hint
		if pgErr.Position > 0 {
			off := at.base + byteOffset(at.sent, int(pgErr.Position))
			e.Line = lineAt(f.sql, off)
			if spans == nil {
				spans = roughStatements(f.sql)
			}
			at.stmt = spanAt(spans, off)
		}
	}
	if at.stmt >= 0 && at.stmt < len(spans) {
		s := spans[at.stmt]
		start := skipSpace(f.sql, s.start)
		if e.Line == 0 {
			e.Line = lineAt(f.sql, start)
		}
		e.Statement = strings.TrimSpace(f.sql[min(start, s.end):s.end])
	}
	return e
}
