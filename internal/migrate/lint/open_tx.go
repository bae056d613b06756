package lint

import (
	"fmt"
	"strings"
)

var openTxInfo = RuleInfo{
	Code:     "CO306",
	Severity: Error,
	Summary:  "the file ends inside a transaction it opened (BEGIN with no COMMIT)",
}

// openTx flags a file whose last BEGIN (or START TRANSACTION, or COMMIT AND
// CHAIN) has no COMMIT after it. What happens next depends on the runner:
// psql rolls the work back when the session ends, another runner may commit
// it, or run the next file inside the same transaction and hold every lock
// taken so far until some later COMMIT.
//
// Lock: every lock the open transaction took, held until it ends.
type openTx struct{}

// Check implements Rule.
func (openTx) Check(f *File) []Finding {
	if f.openTx == 0 {
		return nil
	}
	for _, st := range f.Statements {
		if st.Line != f.txBegin[f.openTx] || st.Node.GetTransactionStmt() == nil {
			continue
		}
		what := strings.ToUpper(strings.Fields(st.Text)[0])
		return []Finding{f.finding(openTxInfo, st,
			fmt.Sprintf("%s opens a transaction that no COMMIT ends before the file does: whether its work is committed, rolled back or kept open into the next file, holding its locks, is up to the runner", what),
			"end the file with COMMIT (or leave out BEGIN and COMMIT: cutover's runner wraps each file in a transaction)")}
	}
	return nil
}
