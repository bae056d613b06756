package lint

import (
	pg "github.com/pganalyze/pg_query_go/v6"
)

// column is what the linter knows of a column from the migrations it read.
type column struct {
	typ *pg.TypeName
	// notNullCheck names a CHECK (col IS NOT NULL) constraint on the
	// column; with it, SET NOT NULL breaks no writer and, from PostgreSQL 12,
	// skips its table scan.
	notNullCheck string
	notNullValid bool // the CHECK is validated, not just NOT VALID
}

// catalog is the schema as declared by the migrations linted so far, in
// order. It only knows what those files say; a table it has not seen is
// simply unknown, never assumed empty.
type catalog struct {
	tables map[string]map[string]*column // table key -> column name -> column
}

// newCatalog returns an empty catalog.
func newCatalog() *catalog {
	return &catalog{tables: map[string]map[string]*column{}}
}

// table returns the columns of table key, creating the entry.
func (c *catalog) table(key string) map[string]*column {
	t := c.tables[key]
	if t == nil {
		t = map[string]*column{}
		c.tables[key] = t
	}
	return t
}

// annotate walks f's statements in order, recording in f.before what each
// ALTER COLUMN command found, and updating the catalog as the file would.
func (c *catalog) annotate(f *File) {
	f.before = map[*pg.AlterTableCmd]*column{}
	for _, st := range f.Statements {
		switch n := st.Node.Node.(type) {
		case *pg.Node_CreateStmt:
			c.create(n.CreateStmt)
		case *pg.Node_AlterTableStmt:
			c.alter(f, n.AlterTableStmt)
		case *pg.Node_RenameStmt:
			c.rename(n.RenameStmt)
		case *pg.Node_DropStmt:
			if n.DropStmt.RemoveType == pg.ObjectType_OBJECT_TABLE {
				for _, o := range n.DropStmt.Objects {
					_, key := dropKey(o, false)
					delete(c.tables, key)
				}
			}
		}
	}
}

// create records a new table's columns and NOT NULL checks. CREATE TABLE IF
// NOT EXISTS may have done nothing, so its columns are not taken as known.
func (c *catalog) create(cs *pg.CreateStmt) {
	if cs.IfNotExists {
		return
	}
	key := relKey(cs.Relation)
	delete(c.tables, key)
	t := c.table(key)
	for _, e := range cs.TableElts {
		if cd := e.GetColumnDef(); cd != nil {
			t[cd.Colname] = &column{typ: storedType(cd.TypeName)}
			for _, cn := range cd.Constraints {
				c.addCheck(key, cn.GetConstraint())
			}
		}
		c.addCheck(key, e.GetConstraint())
	}
}

// alter applies one ALTER TABLE, recording columns as they were before it.
func (c *catalog) alter(f *File, at *pg.AlterTableStmt) {
	key := relKey(at.Relation)
	for _, n := range at.Cmds {
		cmd := n.GetAlterTableCmd()
		if cmd == nil {
			continue
		}
		switch cmd.Subtype {
		case pg.AlterTableType_AT_AddColumn:
			if cd := cmd.Def.GetColumnDef(); cd != nil {
				c.table(key)[cd.Colname] = &column{typ: storedType(cd.TypeName)}
			}
		case pg.AlterTableType_AT_AlterColumnType, pg.AlterTableType_AT_SetNotNull:
			col := c.tables[key][cmd.Name]
			if col != nil {
				snapshot := *col
				f.before[cmd] = &snapshot
			}
			if cd := cmd.Def.GetColumnDef(); cd != nil && cmd.Subtype == pg.AlterTableType_AT_AlterColumnType {
				c.table(key)[cmd.Name] = &column{typ: cd.TypeName}
			}
		case pg.AlterTableType_AT_DropColumn:
			delete(c.tables[key], cmd.Name)
		case pg.AlterTableType_AT_AddConstraint:
			c.addCheck(key, cmd.Def.GetConstraint())
		case pg.AlterTableType_AT_ValidateConstraint:
			for _, col := range c.tables[key] {
				if col.notNullCheck == cmd.Name {
					col.notNullValid = true
				}
			}
		case pg.AlterTableType_AT_DropConstraint:
			for _, col := range c.tables[key] {
				if col.notNullCheck == cmd.Name {
					col.notNullCheck, col.notNullValid = "", false
				}
			}
		}
	}
}

// addCheck records a CHECK (col IS NOT NULL) constraint.
func (c *catalog) addCheck(key string, con *pg.Constraint) {
	if con == nil || con.Contype != pg.ConstrType_CONSTR_CHECK {
		return
	}
	nt := con.RawExpr.GetNullTest()
	if nt == nil || nt.Nulltesttype != pg.NullTestType_IS_NOT_NULL {
		return
	}
	fields := nt.Arg.GetColumnRef().GetFields()
	if len(fields) != 1 {
		return
	}
	name := fields[0].GetString_().GetSval()
	col := c.table(key)[name]
	if col == nil {
		col = &column{}
		c.table(key)[name] = col
	}
	col.notNullCheck, col.notNullValid = con.Conname, !con.SkipValidation
	if col.notNullCheck == "" {
		col.notNullCheck = "(unnamed)"
	}
}

// rename follows a table or column to its new name.
func (c *catalog) rename(rs *pg.RenameStmt) {
	key := relKey(rs.Relation)
	switch rs.RenameType {
	case pg.ObjectType_OBJECT_TABLE:
		if t, ok := c.tables[key]; ok {
			delete(c.tables, key)
			c.tables[qualify(rs.Relation.Schemaname, rs.Newname)] = t
		}
	case pg.ObjectType_OBJECT_COLUMN:
		if col, ok := c.tables[key][rs.Subname]; ok {
			delete(c.tables[key], rs.Subname)
			c.tables[key][rs.Newname] = col
		}
	}
}
