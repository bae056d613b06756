package lint

import (
	pg "github.com/pganalyze/pg_query_go/v6"
)

// Rule is one check. Check returns the findings it has on f; Lint applies
// the silencing comments afterwards.
type Rule interface {
	Check(f *File) []Finding
}

// RuleInfo describes one rule for documentation and --help.
type RuleInfo struct {
	// Code is the rule's stable code: CO0xx for silencing comments, CO1xx
	// for changes that break the serving release, CO2xx for locks that
	// stall traffic, CO3xx for hygiene.
	Code string `json:"code"`
	// Severity is the rule's usual severity; a finding may differ, for
	// instance by phase.
	Severity Severity `json:"severity"`
	// Summary says in one line what the rule flags.
	Summary string `json:"summary"`
}

// entry pairs a rule with its description; rule is nil for the codes the
// silencing pass reports itself.
type entry struct {
	info RuleInfo
	rule Rule
}

// registry holds every rule in code order. Adding a rule means adding it
// here and giving it a table test with a firing case.
var registry = []entry{
	{noReasonInfo, nil},
	{uselessIgnoreInfo, nil},
	{doBlockInfo, doBlock{}},
	{dropColumnInfo, dropColumn{}},
	{dropTableInfo, dropTable{}},
	{renameColumnInfo, renameColumn{}},
	{renameTableInfo, renameTable{}},
	{alterTypeInfo, alterType{}},
	{setNotNullInfo, setNotNull{}},
	{addNotNullInfo, addNotNull{}},
	{dropDefaultInfo, dropDefault{}},
	{addConstraintInfo, addConstraint{}},
	{truncateInfo, truncate{}},
	{enumRenameInfo, enumRename{}},
	{setSchemaInfo, setSchema{}},
	{dropSchemaInfo, dropSchema{}},
	{dropNotNullInfo, dropNotNull{}},
	{createIndexInfo, createIndex{}},
	{dropIndexInfo, dropIndex{}},
	{notInTxInfo, notInTx{}},
	{foreignKeyInfo, foreignKey{}},
	{checkInfo, check{}},
	{validateInfo, validate{}},
	{rewriteDefaultInfo, rewriteDefault{}},
	{enumValueInfo, enumValue{}},
	{vacuumFullInfo, vacuumFull{}},
	{clusterInfo, cluster{}},
	{reindexInfo, reindex{}},
	{lockTableInfo, lockTable{}},
	{lockTimeoutInfo, lockTimeout{}},
	{uniqueIndexInfo, uniqueIndex{}},
	{refreshInfo, refresh{}},
	{detachPartitionInfo, detachPartition{}},
	{setStorageInfo, setStorage{}},
	{domainConstraintInfo, domainConstraint{}},
	{backfillInfo, backfill{}},
	{updateAllInfo, updateAll{}},
	{riskyTxInfo, riskyTx{}},
	{intKeyInfo, intKey{}},
	{varcharInfo, varchar{}},
	{timestampInfo, timestamp{}},
	{disableTriggersInfo, disableTriggers{}},
	{openTxInfo, openTx{}},
}

// Rules describes every rule, in code order.
func Rules() []RuleInfo {
	out := make([]RuleInfo, len(registry))
	for i, e := range registry {
		out[i] = e.info
	}
	return out
}

// known reports whether code names a rule.
func known(code string) bool {
	for _, e := range registry {
		if e.info.Code == code {
			return true
		}
	}
	return false
}

// finding returns a finding of rule info on st.
func (f *File) finding(info RuleInfo, st *Statement, why, fix string) Finding {
	return Finding{
		Code:      info.Code,
		Severity:  info.Severity,
		File:      f.Name,
		Line:      st.Line,
		Statement: st.Text,
		Why:       why,
		Fix:       fix,
		stmt:      st.index + 1,
	}
}

// serving names the release that serves traffic while the file runs.
func (f *File) serving() string {
	if f.Options.Phase == PostDeploy {
		return "the new release (already serving)"
	}
	return "the old release (still serving until the switch)"
}

// pre reports whether the file runs before the switch.
func (f *File) pre() bool { return f.Options.Phase != PostDeploy }

// eachAlterCmd calls fn for every subcommand of every ALTER TABLE in f.
func (f *File) eachAlterCmd(fn func(st *Statement, rel *pg.RangeVar, cmd *pg.AlterTableCmd)) {
	for _, st := range f.Statements {
		at := st.Node.GetAlterTableStmt()
		if at == nil || at.Objtype != pg.ObjectType_OBJECT_TABLE {
			continue
		}
		for _, c := range at.Cmds {
			if cmd := c.GetAlterTableCmd(); cmd != nil {
				fn(st, at.Relation, cmd)
			}
		}
	}
}
