package planner

import (
	"strings"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/sql"
)

// ksqlTableJoin checks a ksqlDB table-table join's condition: the right
// side must be the right table's whole primary key; when the left side is
// not the left table's primary key the join is on a foreign key, whose
// result is keyed as the left table (and which cannot be a RIGHT or FULL
// OUTER join).
func (b *binder) ksqlTableJoin(n *sql.Join, j *JoinNode, lf, rf *fromResult, fields []Field, lw int) error {
	pos := joinPos(n)
	if len(j.LeftKeys) != 1 || rf.join != nil {
		return nil
	}
	isKey := func(fr *fromResult, e expr.Expr) bool {
		c, ok := e.(*expr.Col)
		if !ok || !fr.sc.fields[c.Idx].Key {
			return false
		}
		if fr.join != nil {
			return true
		}
		n := 0
		for _, f := range fr.sc.fields {
			if f.Key {
				n++
			}
		}
		return n == 1
	}
	l, r := j.LeftKeys[0], j.RightKeys[0]
	if !isKey(rf, r) {
		a, z := joinSideText(lf.sc.fields, l), joinSideText(rf.sc.fields, r)
		if bin, ok := n.On.(*sql.Binary); ok {
			// As written: the right side's column may come first.
			if x, err := (&exprBinder{b: b, sc: &scope{fields: fields}}).bind(bin.L); err == nil && readsFrom(x, lw) {
				a, z = z, a
			}
		}
		return sql.Errorf(pos, "Invalid join condition: table-table joins require to join on the primary key of the right input table. Got %s = %s.", a, z)
	}
	if isKey(lf, l) {
		return nil
	}
	if lf.join != nil {
		return sql.Errorf(pos, "Invalid join condition: foreign-key table-table joins are not supported as part of n-way joins. Got %s = %s.",
			joinSideText(lf.sc.fields, l), joinSideText(rf.sc.fields, r))
	}
	switch j.Type {
	case engine.RightJoin:
		return sql.Errorf(pos, "RIGHT OUTER JOIN on a foreign key is not supported")
	case engine.FullJoin:
		return sql.Errorf(pos, "FULL OUTER JOIN on a foreign key is not supported")
	}
	if b.ksql.foreignKey == nil {
		b.ksql.foreignKey = map[*JoinNode]bool{}
	}
	b.ksql.foreignKey[j] = true
	j.ForeignKey = true
	return nil
}

// ksqlJoinTypes refuses, as ksqlDB does, a join condition whose two sides
// have different types: "Invalid join condition: types don't match. Got
// L.A{INTEGER} = R.A{BIGINT}."
func (eb *exprBinder) ksqlJoinTypes(on sql.Expr) error {
	bin, ok := on.(*sql.Binary)
	if !ok || bin.Op != "=" {
		return nil
	}
	for _, side := range []sql.Expr{bin.L, bin.R} {
		cols := false
		walkSQL(side, func(x sql.Expr) {
			if _, isID := x.(*sql.Ident); isID {
				cols = true
			}
		})
		if !cols {
			return sql.Errorf(bin.Pos, "Invalid comparison expression '%s' in join '%s'. Each side of the join comparision must contain references from exactly one source.",
				ksqlExprText(side), eb.qualifiedText(bin))
		}
	}
	l, err := eb.bind(bin.L)
	if err != nil {
		return nil // the condition's own binding says what is wrong
	}
	r, err := eb.bind(bin.R)
	if err != nil {
		return nil
	}
	lt, rt := l.Type(), r.Type()
	if lt.KSQLString() == rt.KSQLString() || lt.Kind == 0 || rt.Kind == 0 {
		return nil
	}
	return sql.Errorf(bin.Pos, "Invalid join condition: types don't match. Got %s{%s} = %s{%s}.",
		eb.qualifiedText(bin.L), lt.KSQLString(), eb.qualifiedText(bin.R), rt.KSQLString())
}

// qualifiedText prints e as ksqlDB prints a resolved expression: each
// column named with its source (LEFT_TABLE.FOREIGN_KEY).
func (eb *exprBinder) qualifiedText(e sql.Expr) string {
	return ksqlExprText(ksqlMapIdents(e, func(id *sql.Ident) *sql.Ident {
		idx, err := eb.sc.resolve(id.Parts, id.Pos, eb.ci())
		if err != nil || len(id.Parts) != 1 {
			return id
		}
		if q := eb.sc.fields[idx].Qual; q != "" {
			return &sql.Ident{Parts: []string{strings.ToUpper(q), eb.sc.fields[idx].Name}, Pos: id.Pos}
		}
		return id
	}))
}

// readsFrom reports whether e reads a column at or after position lw (the
// right side of a join).
func readsFrom(e expr.Expr, lw int) bool {
	found := false
	expr.Walk(e, func(x expr.Expr) {
		if c, ok := x.(*expr.Col); ok && c.Idx >= lw {
			found = true
		}
	})
	return found
}

// ksqlForeignKeyColumns finds the positions in the projection of a
// foreign-key join's key: every primary key column of the left table,
// each selected once.
func ksqlForeignKeyColumns(sel *sql.Select, fr *fromResult, projects []expr.Expr, fields []Field) ([]int, error) {
	var keyIdx []int
	var missing []string
	table := ""
	for i, f := range fr.sc.fields {
		if !f.Key {
			continue
		}
		table = strings.ToUpper(f.Qual)
		var at []int
		for j, pr := range projects {
			if c, ok := pr.(*expr.Col); ok && c.Idx == i {
				at = append(at, j)
			}
		}
		switch len(at) {
		case 0:
			missing = append(missing, "`"+f.Name+"`")
			continue
		case 1:
		default:
			names := make([]string, len(at))
			for k, j := range at {
				names[k] = fields[j].Name
			}
			return nil, sql.Errorf(sel.Pos, "The projection contains a key column (`%s_%s`) more than once, aliased as: %s.",
				table, f.Name, strings.Join(names[:len(names)-1], ", ")+" and "+names[len(names)-1])
		}
		keyIdx = append(keyIdx, at[0])
	}
	switch len(missing) {
	case 0:
		return keyIdx, nil
	case 1:
		return nil, sql.Errorf(sel.Pos, "Primary key column missing in projection. For foreign-key table-table joins, the projection must include all primary key columns from the left input table (`%s`). Missing column: %s.", table, missing[0])
	}
	return nil, sql.Errorf(sel.Pos, "Primary key columns missing in projection. For foreign-key table-table joins, the projection must include all primary key columns from the left input table (`%s`). Missing columns: %s.", table, strings.Join(missing, ", "))
}
