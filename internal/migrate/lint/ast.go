package lint

import (
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// relName returns a relation's name as written, schema-qualified if it was.
func relName(rv *pg.RangeVar) string {
	if rv == nil {
		return ""
	}
	if rv.Schemaname != "" {
		return rv.Schemaname + "." + rv.Relname
	}
	return rv.Relname
}

// relKey returns the key under which the linter tracks a relation: its name,
// qualified only when the schema is not public.
func relKey(rv *pg.RangeVar) string {
	if rv == nil {
		return ""
	}
	return qualify(rv.Schemaname, rv.Relname)
}

// indexKey returns the key of index name, which lives in its table's schema.
func indexKey(table *pg.RangeVar, name string) string {
	schema := ""
	if table != nil {
		schema = table.Schemaname
	}
	return "index " + qualify(schema, name)
}

// qualify joins schema and name, dropping the default schema.
func qualify(schema, name string) string {
	if schema == "" || schema == "public" {
		return name
	}
	return schema + "." + name
}

// nameList returns the strings of a qualified name such as schema.index.
func nameList(n *pg.Node) []string {
	var out []string
	if l := n.GetList(); l != nil {
		for _, item := range l.Items {
			out = append(out, item.GetString_().GetSval())
		}
	}
	return out
}

// dropKey returns the name and key of an object named in DROP INDEX, DROP
// TABLE and the like, with "index " prefixed to the key for indexes.
func dropKey(n *pg.Node, index bool) (name, key string) {
	parts := nameList(n)
	if len(parts) == 0 {
		return "", ""
	}
	name = strings.Join(parts, ".")
	schema := ""
	if len(parts) > 1 {
		schema = parts[len(parts)-2]
	}
	key = qualify(schema, parts[len(parts)-1])
	if index {
		key = "index " + key
	}
	return name, key
}

// typeBase returns the last part of a type's name, lowercased, such as
// "int4", "varchar" or "serial" (the parser maps `integer` to int4).
func typeBase(tn *pg.TypeName) string {
	if tn == nil || len(tn.Names) == 0 {
		return ""
	}
	return strings.ToLower(tn.Names[len(tn.Names)-1].GetString_().GetSval())
}

// typeMods returns a type's integer modifiers, such as 20 for varchar(20).
func typeMods(tn *pg.TypeName) []int {
	var out []int
	for _, m := range tn.GetTypmods() {
		if c := m.GetAConst(); c != nil && c.GetIval() != nil {
			out = append(out, int(c.GetIval().Ival))
		}
	}
	return out
}

// sqlTypeNames maps the parser's internal type names back to SQL spellings.
var sqlTypeNames = map[string]string{
	"int2": "smallint", "int4": "integer", "int8": "bigint", "bool": "boolean",
	"float4": "real", "float8": "double precision", "bpchar": "char",
	"timestamp": "timestamp", "timestamptz": "timestamptz",
}

// typeString renders a type the way a migration would spell it, such as
// "varchar(20)" or "integer[]".
func typeString(tn *pg.TypeName) string {
	base := typeBase(tn)
	if s, ok := sqlTypeNames[base]; ok {
		base = s
	}
	if mods := typeMods(tn); len(mods) > 0 {
		parts := make([]string, len(mods))
		for i, m := range mods {
			parts[i] = fmt.Sprint(m)
		}
		base += "(" + strings.Join(parts, ",") + ")"
	}
	if len(tn.GetArrayBounds()) > 0 {
		base += "[]"
	}
	return base
}

// isArray reports whether a type is an array type.
func isArray(tn *pg.TypeName) bool { return len(tn.GetArrayBounds()) > 0 }

// defElemTrue reports whether an option such as (CONCURRENTLY) or
// (FULL true) is on: a bare option is on, and so are true, on and 1.
func defElemTrue(d *pg.DefElem) bool {
	if d.Arg == nil {
		return true
	}
	switch v := d.Arg.Node.(type) {
	case *pg.Node_Boolean:
		return v.Boolean.Boolval
	case *pg.Node_Integer:
		return v.Integer.Ival != 0
	case *pg.Node_String_:
		s := strings.ToLower(v.String_.Sval)
		return s == "true" || s == "on" || s == "1" || s == "yes"
	}
	return true
}

// hasOption reports whether the DefElem list holds option name, switched on.
func hasOption(opts []*pg.Node, name string) bool {
	for _, o := range opts {
		if d := o.GetDefElem(); d != nil && strings.EqualFold(d.Defname, name) && defElemTrue(d) {
			return true
		}
	}
	return false
}

// walk calls fn on m and every message below it, depth first; when fn
// returns false, walk skips what lies below that message. It uses protobuf
// reflection, so it reaches every node kind the parser can produce.
func walk(m proto.Message, fn func(protoreflect.Message) bool) {
	if m != nil {
		walkReflect(m.ProtoReflect(), fn)
	}
}

func walkReflect(m protoreflect.Message, fn func(protoreflect.Message) bool) {
	if !m.IsValid() || !fn(m) {
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.Message() == nil || fd.IsMap():
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				walkReflect(l.Get(i).Message(), fn)
			}
		default:
			walkReflect(v.Message(), fn)
		}
		return true
	})
}

// funcCalls returns the lowercased names of the functions n calls, at any
// depth, without their schema.
func funcCalls(n *pg.Node) []string {
	var names []string
	walk(n, func(m protoreflect.Message) bool {
		if fc, ok := m.Interface().(*pg.FuncCall); ok && len(fc.Funcname) > 0 {
			names = append(names, strings.ToLower(fc.Funcname[len(fc.Funcname)-1].GetString_().GetSval()))
		}
		return true
	})
	return names
}

// joinNames joins a qualified name given as String nodes, such as a type's
// schema and name, with dots.
func joinNames(ns []*pg.Node) string {
	parts := make([]string, 0, len(ns))
	for _, n := range ns {
		parts = append(parts, n.GetString_().GetSval())
	}
	return strings.Join(parts, ".")
}
