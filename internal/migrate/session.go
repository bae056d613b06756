package migrate

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// sessionRun runs a file that cannot run inside a transaction: statement by statement on the
// session, with the timeouts set for the session and reset afterwards, recorded after its last
// statement. It remembers how far it got, so a retry after a lock timeout resumes at the statement
// that timed out (or at the BEGIN of the file's own transaction that was rolled back) instead of
// repeating statements that already took effect.
type sessionRun struct {
	conn   *pgx.Conn
	cfg    Config
	f      File
	spans  []span
	parsed bool // false: spans is the whole file, sent as one query for the server to reject
	next   int  // first statement not yet applied
}

// newSessionRun prepares f to run statement by statement.
func newSessionRun(conn *pgx.Conn, cfg Config, f File) *sessionRun {
	s := &sessionRun{conn: conn, cfg: cfg, f: f}
	s.spans, s.parsed = statements(f.sql)
	if !s.parsed {
		s.spans = []span{{0, len(f.sql)}}
	}
	return s
}

// attempt runs the statements from s.next on and records the file.
func (s *sessionRun) attempt(ctx context.Context) error {
	pg := s.conn.PgConn()
	timeouts := fmt.Sprintf("SET lock_timeout = %d; SET statement_timeout = %d",
		millis(s.cfg.LockTimeout), millis(s.cfg.StatementTimeout))
	if err := pg.Exec(ctx, timeouts).Close(); err != nil {
		return s.fail(err, failure{stmt: -1})
	}
	defer func() {
		cctx, cancel := cleanupContext(ctx)
		defer cancel()
		pg.Exec(cctx, "RESET lock_timeout; RESET statement_timeout").Close()
	}()

	start := time.Now()
	blockStart := s.next
	for i := s.next; i < len(s.spans); i++ {
		if pg.TxStatus() == 'I' {
			blockStart = i
		}
		sp := s.spans[i]
		stmt := s.f.sql[sp.start:sp.end]
		ci, concurrent := concurrentIndex(stmt)
		var before map[uint32]string
		if concurrent {
			before, _ = invalidIndexes(ctx, s.conn, ci) // nil: dropLeftBehind cannot tell, and says so
		}
		if err := pg.Exec(ctx, stmt).Close(); err != nil {
			s.rollback(ctx)
			// Statements before blockStart took effect; the file's own transaction, if one was
			// open, was rolled back and must be run again from its BEGIN.
			s.next = blockStart
			e := s.fail(err, failure{stmt: i, base: sp.start, sent: stmt})
			if concurrent {
				e.LeftBehind, e.stuck = dropLeftBehind(ctx, s.conn, ci, before, err)
			}
			return e
		}
		if concurrent && ci.ifNotExists && ci.index != "" {
			if err := checkValid(ctx, s.conn, ci); err != nil {
				s.next = i
				return s.fail(err, failure{stmt: i, base: sp.start, sent: stmt})
			}
		}
	}
	if pg.TxStatus() != 'I' {
		s.rollback(ctx)
		s.next = blockStart
		return s.fail(errors.New("the file leaves a transaction open; end it with COMMIT"), failure{stmt: blockStart})
	}
	s.next = len(s.spans)
	if err := insertRecord(ctx, s.conn, s.cfg, s.f, time.Since(start)); err != nil {
		return s.fail(err, failure{stmt: -1})
	}
	return nil
}

// rollback ends a transaction the file left open or aborted.
func (s *sessionRun) rollback(ctx context.Context) {
	if s.conn.PgConn().TxStatus() == 'I' {
		return
	}
	cctx, cancel := cleanupContext(ctx)
	defer cancel()
	s.conn.PgConn().Exec(cctx, "ROLLBACK").Close()
}

// fail describes err as an *Error of a file that ran outside a transaction.
func (s *sessionRun) fail(err error, at failure) *Error {
	spans := s.spans
	if !s.parsed {
		spans = nil
	}
	return newError(s.cfg, s.f, err, spans, at, true)
}
