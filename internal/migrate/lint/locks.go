package lint

import (
	pg "github.com/pganalyze/pg_query_go/v6"
)

// lockMode is a PostgreSQL table-level lock mode, weakest first, numbered as
// PostgreSQL numbers them (LOCK TABLE's mode field uses the same numbers).
// See https://www.postgresql.org/docs/current/explicit-locking.html.
type lockMode int

const (
	noLock lockMode = iota
	accessShare
	rowShare
	rowExclusive
	shareUpdateExclusive
	share
	shareRowExclusive
	exclusive
	accessExclusive
)

var lockNames = [...]string{"no lock", "ACCESS SHARE", "ROW SHARE", "ROW EXCLUSIVE",
	"SHARE UPDATE EXCLUSIVE", "SHARE", "SHARE ROW EXCLUSIVE", "EXCLUSIVE", "ACCESS EXCLUSIVE"}

// String returns the mode's name as PostgreSQL's documentation spells it.
func (m lockMode) String() string {
	if m < 0 || int(m) >= len(lockNames) {
		return "unknown lock"
	}
	return lockNames[m]
}

// article returns the mode's name with "a" or "an" before it.
func (m lockMode) article() string {
	if s := m.String(); s[0] == 'A' || s[0] == 'E' {
		return "an " + s
	}
	return "a " + m.String()
}

// blocksWrites reports whether the mode conflicts with ROW EXCLUSIVE, the
// lock every INSERT, UPDATE and DELETE takes: SHARE and stronger.
func (m lockMode) blocksWrites() bool { return m >= share }

// blocksReads reports whether the mode conflicts with ACCESS SHARE, the lock
// every SELECT takes.
func (m lockMode) blocksReads() bool { return m == accessExclusive }

// effect says in a few words what the lock stops, for a Why.
func (m lockMode) effect() string {
	switch {
	case m.blocksReads():
		return "reads and writes wait"
	case m.blocksWrites():
		return "writes wait"
	}
	return "traffic continues"
}

// tableLock is a lock a statement takes on an existing table.
type tableLock struct {
	table string // as written, for messages
	mode  lockMode
	name  []string // the table's qualified name, parts unquoted; for DROP INDEX, the index's
	index bool     // name is an index and the lock is on its table
}

// locks returns the table-level locks st takes on tables that existed before
// this file, as the PostgreSQL documentation gives them. Statements it does
// not know, and plain DML, return none that matter here.
func (f *File) locks(st *Statement) []tableLock {
	var out []tableLock
	add := func(rel *pg.RangeVar, m lockMode) {
		if f.existing(rel, st) {
			out = append(out, tableLock{table: relName(rel), mode: m, name: relParts(rel)})
		}
	}
	switch n := st.Node.Node.(type) {
	case *pg.Node_AlterTableStmt:
		at := n.AlterTableStmt
		add(at.Relation, alterTableLock(at))
		for _, c := range at.Cmds {
			cmd := c.GetAlterTableCmd()
			def := cmd.GetDef()
			// ATTACH and DETACH PARTITION also lock the partition exclusively.
			if pc := def.GetPartitionCmd(); pc != nil && !pc.Concurrent {
				add(pc.Name, accessExclusive)
			}
			// ADD FOREIGN KEY, and ADD COLUMN ... REFERENCES, also lock the
			// referenced table.
			cons := append([]*pg.Node{def}, def.GetColumnDef().GetConstraints()...)
			for _, n := range cons {
				if con := n.GetConstraint(); con != nil && con.Contype == pg.ConstrType_CONSTR_FOREIGN {
					add(con.Pktable, shareRowExclusive)
				}
			}
		}
	case *pg.Node_CreateStmt:
		for _, ref := range foreignKeysOf(n.CreateStmt) {
			add(ref, shareRowExclusive)
		}
	case *pg.Node_AlterObjectSchemaStmt:
		if n.AlterObjectSchemaStmt.Relation != nil {
			add(n.AlterObjectSchemaStmt.Relation, accessExclusive)
		}
	case *pg.Node_RenameStmt:
		// Since PostgreSQL 12 renaming an index takes SHARE UPDATE EXCLUSIVE
		// on the index alone, no lock on its table.
		if n.RenameStmt.Relation != nil && n.RenameStmt.RenameType != pg.ObjectType_OBJECT_INDEX {
			add(n.RenameStmt.Relation, accessExclusive)
		}
	case *pg.Node_DropStmt:
		out = append(out, f.dropLocks(n.DropStmt, st)...)
	case *pg.Node_IndexStmt:
		add(n.IndexStmt.Relation, indexLock(n.IndexStmt.Concurrent))
	case *pg.Node_ViewStmt:
		if n.ViewStmt.Replace {
			add(n.ViewStmt.View, accessExclusive)
		}
	case *pg.Node_CreatePolicyStmt:
		add(n.CreatePolicyStmt.Table, accessExclusive)
	case *pg.Node_AlterPolicyStmt:
		add(n.AlterPolicyStmt.Table, accessExclusive)
	case *pg.Node_RuleStmt:
		add(n.RuleStmt.Relation, accessExclusive)
	case *pg.Node_CommentStmt:
		if t := commentedTable(n.CommentStmt); t != nil {
			add(t, shareUpdateExclusive)
		}
	case *pg.Node_CreateStatsStmt:
		for _, r := range n.CreateStatsStmt.Relations {
			add(r.GetRangeVar(), shareUpdateExclusive)
		}
	case *pg.Node_ClusterStmt:
		add(n.ClusterStmt.Relation, accessExclusive)
	case *pg.Node_VacuumStmt:
		m := shareUpdateExclusive // VACUUM and ANALYZE
		if n.VacuumStmt.IsVacuumcmd && hasOption(n.VacuumStmt.Options, "full") {
			m = accessExclusive
		}
		for _, r := range n.VacuumStmt.Rels {
			add(r.GetVacuumRelation().GetRelation(), m)
		}
	case *pg.Node_ReindexStmt:
		rs := n.ReindexStmt
		switch {
		case hasOption(rs.Params, "concurrently"):
		case rs.Kind == pg.ReindexObjectType_REINDEX_OBJECT_TABLE:
			add(rs.Relation, share)
		case rs.Kind == pg.ReindexObjectType_REINDEX_OBJECT_INDEX && f.existing(rs.Relation, st):
			out = append(out, tableLock{table: "the table of index " + relName(rs.Relation), mode: share,
				name: relParts(rs.Relation), index: true})
		}
	case *pg.Node_LockStmt:
		for _, r := range n.LockStmt.Relations {
			add(r.GetRangeVar(), lockMode(n.LockStmt.Mode))
		}
	case *pg.Node_RefreshMatViewStmt:
		m := accessExclusive
		if n.RefreshMatViewStmt.Concurrent {
			m = exclusive
		}
		add(n.RefreshMatViewStmt.Relation, m)
	case *pg.Node_CreateTrigStmt:
		add(n.CreateTrigStmt.Relation, shareRowExclusive)
	case *pg.Node_TruncateStmt:
		for _, r := range n.TruncateStmt.Relations {
			add(r.GetRangeVar(), accessExclusive)
		}
	}
	return out
}

// commentedTable returns the table of COMMENT ON TABLE or COLUMN, which
// takes SHARE UPDATE EXCLUSIVE on it, or nil.
func commentedTable(cs *pg.CommentStmt) *pg.RangeVar {
	parts := nameList(cs.Object)
	switch {
	case cs.Objtype == pg.ObjectType_OBJECT_TABLE && len(parts) > 0:
		return rangeVar(parts)
	case cs.Objtype == pg.ObjectType_OBJECT_COLUMN && len(parts) > 1:
		return rangeVar(parts[:len(parts)-1])
	}
	return nil
}

// rangeVar makes a relation from its qualified name's parts.
func rangeVar(parts []string) *pg.RangeVar {
	rv := &pg.RangeVar{Relname: parts[len(parts)-1]}
	if len(parts) > 1 {
		rv.Schemaname = parts[len(parts)-2]
	}
	return rv
}

// relParts returns rel's qualified name as parts, schema first when given.
func relParts(rel *pg.RangeVar) []string {
	if rel.Schemaname != "" {
		return []string{rel.Schemaname, rel.Relname}
	}
	return []string{rel.Relname}
}

// indexLock is the lock CREATE INDEX takes on its table.
func indexLock(concurrent bool) lockMode {
	if concurrent {
		return shareUpdateExclusive
	}
	return share
}

// dropLocks returns the locks DROP TABLE and DROP INDEX take.
func (f *File) dropLocks(ds *pg.DropStmt, st *Statement) []tableLock {
	var out []tableLock
	for _, o := range ds.Objects {
		switch ds.RemoveType {
		case pg.ObjectType_OBJECT_TABLE, pg.ObjectType_OBJECT_MATVIEW, pg.ObjectType_OBJECT_VIEW:
			if name, key := dropKey(o, false); !f.isNew(key, st) {
				out = append(out, tableLock{table: name, mode: accessExclusive, name: nameList(o)})
			}
		case pg.ObjectType_OBJECT_TRIGGER, pg.ObjectType_OBJECT_RULE, pg.ObjectType_OBJECT_POLICY:
			// The object's name follows its table's: [schema.]table.name.
			if parts := nameList(o); len(parts) > 1 {
				if rel := rangeVar(parts[:len(parts)-1]); f.existing(rel, st) {
					out = append(out, tableLock{table: relName(rel), mode: accessExclusive, name: relParts(rel)})
				}
			}
		case pg.ObjectType_OBJECT_INDEX:
			if name, key := dropKey(o, true); !f.isNew(key, st) && !ds.Concurrent {
				out = append(out, tableLock{table: "the table of index " + name, mode: accessExclusive,
					name: nameList(o), index: true})
			}
		}
	}
	return out
}

// alterTableLock returns the strongest lock an ALTER TABLE's subcommands
// take, per the ALTER TABLE reference: ACCESS EXCLUSIVE unless noted.
func alterTableLock(at *pg.AlterTableStmt) lockMode {
	strongest := noLock
	for _, c := range at.Cmds {
		if m := alterCmdLock(c.GetAlterTableCmd()); m > strongest {
			strongest = m
		}
	}
	return strongest
}

// alterCmdLock returns the lock one ALTER TABLE subcommand takes.
func alterCmdLock(cmd *pg.AlterTableCmd) lockMode {
	if cmd == nil {
		return noLock
	}
	switch cmd.Subtype {
	case pg.AlterTableType_AT_ValidateConstraint, pg.AlterTableType_AT_SetStatistics,
		pg.AlterTableType_AT_ClusterOn, pg.AlterTableType_AT_DropCluster,
		pg.AlterTableType_AT_SetOptions, pg.AlterTableType_AT_ResetOptions,
		pg.AlterTableType_AT_AttachPartition:
		return shareUpdateExclusive
	case pg.AlterTableType_AT_SetRelOptions, pg.AlterTableType_AT_ResetRelOptions:
		return relOptionsLock(cmd.Def)
	case pg.AlterTableType_AT_DetachPartition:
		if cmd.Def.GetPartitionCmd().GetConcurrent() {
			return shareUpdateExclusive
		}
	case pg.AlterTableType_AT_EnableTrig, pg.AlterTableType_AT_EnableAlwaysTrig,
		pg.AlterTableType_AT_EnableReplicaTrig, pg.AlterTableType_AT_DisableTrig,
		pg.AlterTableType_AT_EnableTrigAll, pg.AlterTableType_AT_DisableTrigAll,
		pg.AlterTableType_AT_EnableTrigUser, pg.AlterTableType_AT_DisableTrigUser:
		return shareRowExclusive
	case pg.AlterTableType_AT_AddConstraint:
		if cmd.Def.GetConstraint().GetContype() == pg.ConstrType_CONSTR_FOREIGN {
			return shareRowExclusive
		}
	}
	return accessExclusive
}

// exclusiveRelOptions are the storage parameters whose change takes ACCESS
// EXCLUSIVE (reloptions.c); every other one takes SHARE UPDATE EXCLUSIVE.
var exclusiveRelOptions = map[string]bool{"user_catalog_table": true, "security_barrier": true,
	"security_invoker": true, "check_option": true, "buffering": true}

// relOptionsLock returns the lock ALTER TABLE SET or RESET (parameters)
// takes: the strongest its parameters need.
func relOptionsLock(def *pg.Node) lockMode {
	m := shareUpdateExclusive
	for _, o := range def.GetList().GetItems() {
		if exclusiveRelOptions[o.GetDefElem().GetDefname()] {
			m = accessExclusive
		}
	}
	return m
}

// foreignKeysOf returns the tables a CREATE TABLE's foreign keys reference.
func foreignKeysOf(cs *pg.CreateStmt) []*pg.RangeVar {
	var refs []*pg.RangeVar
	note := func(n *pg.Node) {
		if con := n.GetConstraint(); con != nil && con.Contype == pg.ConstrType_CONSTR_FOREIGN {
			refs = append(refs, con.Pktable)
		}
	}
	for _, e := range cs.TableElts {
		note(e)
		for _, c := range e.GetColumnDef().GetConstraints() {
			note(c)
		}
	}
	for _, c := range cs.Constraints {
		note(c)
	}
	return refs
}

// strongestLock returns the strongest of locks that blocks writes, if any.
func strongestLock(locks []tableLock) (tableLock, bool) {
	var best tableLock
	for _, l := range locks {
		if l.mode > best.mode {
			best = l
		}
	}
	return best, best.mode.blocksWrites()
}
