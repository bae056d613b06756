package capture

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/cutover-dev/cutover/internal/migrate/lint"
)

// Defaults for replaying the captured statements to observe their locks.
const (
	DefaultReplayLockTimeout = 2 * time.Second // lock_timeout of the replay's sessions, so nothing waits
	DefaultReplayTimeout     = 2 * time.Minute // the whole replay, restart of the server included
)

// ReplayDatabase is the database on the scratch cluster that copies the loaded schema before the
// release command runs, into which the captured statements are replayed.
const ReplayDatabase = "cutover_replay"

// Notes on an Observed statement whose locks could not be read.
const (
	NoteNoTransaction = "not observed (cannot run in a transaction)"
	NoteTxFailed      = "not run: an earlier statement of its transaction failed on the copy"
)

// tableKinds are the pg_class.relkind values whose locks the replay keeps: tables, partitioned
// tables, views, materialized views and foreign tables, the relations the linter speaks of.
const tableKinds = "rpvmf"

// copyForReplay makes ReplayDatabase as a copy of the loaded database; nothing may be connected to
// that database meanwhile.
func (s *Scratch) copyForReplay(ctx context.Context) error {
	conn, err := s.connect(ctx, "postgres")
	if err != nil {
		return fmt.Errorf("connect to the scratch copy: %w", err)
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{ReplayDatabase}.Sanitize()+
		" TEMPLATE "+pgx.Identifier{s.Database}.Sanitize())
	if err != nil {
		return fmt.Errorf("copy the loaded schema for the lock replay: %w", err)
	}
	return nil
}

// ObserveLocks starts the stopped server again and replays stmts, in their order, into
// ReplayDatabase, one connection per captured session, each with lock_timeout
// DefaultReplayLockTimeout. A statement inside a transaction runs there as it did; one outside is
// wrapped in its own transaction. After each statement it reads pg_locks: the locks this session
// holds on tables that existed before the statement, less those it held before it, are the
// statement's. Locks on system catalogs, on the transaction's own ids and on indexes, sequences and
// TOAST tables are left out. The result has one Observed per statement of migrations that is not
// transaction control, in the order of migrations, with the linter's claim beside it.
func (s *Scratch) ObserveLocks(ctx context.Context, stmts []Statement, migrations []Migration) ([]Observed, error) {
	ctx, cancel := context.WithTimeout(ctx, DefaultReplayTimeout)
	defer cancel()
	conn, err := s.serve(ctx)
	if err != nil {
		return nil, fmt.Errorf("restart the scratch copy for the lock replay: %w", err)
	}
	conn.Close(context.Background())
	r := &replayer{s: s, conns: map[string]*replaySession{}, rels: map[uint32]relation{}}
	defer r.close()
	obs := make([]*Observed, len(stmts))
	for i, st := range stmts {
		if obs[i], err = r.replay(ctx, st); err != nil {
			return nil, err
		}
	}
	return arrange(stmts, obs, migrations), nil
}

// relation is a table as the replay knows it.
type relation struct {
	name string // as regclass prints it
	kind byte   // pg_class.relkind
}

// lockKey is one lock a session holds on a relation.
type lockKey struct {
	oid  uint32
	mode string // as pg_locks names it, e.g. AccessExclusiveLock
}

// replaySession is the replay's connection for one captured session, with the locks its open
// transaction holds.
type replaySession struct {
	conn *pgx.Conn
	held map[lockKey]bool
}

type replayer struct {
	s     *Scratch
	conns map[string]*replaySession
	rels  map[uint32]relation // every user relation seen, by oid, named as when last seen
}

func (r *replayer) close() {
	for _, s := range r.conns {
		s.conn.Close(context.Background())
	}
}

// session returns the connection for a captured session, connecting on first use.
func (r *replayer) session(ctx context.Context, name string) (*replaySession, error) {
	if s := r.conns[name]; s != nil {
		return s, nil
	}
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=5432 user=postgres dbname=%s sslmode=disable application_name=%s",
		r.s.Dir, ReplayDatabase, AppName))
	if err != nil {
		return nil, err
	}
	cfg.RuntimeParams["lock_timeout"] = fmt.Sprint(DefaultReplayLockTimeout.Milliseconds())
	// Captured statements may DISCARD or DEALLOCATE; the replay's own queries keep no prepared state.
	cfg.DefaultQueryExecMode = pgx.QueryExecModeExec
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to the replay copy: %w", err)
	}
	s := &replaySession{conn: conn, held: map[lockKey]bool{}}
	r.conns[name] = s
	if len(r.conns) == 1 {
		if err := r.learn(ctx, conn); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// learn notes the name and kind of every user relation, so a lock on one the statement drops can
// still be named.
func (r *replayer) learn(ctx context.Context, conn *pgx.Conn) error {
	rows, err := conn.Query(ctx, `SELECT oid, oid::regclass::text, relkind::text FROM pg_class
		WHERE oid >= 16384 AND relnamespace <> 'pg_toast'::regnamespace`)
	if err != nil {
		return fmt.Errorf("read the replay copy's relations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var oid uint32
		var name string
		var kind string
		if err := rows.Scan(&oid, &name, &kind); err != nil {
			return fmt.Errorf("read the replay copy's relations: %w", err)
		}
		r.rels[oid] = relation{name, kind[0]}
	}
	return rows.Err()
}

// isSessionHousekeeping reports whether sql only tidies the driver's session (DEALLOCATE,
// DISCARD), which locks no table and which the replay, running statements as text, cannot repeat.
func isSessionHousekeeping(sql string) bool {
	word, _, _ := strings.Cut(strings.TrimSpace(sql), " ")
	return strings.EqualFold(word, "DEALLOCATE") || strings.EqualFold(word, "DISCARD")
}

// replay runs one captured statement and returns what it locked, or nil for transaction control
// and session housekeeping.
func (r *replayer) replay(ctx context.Context, st Statement) (*Observed, error) {
	s, err := r.session(ctx, st.Session)
	if err != nil {
		return nil, err
	}
	pc := s.conn.PgConn()
	if isSessionHousekeeping(st.SQL) {
		return nil, nil // a driver's DEALLOCATE of a statement it prepared: the replay prepared none
	}
	if isTransactionControl(st.SQL) {
		send(ctx, pc, st) // its failure shows on the statements it leaves out
		switch pc.TxStatus() {
		case 'I':
			clear(s.held)
		case 'T': // ROLLBACK TO SAVEPOINT gives back the locks taken since
			if s.held, _, err = r.held(ctx, s.conn); err != nil {
				return nil, err
			}
		}
		return nil, nil
	}
	o := &Observed{SQL: st.SQL}
	status := pc.TxStatus()
	if status == 'E' {
		o.Note = NoteTxFailed
		send(ctx, pc, st)
		return o, nil
	}
	wrapped := status == 'I'
	if wrapped {
		clear(s.held)
		if err := send(ctx, pc, Statement{SQL: "BEGIN"}); err != nil {
			return nil, fmt.Errorf("replay on the copy: %w", err)
		}
	}
	claims, err := lint.ClaimedLocks(st.SQL)
	if err != nil {
		claims = nil // the linter reports it; the replay still reads what PostgreSQL took
	}
	newer, claimed, err := r.before(ctx, s.conn, claims)
	if err != nil {
		return nil, err
	}
	if err := send(ctx, pc, st); err != nil {
		if wrapped {
			send(ctx, pc, Statement{SQL: "ROLLBACK"})
		}
		var pgErr *pgconn.PgError
		if wrapped && errors.As(err, &pgErr) && pgErr.Code == "25001" {
			o.Note = NoteNoTransaction
			if err := send(ctx, pc, st); err != nil {
				o.Note += "; failed on the copy: " + err.Error()
			}
			return o, nil
		}
		o.Note = "failed on the copy: " + err.Error()
		return o, nil
	}
	held, seen, err := r.held(ctx, s.conn)
	if err != nil {
		return nil, err
	}
	name := func(oid uint32) (relation, bool) {
		rel, ok := r.rels[oid] // the name before the statement, for one it renames or drops
		if !ok {
			rel, ok = seen[oid]
		}
		return rel, ok
	}
	o.Locks, o.Claimed = map[string]string{}, map[string]string{}
	for k := range held {
		rel, ok := name(k.oid)
		if k.oid > newer || !ok || !strings.ContainsRune(tableKinds, rune(rel.kind)) {
			continue
		}
		if s.held[k] {
			if o.Prior == nil {
				o.Prior = map[string]string{}
			}
			o.Prior[rel.name] = stronger(o.Prior[rel.name], modeName(k.mode))
			continue
		}
		o.Locks[rel.name] = stronger(o.Locks[rel.name], modeName(k.mode))
	}
	for oid, c := range claimed {
		table := c.Table
		if rel, ok := name(oid); ok {
			if !strings.ContainsRune(tableKinds, rune(rel.kind)) {
				continue // as the observed locks, only tables
			}
			table = rel.name
		}
		o.Claimed[table] = stronger(o.Claimed[table], c.Mode)
	}
	for oid, rel := range seen {
		r.rels[oid] = rel
	}
	s.held = held
	if wrapped && pc.TxStatus() == 'T' {
		if err := send(ctx, pc, Statement{SQL: "COMMIT"}); err != nil {
			o.Note = "failed on the copy at commit: " + err.Error()
		}
		clear(s.held)
	}
	return o, nil
}

// before reads, ahead of a statement, the newest relation's oid (relations created later have
// larger ones: the copy's oid counter never wraps) and resolves the claimed locks' tables to oids.
func (r *replayer) before(ctx context.Context, conn *pgx.Conn, claims []lint.ClaimedLock) (uint32, map[uint32]lint.ClaimedLock, error) {
	var newest uint32
	if err := conn.QueryRow(ctx, "SELECT max(oid)::oid FROM pg_class").Scan(&newest); err != nil {
		return 0, nil, fmt.Errorf("read the replay copy's catalog: %w", err)
	}
	claimed := map[uint32]lint.ClaimedLock{}
	for _, c := range claims {
		q := "SELECT to_regclass($1)::oid"
		if c.OfIndex {
			q = "SELECT indrelid FROM pg_index WHERE indexrelid = to_regclass($1)"
		}
		var oid *uint32
		err := conn.QueryRow(ctx, q, pgx.Identifier(c.Name).Sanitize()).Scan(&oid)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return 0, nil, fmt.Errorf("resolve %s on the replay copy: %w", c.Table, err)
		}
		if oid != nil && rank(c.Mode) > rank(claimed[*oid].Mode) {
			claimed[*oid] = c
		}
	}
	return newest, claimed, nil
}

// held reads the relation locks this session holds on user relations, and the name and kind of
// those that exist now.
func (r *replayer) held(ctx context.Context, conn *pgx.Conn) (map[lockKey]bool, map[uint32]relation, error) {
	rows, err := conn.Query(ctx, `SELECT l.relation, l.mode, l.relation::regclass::text, c.relkind::text
		FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation
		WHERE l.pid = pg_backend_pid() AND l.granted AND l.locktype = 'relation' AND l.relation >= 16384
		AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())`)
	if err != nil {
		return nil, nil, fmt.Errorf("read pg_locks on the replay copy: %w", err)
	}
	defer rows.Close()
	held, seen := map[lockKey]bool{}, map[uint32]relation{}
	for rows.Next() {
		var k lockKey
		var name string
		var kind *string
		if err := rows.Scan(&k.oid, &k.mode, &name, &kind); err != nil {
			return nil, nil, fmt.Errorf("read pg_locks on the replay copy: %w", err)
		}
		held[k] = true
		if kind != nil && len(*kind) == 1 {
			seen[k.oid] = relation{name, (*kind)[0]}
		}
	}
	return held, seen, rows.Err()
}

// send runs a captured statement as its client sent it: with the simple protocol, or with its
// logged parameters as text of types the server infers.
func send(ctx context.Context, pc *pgconn.PgConn, st Statement) error {
	if len(st.Params) == 0 {
		_, err := pc.Exec(ctx, st.SQL).ReadAll()
		return err
	}
	values := make([][]byte, len(st.Params))
	for i, p := range st.Params {
		if p != "NULL" {
			values[i] = []byte(strings.ReplaceAll(strings.TrimSuffix(strings.TrimPrefix(p, "'"), "'"), "''", "'"))
		}
	}
	return pc.ExecParams(ctx, st.SQL, values, nil, nil, nil).Read().Err
}

// isTransactionControl reports whether sql is BEGIN, COMMIT, ROLLBACK, SAVEPOINT and the like.
func isTransactionControl(sql string) bool {
	tree, err := pg.Parse(sql)
	return err == nil && len(tree.Stmts) == 1 && tree.Stmts[0].Stmt.GetTransactionStmt() != nil
}
