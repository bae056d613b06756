package capture

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// DefaultMaxLogLine bounds one line of the jsonlog; a statement longer than this (a huge INSERT)
// is reported as an error rather than cut.
const DefaultMaxLogLine = 64 << 20

// Statement is one SQL statement the copy executed, as its log recorded it.
type Statement struct {
	// Session is the server session (connection) that sent it.
	Session string `json:"session"`
	// SQL is the statement's text, one statement even when the client sent several in one query.
	SQL string `json:"sql"`
	// Params are the values of $1, $2... for a statement sent with the extended protocol, as logged
	// (quoted literals, or NULL).
	Params []string `json:"params,omitempty"`
	// Tx numbers the explicit transaction (BEGIN ... COMMIT or ROLLBACK) holding the statement,
	// boundaries included, from 1; 0 means it ran on its own.
	Tx int `json:"tx,omitempty"`
}

// logEntry is the part of a jsonlog line the capture reads.
type logEntry struct {
	Session string `json:"session_id"`
	Message string `json:"message"`
	Detail  string `json:"detail"`
	AppName string `json:"application_name"`
}

// ReadLogDir reads every *.json log in dir, in name order, as ReadLog does.
func ReadLogDir(dir string) ([]Statement, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	var all []Statement
	tx := &txTracker{open: map[string]int{}}
	for _, f := range files {
		stmts, err := readLog(f, tx)
		if err != nil {
			return nil, err
		}
		all = append(all, stmts...)
	}
	return all, nil
}

// ReadLog reads the statements a jsonlog file records (log_statement = 'all'), in order, leaving out
// cutover's own connections (application_name AppName), and marks their transactions.
func ReadLog(path string) ([]Statement, error) {
	return readLog(path, &txTracker{open: map[string]int{}})
}

func readLog(path string, tx *txTracker) ([]Statement, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read the scratch copy's log: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), DefaultMaxLogLine)
	var out []Statement
	for line := 1; sc.Scan(); line++ {
		var e logEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			return nil, fmt.Errorf("%s:%d: not a jsonlog line: %w", path, line, err)
		}
		sql, ok := statementText(e.Message)
		if ok && e.AppName == AppName && sql == phaseMark {
			out = append(out, Statement{SQL: phaseMark})
		}
		if !ok || e.AppName == AppName {
			continue
		}
		params := parseParams(e.Detail)
		for _, one := range splitStatements(sql) {
			out = append(out, Statement{Session: e.Session, SQL: one, Params: params, Tx: tx.mark(e.Session, one)})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return out, nil
}

// statementText recognizes log_statement's messages: "statement: ..." for a simple query,
// "execute <name>: ..." for a prepared or extended-protocol one.
func statementText(msg string) (string, bool) {
	if s, ok := strings.CutPrefix(msg, "statement: "); ok {
		return s, true
	}
	if rest, ok := strings.CutPrefix(msg, "execute "); ok {
		if _, s, ok := strings.Cut(rest, ": "); ok {
			return s, true
		}
	}
	return "", false
}

var paramRe = regexp.MustCompile(`\$(\d+) = ('(?:[^']|'')*'|NULL)`)

// parseParams reads "parameters: $1 = '2026', $2 = NULL" into a list by number.
func parseParams(detail string) []string {
	rest, ok := strings.CutPrefix(detail, "parameters: ")
	if !ok {
		return nil
	}
	var params []string
	for _, m := range paramRe.FindAllStringSubmatch(rest, -1) {
		n, _ := strconv.Atoi(m[1])
		for len(params) < n {
			params = append(params, "")
		}
		params[n-1] = m[2]
	}
	return params
}

// splitStatements splits a query holding several statements with PostgreSQL's parser; a query it
// cannot split stays whole, for the linter to report.
func splitStatements(sql string) []string {
	parts, err := pg.SplitWithParser(sql, true)
	if err != nil || len(parts) == 0 {
		return []string{strings.TrimSpace(sql)}
	}
	return parts
}

// txTracker follows each session's explicit transactions across the log.
type txTracker struct {
	open map[string]int // session -> its open transaction's number
	last int
}

// mark returns the transaction number of stmt in session, opening or closing the transaction when
// stmt is a boundary.
func (t *txTracker) mark(session, stmt string) int {
	switch boundary(stmt) {
	case "begin":
		if n, ok := t.open[session]; ok {
			return n // BEGIN inside a transaction is only a warning in PostgreSQL
		}
		t.last++
		t.open[session] = t.last
		return t.last
	case "end":
		n := t.open[session]
		delete(t.open, session)
		return n
	}
	return t.open[session]
}

// boundary says whether stmt opens ("begin") or closes ("end") a transaction.
func boundary(stmt string) string {
	words := strings.Fields(strings.ToUpper(strings.TrimRight(stmt, "; \t\n")))
	if len(words) == 0 {
		return ""
	}
	switch words[0] {
	case "BEGIN", "START":
		return "begin"
	case "COMMIT", "END", "ABORT":
		if len(words) > 1 && words[1] == "PREPARED" {
			return ""
		}
		return "end"
	case "ROLLBACK":
		if len(words) > 1 && (words[1] == "TO" || words[1] == "PREPARED") {
			return ""
		}
		return "end"
	}
	return ""
}

// phaseMark is the statement cutover sends between the release and the post-deploy command, so
// the log says where one ends and the other begins.
const phaseMark = "SELECT 'cutover: post-deploy command starts'"

// markPhase logs phaseMark, on a connection of cutover's own.
func (s *Scratch) markPhase(ctx context.Context) error {
	conn, err := s.connect(ctx, s.Database)
	if err != nil {
		return fmt.Errorf("mark the start of the post-deploy command on the scratch copy: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, phaseMark); err != nil {
		return fmt.Errorf("mark the start of the post-deploy command on the scratch copy: %w", err)
	}
	return nil
}

// splitAtMark splits statements at phaseMark: those before it, and those after it.
func splitAtMark(stmts []Statement) (before, after []Statement) {
	for i, st := range stmts {
		if st.Session == "" && st.SQL == phaseMark {
			return stmts[:i], stmts[i+1:]
		}
	}
	return stmts, nil
}
