package planner

import (
	"strings"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/sql"
)

// The select list: stars, struct stars, expressions and their names.

// itemName is the output name of a select item.
func (b *binder) itemName(it sql.SelectItem, x expr.Expr, i int) string {
	if it.Alias != "" {
		return it.Alias
	}
	if b.ksql.names != nil {
		if name, ok := b.ksql.names.itemName(it.Expr); ok {
			return name
		}
	}
	if id, ok := it.Expr.(*sql.Ident); ok {
		return id.Parts[len(id.Parts)-1]
	}
	if fa, ok := it.Expr.(*sql.FieldAccess); ok && b.rules.FieldAccessNames {
		return fa.Field
	}
	if c, ok := x.(*expr.Col); ok && c.Name != "" && !strings.HasPrefix(c.Name, "EXPR$") {
		if _, isIdent := it.Expr.(*sql.Ident); isIdent {
			return c.Name
		}
	}
	return b.d.ColumnName(i, b.names)
}

// bindItems binds the select list. With agg set, items are bound in the
// aggregate's output scope.
func (b *binder) bindItems(sel *sql.Select, sc *scope, a *aggCtx) ([]expr.Expr, []Field, error) {
	var projects []expr.Expr
	var fields []Field
	names := map[string]bool{}
	for i, it := range sel.Items {
		if it.Star && a != nil {
			// Allowed when every column is a grouping key: expand to the keys.
			for idx, f := range a.input.fields {
				if f.Hidden || (it.StarQualifier != "" && f.Qual != it.StarQualifier) {
					continue
				}
				found := -1
				for k, ks := range a.keyStrs {
					if ks == f.Name {
						found = k
					}
				}
				if found < 0 {
					return nil, nil, sql.Errorf(it.Pos, "SELECT * is not allowed with GROUP BY unless every column is grouped; '%s' is not", f.Name)
				}
				_ = idx
				projects = append(projects, &expr.Col{Idx: found, T: sc.fields[found].Type, Name: sc.fields[found].Name})
				fields = append(fields, Field{Name: f.Name, Type: f.Type})
			}
			continue
		}
		if it.Star {
			found := false
			for _, idx := range b.starOrder(sc.fields, sel) {
				f := sc.fields[idx]
				if (f.Hidden && (b.ksql.names == nil || !b.ksql.names.starHidden(f, sel))) || (it.StarQualifier != "" && f.Qual != it.StarQualifier) {
					continue
				}
				found = true
				projects = append(projects, &expr.Col{Idx: idx, T: f.Type, Name: f.Name})
				nf := f
				if b.ksql.names != nil {
					nf.Name, nf.Hidden = b.ksql.names.starName(f), false
				}
				nf.Qual = ""
				fields = append(fields, nf)
			}
			if !found && it.StarQualifier != "" {
				return nil, nil, sql.Errorf(it.Pos, "Unknown identifier '%s'", it.StarQualifier)
			}
			continue
		}
		if fa, ok := it.Expr.(*sql.FieldAccess); ok && fa.Field == "*" && it.Alias == "" {
			ps, fs, err := b.structStar(fa, sc, a)
			if err != nil {
				return nil, nil, err
			}
			projects, fields = append(projects, ps...), append(fields, fs...)
			continue
		}
		b.pendingAggName = ""
		if c, ok := it.Expr.(*sql.Call); ok && it.Alias != "" && a != nil && isAggName(c.Name) {
			b.pendingAggName = it.Alias
		}
		eb := &exprBinder{b: b, sc: sc, agg: a}
		x, err := eb.bind(it.Expr)
		b.pendingAggName = ""
		if err != nil {
			return nil, nil, err
		}
		name := b.itemName(it, x, i)
		if names[name] && b.rules.UniqueColumns {
			return nil, nil, sql.Errorf(it.Pos, "Duplicate value columns found in schema: `%s` %s", name, x.Type().KSQLString())
		}
		names[name] = true
		f := Field{Name: name, Type: x.Type()}
		if c, ok := x.(*expr.Col); ok && c.Idx < len(sc.fields) {
			src := sc.fields[c.Idx]
			f.Rowtime, f.Proctime = src.Rowtime, src.Proctime
		}
		if c, ok := x.(*expr.Call); ok && c.Name == "PROCTIME" && a == nil {
			// SELECT ..., PROCTIME() AS p: a processing-time attribute.
			f.Proctime = true
		}
		projects = append(projects, x)
		fields = append(fields, f)
	}
	return projects, fields, nil
}

func isAggName(n string) bool {
	switch strings.ToUpper(n) {
	case "SUM", "COUNT", "AVG", "MIN", "MAX":
		return true
	}
	return false
}
