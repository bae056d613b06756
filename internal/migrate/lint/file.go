package lint

import (
	"bytes"
	"sort"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
)

// File is one parsed migration, the input every Rule checks.
type File struct {
	// Name is the migration's name as given to Lint, usually its path.
	Name string
	// Source is the migration's SQL text.
	Source []byte
	// Statements are the migration's statements in order.
	Statements []*Statement
	// Options are the options Lint was called with, defaults filled in.
	Options Options

	lineStarts []int          // byte offsets where each line starts
	created    map[string]int // table or index key -> index of the statement creating it
	// createdBefore holds what earlier pending files of the deploy created (Options.Pending).
	createdBefore map[string]bool
	before        map[*pg.AlterTableCmd]*column // a column as known just before the command ran
	txBegin       map[int]int                   // transaction id -> line of its BEGIN, 0 when the runner opened it
	openTx        int                           // the transaction still open at the end of the file, or 0
	comments      []comment                     // every comment, in order
}

// Statement is one SQL statement of a File.
type Statement struct {
	// Node is the statement's parse tree from PostgreSQL's parser.
	Node *pg.Node
	// Text is the statement's SQL text, trimmed, without its semicolon.
	Text string
	// Offset is the byte offset of the statement's first token in the file.
	Offset int
	// Line is the 1-based line of the statement's first token.
	Line int
	// Tx identifies the transaction the statement runs in: statements with
	// the same non-zero Tx run in one transaction; 0 means it runs on its own.
	Tx int

	index int // position in File.Statements
	end   int // byte offset just past its last token
}

// comment is one SQL comment with the lines it spans.
type comment struct {
	text          string
	start, end    int // byte offsets
	line, endLine int
}

// parse builds a File from src: statements with their lines, transactions
// and comments. What the catalog knows of their tables is added by
// catalog.annotate, in file order, before the rules run.
func parse(name string, src []byte, opts Options) (*File, error) {
	f := &File{Name: name, Source: src, Options: opts, lineStarts: lineStarts(src)}
	// libpg_query takes a C string, so a NUL would silently end the file.
	if i := bytes.IndexByte(src, 0); i >= 0 {
		return nil, &SyntaxError{File: name, Line: f.lineAt(i), Message: "file contains a NUL byte"}
	}
	text := string(src)
	tree, err := pg.Parse(text)
	if err != nil {
		return nil, syntaxError(name, text, err)
	}
	// Comments, and where statements start after them, come from
	// findComments when it can follow the file, else from the scanner.
	cs, ok := findComments(text)
	if !ok {
		scan, err := pg.Scan(text)
		if err != nil {
			return nil, syntaxError(name, text, err)
		}
		f.split(text, tree.Stmts, scan.Tokens)
	} else {
		f.splitPlain(text, tree.Stmts, cs)
	}
	f.groupTransactions()
	f.noteCreated()
	return f, nil
}

// lineStarts returns the byte offsets at which the lines of src start.
func lineStarts(src []byte) []int {
	starts := []int{0}
	for i, b := range src {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// lineAt returns the 1-based line holding byte offset off.
func (f *File) lineAt(off int) int {
	return sort.Search(len(f.lineStarts), func(i int) bool { return f.lineStarts[i] > off })
}

// isComment reports whether a scanner token is a comment.
func isComment(t *pg.ScanToken) bool {
	return t.Token == pg.Token_SQL_COMMENT || t.Token == pg.Token_C_COMMENT
}

// split cuts text into statements. PostgreSQL's stmt_location points just
// past the previous semicolon, so leading whitespace and comments belong to
// it; the scanner's tokens say where the statement really starts and ends.
func (f *File) split(text string, raws []*pg.RawStmt, toks []*pg.ScanToken) {
	for _, t := range toks {
		if isComment(t) {
			s, e := int(t.Start), int(t.End)
			f.comments = append(f.comments, comment{text: text[s:e], start: s, end: e, line: f.lineAt(s), endLine: f.lineAt(e - 1)})
		}
	}
	k := 0
	for _, raw := range raws {
		from, to := int(raw.StmtLocation), int(raw.StmtLocation+raw.StmtLen)
		if raw.StmtLen == 0 {
			to = len(text)
		}
		for k < len(toks) && (int(toks[k].Start) < from || isComment(toks[k])) {
			k++
		}
		if k == len(toks) {
			break
		}
		start, end := int(toks[k].Start), int(toks[k].End)
		for ; k < len(toks) && int(toks[k].End) <= to; k++ {
			if !isComment(toks[k]) {
				end = int(toks[k].End)
			}
		}
		f.Statements = append(f.Statements, &Statement{
			Node:   raw.Stmt,
			Text:   strings.TrimSpace(text[start:end]),
			Offset: start,
			Line:   f.lineAt(start),
			index:  len(f.Statements),
			end:    end,
		})
	}
}

// sqlSpace is what PostgreSQL's scanner skips as whitespace.
const sqlSpace = " \t\n\r\f\v"

// splitPlain is split with the comments cs that findComments found instead
// of the scanner's tokens.
func (f *File) splitPlain(text string, raws []*pg.RawStmt, cs []span) {
	for _, c := range cs {
		f.comments = append(f.comments, comment{text: text[c.start:c.end], start: c.start, end: c.end, line: f.lineAt(c.start), endLine: f.lineAt(c.end - 1)})
	}
	for _, raw := range raws {
		from, to := int(raw.StmtLocation), int(raw.StmtLocation+raw.StmtLen)
		if raw.StmtLen == 0 {
			to = len(text)
		}
		start, end := trimStatement(text, from, to, cs)
		if start >= end {
			continue
		}
		f.Statements = append(f.Statements, &Statement{
			Node:   raw.Stmt,
			Text:   text[start:end],
			Offset: start,
			Line:   f.lineAt(start),
			index:  len(f.Statements),
			end:    end,
		})
	}
}

// noteCreated records the tables, views and indexes the file creates, so
// rules can tell a new, empty, unused object from one the old release uses.
// CREATE ... IF NOT EXISTS and CREATE OR REPLACE VIEW prove nothing: the
// object may well exist, hold rows and be in use.
func (f *File) noteCreated() {
	f.created = map[string]int{}
	add := func(key string, st *Statement) {
		if _, ok := f.created[key]; !ok {
			f.created[key] = st.index
		}
	}
	for _, st := range f.Statements {
		switch n := st.Node.Node.(type) {
		case *pg.Node_CreateStmt:
			if !n.CreateStmt.IfNotExists {
				add(relKey(n.CreateStmt.Relation), st)
			}
		case *pg.Node_CreateTableAsStmt:
			if n.CreateTableAsStmt.Into != nil && !n.CreateTableAsStmt.IfNotExists {
				add(relKey(n.CreateTableAsStmt.Into.Rel), st)
			}
		case *pg.Node_ViewStmt:
			if !n.ViewStmt.Replace {
				add(relKey(n.ViewStmt.View), st)
			}
		case *pg.Node_IndexStmt:
			if n.IndexStmt.Idxname != "" && !n.IndexStmt.IfNotExists {
				add(indexKey(n.IndexStmt.Relation, n.IndexStmt.Idxname), st)
			}
		}
	}
}

// isNew reports whether the table (or index) with key was created by an
// earlier statement of this file, or by an earlier pending file of the same
// deploy and phase: nobody reads it yet and it holds no rows of theirs.
func (f *File) isNew(key string, st *Statement) bool {
	if f.createdBefore[key] {
		return true
	}
	i, ok := f.created[key]
	return ok && i < st.index
}

// existing reports whether rel is a table that existed before this file.
func (f *File) existing(rel *pg.RangeVar, st *Statement) bool {
	return rel != nil && !f.isNew(relKey(rel), st)
}
