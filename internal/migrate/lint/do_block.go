package lint

var doBlockInfo = RuleInfo{
	Code:     "CO003",
	Severity: Warning,
	Summary:  "a DO block runs statements the linter cannot read",
}

// doBlock flags DO, whose body (PL/pgSQL, often EXECUTE of a built string) the linter does not
// parse: a column dropped or renamed in it passes every other rule. The scratch copy's replay
// shows the locks it really took.
//
// Lock: whatever its statements take, unknown here.
type doBlock struct{}

// Check implements Rule.
func (doBlock) Check(f *File) []Finding {
	var out []Finding
	for _, st := range f.Statements {
		if st.Node.GetDoStmt() == nil {
			continue
		}
		out = append(out, f.finding(doBlockInfo, st,
			"a DO block runs statements this check cannot read: a column it drops or renames, or a lock it takes, is not checked",
			"write its statements as plain SQL so each is checked; if it must stay, review it by hand and silence this with a "+
				"`cutover:ignore CO003 reason: ...` comment"))
	}
	return out
}
