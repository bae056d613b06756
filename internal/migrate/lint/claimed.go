package lint

// ClaimedLock is a lock the linter says a statement takes on a table that
// existed before it, as the rules reason about it.
type ClaimedLock struct {
	// Table is the table as the statement names it, for messages; for DROP
	// INDEX, "the table of index <name>".
	Table string `json:"table"`
	// Name is the qualified name of the table, unquoted parts with the schema
	// first when the statement gives one; with OfIndex, the name of the index.
	Name []string `json:"name"`
	// OfIndex says Name is an index and the lock is on the index's table.
	OfIndex bool `json:"of_index,omitempty"`
	// Mode is the lock mode as PostgreSQL's documentation spells it, such as
	// "ACCESS EXCLUSIVE" (the mode pg_locks calls AccessExclusiveLock).
	Mode string `json:"mode"`
}

// LockModes are PostgreSQL's table lock modes, weakest first, as
// ClaimedLock.Mode spells them.
var LockModes = append([]string(nil), lockNames[accessShare:]...)

// ClaimedLocks returns the table locks the linter says sql takes, one
// statement or several (then without locks on tables an earlier one of them
// creates). Plain reads and writes, whose ACCESS SHARE, ROW SHARE and ROW
// EXCLUSIVE locks the rules leave out, and statements the linter does not
// know, claim none. The error is a *SyntaxError when PostgreSQL's parser
// rejects sql.
func ClaimedLocks(sql string) ([]ClaimedLock, error) {
	f, err := parse("", []byte(sql), Options{Phase: PreDeploy, TargetVersion: DefaultTargetVersion})
	if err != nil {
		return nil, err
	}
	var out []ClaimedLock
	for _, st := range f.Statements {
		for _, l := range f.locks(st) {
			out = append(out, ClaimedLock{Table: l.table, Name: l.name, OfIndex: l.index, Mode: l.mode.String()})
		}
	}
	return out, nil
}
