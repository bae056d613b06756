package migrate

import (
	"strings"
	"unicode/utf8"

	pg_query "github.com/pganalyze/pg_query_go/v6"

	"github.com/cutover-dev/cutover/internal/migrate/lint"
)

// NeedsNoTransaction reports whether a migration must run outside a transaction: when, parsed by
// PostgreSQL's parser, it uses CONCURRENTLY (CREATE/DROP INDEX, REINDEX, REFRESH, DETACH
// PARTITION) or VACUUM, or manages its own transactions (BEGIN, START, COMMIT). Other statements
// PostgreSQL refuses inside a transaction (ALTER SYSTEM, CREATE DATABASE) fail with its own
// "cannot run inside a transaction block" error, which the linter reports beforehand (CO203).
func NeedsNoTransaction(sql string) bool {
	// The linter's parser-based rule is the one source of truth, so what the linter checks as
	// "inside the runner's transaction" is what the runner does. A file that does not parse is
	// wrapped: PostgreSQL then reports the syntax error with nothing applied.
	in, err := lint.RunsInTransaction([]byte(sql))
	return err == nil && !in
}

// span is one statement's byte range in a file, from just after the previous statement's ";" to
// the end of its own text.
type span struct{ start, end int }

// statements splits sql into its statements with PostgreSQL's parser, so a ";" inside a string, a
// dollar-quoted body or a BEGIN ATOMIC function is not a boundary. ok is false when the SQL does
// not parse; the caller then sends it whole, and the server rejects it with its own syntax error
// before running any of it.
func statements(sql string) (spans []span, ok bool) {
	res, err := pg_query.Parse(sql)
	if err != nil {
		return nil, false
	}
	for _, s := range res.Stmts {
		start, end := int(s.StmtLocation), len(sql)
		if s.StmtLen > 0 {
			end = start + int(s.StmtLen)
		}
		if start < 0 || end > len(sql) || start > end {
			return nil, false
		}
		spans = append(spans, span{start, end})
	}
	return spans, true
}

// roughStatements splits SQL that does not parse at each ";" token, to quote the statement
// around a syntax error. It is only used to describe an error.
func roughStatements(sql string) []span {
	res, err := pg_query.Scan(sql)
	if err != nil {
		return []span{{0, len(sql)}}
	}
	var spans []span
	start, pending := 0, false
	for _, tok := range res.Tokens {
		switch tok.Token {
		case pg_query.Token_ASCII_59:
			spans = append(spans, span{start, int(tok.Start)})
			start, pending = int(tok.End), false
		case pg_query.Token_SQL_COMMENT, pg_query.Token_C_COMMENT:
		default:
			pending = true
		}
	}
	if pending {
		spans = append(spans, span{start, len(sql)})
	}
	return spans
}

// spanAt returns the index of the statement holding byte offset off (the last one for an offset
// past the end, where "at end of input" errors point), or -1.
func spanAt(spans []span, off int) int {
	for i, s := range spans {
		if off >= s.start && off < s.end {
			return i
		}
	}
	if n := len(spans); n > 0 && off >= spans[n-1].start {
		return n - 1
	}
	return -1
}

// skipSpace returns the offset of the first byte at or after off that is neither white space nor
// inside a comment: where a statement really starts.
func skipSpace(sql string, off int) int {
	for off < len(sql) {
		rest := sql[off:]
		switch {
		case rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\n' || rest[0] == '\r' || rest[0] == '\f':
			off++
		case strings.HasPrefix(rest, "--"):
			nl := strings.IndexByte(rest, '\n')
			if nl < 0 {
				return len(sql)
			}
			off += nl + 1
		case strings.HasPrefix(rest, "/*"):
			off += blockCommentLen(rest)
		default:
			return off
		}
	}
	return off
}

// blockCommentLen measures the /* */ comment at the start of s; PostgreSQL's nest.
func blockCommentLen(s string) int {
	depth := 0
	for i := 0; i+1 < len(s); i++ {
		switch s[i : i+2] {
		case "/*":
			depth++
			i++
		case "*/":
			depth--
			i++
			if depth == 0 {
				return i + 1
			}
		}
	}
	return len(s)
}

// byteOffset converts PostgreSQL's error position, a 1-based count of characters into the query
// text, into a byte offset in s.
func byteOffset(s string, pos int) int {
	off := 0
	for n := 1; n < pos && off < len(s); n++ {
		_, size := utf8.DecodeRuneInString(s[off:])
		off += size
	}
	return off
}

// lineAt returns the 1-based line number of byte offset off in s.
func lineAt(s string, off int) int {
	return strings.Count(s[:min(off, len(s))], "\n") + 1
}

// oneLine shortens a statement for an error message: white space collapsed, at most limit
// characters.
func oneLine(stmt string, limit int) string {
	s := strings.Join(strings.Fields(stmt), " ")
	if utf8.RuneCountInString(s) <= limit {
		return s
	}
	return string([]rune(s)[:limit-1]) + "…"
}
