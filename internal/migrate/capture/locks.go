package capture

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/cutover-dev/cutover/internal/migrate/lint"
)

// Observed is what one captured statement locked when it was replayed on a copy of the schema
// (see Scratch.ObserveLocks), beside what the linter claims it locks.
type Observed struct {
	// Migration names the statement's migration, as Migration.Name does.
	Migration string `json:"migration"`
	// Statement is its 1-based number among the migration's statements, as a finding's Line.
	Statement int `json:"statement"`
	// SQL is the statement.
	SQL string `json:"sql"`
	// Locks maps each table the statement locked (that existed before it) to the strongest mode
	// it added, spelled as lint.LockModes; empty when Note says it was not observed.
	Locks map[string]string `json:"locks"`
	// Claimed maps each table the linter says it locks to that mode (lint.ClaimedLocks).
	Claimed map[string]string `json:"claimed"`
	// Prior maps each table its transaction had locked before it to the strongest of those modes:
	// a claim they cover took no new lock, and is no disagreement.
	Prior map[string]string `json:"prior,omitempty"`
	// Note says why the locks were not observed (NoteNoTransaction, NoteTxFailed, or the error of
	// a statement that failed on the copy); empty when they were.
	Note string `json:"note,omitempty"`
}

// Disagreement is a table on which the linter and PostgreSQL disagree about a statement's lock: a
// bug in the linter, and a test case for it.
type Disagreement struct {
	// Table is the table, as PostgreSQL names it.
	Table string `json:"table"`
	// Observed is the strongest mode PostgreSQL took, "" for none.
	Observed string `json:"observed"`
	// Claimed is the mode the linter claimed, "" for none.
	Claimed string `json:"claimed"`
}

// Disagreements lists the tables on which o's observed locks and the linter's claim differ: a mode
// stronger than claimed (modes up to ROW EXCLUSIVE, which plain reads and writes take and the
// linter leaves out, count as no lock), or a claimed mode PostgreSQL did not take and its
// transaction did not hold already. A statement not observed has none.
func (o Observed) Disagreements() []Disagreement {
	if o.Note != "" {
		return nil
	}
	var out []Disagreement
	tables := map[string]bool{}
	for t := range o.Locks {
		tables[t] = true
	}
	for t := range o.Claimed {
		tables[t] = true
	}
	for t := range tables {
		got, claimed := rank(o.Locks[t]), rank(o.Claimed[t])
		if got > max(claimed, rank("ROW EXCLUSIVE")) || claimed > max(got, rank(o.Prior[t])) {
			out = append(out, Disagreement{Table: t, Observed: o.Locks[t], Claimed: o.Claimed[t]})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Table < out[j].Table })
	return out
}

// rank orders a mode named as lint.LockModes from 1, weakest first; 0 for "" or an unknown name.
func rank(mode string) int { return slices.Index(lint.LockModes, mode) + 1 }

// stronger returns the stronger of two modes named as lint.LockModes.
func stronger(a, b string) string {
	if rank(b) > rank(a) {
		return b
	}
	return a
}

// modeName turns pg_locks' name of a mode (AccessExclusiveLock) into lint's (ACCESS EXCLUSIVE).
func modeName(pgMode string) string {
	for _, m := range lint.LockModes {
		if strings.ReplaceAll(m, " ", "")+"LOCK" == strings.ToUpper(pgMode) {
			return m
		}
	}
	return pgMode
}

// arrange puts the observations of stmts (nil for transaction control) in the order of migrations,
// numbered as their statements. Attribute copies statements into migrations, so each is found by
// its session, transaction, text and parameters, identical ones in their order.
func arrange(stmts []Statement, obs []*Observed, migrations []Migration) []Observed {
	key := func(st Statement) string {
		return fmt.Sprintf("%s\x00%d\x00%s\x00%q", st.Session, st.Tx, st.SQL, st.Params)
	}
	queue := map[string][]int{}
	for i, st := range stmts {
		queue[key(st)] = append(queue[key(st)], i)
	}
	var out []Observed
	for _, m := range migrations {
		for n, st := range m.Statements {
			k := key(st)
			if len(queue[k]) == 0 {
				continue
			}
			i := queue[k][0]
			queue[k] = queue[k][1:]
			if obs[i] != nil {
				o := *obs[i]
				o.Migration, o.Statement = m.Name(), n+1
				out = append(out, o)
			}
		}
	}
	return out
}

// WriteLocks writes, per migration, the statements that took a lock stronger than ROW EXCLUSIVE,
// were claimed to, disagree with the linter or could not be observed, each with its locks, and
// "linter said X" where the linter disagrees. It writes nothing when no statement is worth showing.
func WriteLocks(w io.Writer, obs []Observed) error {
	var b strings.Builder
	last := ""
	for _, o := range obs {
		if !o.worthShowing() {
			continue
		}
		if b.Len() == 0 {
			b.WriteString("locks taken on the copy (each statement replayed, pg_locks read after it):\n")
		}
		if o.Migration != last {
			fmt.Fprintf(&b, "  %s\n", o.Migration)
			last = o.Migration
		}
		fmt.Fprintf(&b, "    %d: %s: %s\n", o.Statement, oneLine(o.SQL, 72), o.describe())
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func (o Observed) worthShowing() bool {
	if o.Note != "" || len(o.Claimed) > 0 || len(o.Disagreements()) > 0 {
		return true
	}
	for _, m := range o.Locks {
		if rank(m) > rank("ROW EXCLUSIVE") {
			return true
		}
	}
	return false
}

// describe says what o locked, in table order.
func (o Observed) describe() string {
	if o.Note != "" {
		return o.Note
	}
	said := map[string]string{}
	for _, d := range o.Disagreements() {
		said[d.Table] = d.Claimed
		if said[d.Table] == "" {
			said[d.Table] = "no lock"
		}
	}
	var parts []string
	tables := make([]string, 0, len(o.Locks))
	for t := range o.Locks {
		tables = append(tables, t)
	}
	for t := range said {
		if _, ok := o.Locks[t]; !ok {
			tables = append(tables, t)
		}
	}
	sort.Strings(tables)
	for _, t := range tables {
		p := t + " " + o.Locks[t]
		if o.Locks[t] == "" {
			p = t + " no lock"
		}
		if s, ok := said[t]; ok {
			p += " (linter said " + s + ")"
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "no table lock"
	}
	return strings.Join(parts, ", ")
}

// oneLine squeezes sql's whitespace and cuts it to at most n runes.
func oneLine(sql string, n int) string {
	s := []rune(strings.Join(strings.Fields(sql), " "))
	if len(s) > n {
		return string(s[:n-1]) + "…"
	}
	return string(s)
}
