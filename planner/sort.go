package planner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner/dialect"
	"github.com/tumble/tumble/sql"
)

// ORDER BY and LIMIT, as Flink plans them: in batch mode a Sort of the
// whole result (its first LIMIT rows); in streaming mode a Sort by an
// event-time attribute first (ascending), released by the watermark, or,
// with LIMIT, a Top-N of the whole result (a Rank without partition keys);
// any other streaming ORDER BY is refused in Flink's words.

// Sort orders its input's rows (see engine.Sort).
type Sort struct {
	Input   Node
	Keys    []engine.SortKey
	Limit   int64
	TimeCol int // -1: sort at the end of input
}

var _ unaryOp = (*Sort)(nil)

func (s *Sort) Fields() []Field { return s.Input.Fields() }
func (s *Sort) Inputs() []Node  { return []Node{s.Input} }
func (s *Sort) Mode() Changelog { return InsertOnly }
func (s *Sort) newOp() engine.Op {
	return &engine.Sort{Keys: s.Keys, Limit: s.Limit, TimeCol: s.TimeCol}
}
func (s *Sort) withInput(in Node) Node {
	c := *s
	c.Input = in
	return &c
}
func (s *Sort) Describe() string {
	name := "Sort"
	if s.TimeCol >= 0 {
		name = "TemporalSort"
	}
	out := fmt.Sprintf("%s(orderBy=[%s]", name, sortKeys(s.Input.Fields(), s.Keys))
	if s.Limit > 0 {
		out += fmt.Sprintf(", fetch=[%d]", s.Limit)
	}
	return out + ")"
}

func sortKeys(fs []Field, keys []engine.SortKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		dir := " ASC"
		if k.Desc {
			dir = " DESC"
		}
		parts[i] = fs[k.Col].Name + dir
	}
	return strings.Join(parts, ", ")
}

// bindOrderLimit puts ORDER BY and LIMIT over a query's plan. ORDER BY
// names columns of the result: by name, alias or position.
func (b *binder) bindOrderLimit(sel *sql.Select, n Node) (Node, error) {
	if (len(sel.OrderBy) == 0 && sel.Limit == nil) || b.rules.Limit == dialect.LimitByClient {
		return n, nil
	}
	fs := n.Fields()
	var keys []engine.SortKey
	for _, o := range sel.OrderBy {
		col := -1
		if lit, ok := o.Expr.(*sql.Literal); ok {
			if i, err := strconv.Atoi(lit.Text); err == nil {
				if i < 1 || i > len(fs) {
					return nil, sql.Errorf(o.Expr.ExprPos(), "Ordinal out of range: %d", i)
				}
				col = i - 1
			}
		}
		if col < 0 {
			x, err := (&exprBinder{b: b, sc: &scope{fields: fs}}).bind(o.Expr)
			if err != nil {
				return nil, err
			}
			c, ok := x.(*expr.Col)
			if !ok {
				return nil, sql.Errorf(o.Expr.ExprPos(), "ORDER BY takes columns of the select list (by name, alias or position), not %s", x.String())
			}
			col = c.Idx
		}
		keys = append(keys, engine.SortKey{Col: col, Desc: o.Desc})
	}
	var limit int64
	if sel.Limit != nil {
		x, err := (&exprBinder{b: b, sc: &scope{}}).bind(sel.Limit)
		if err != nil {
			return nil, err
		}
		k, ok := x.(*expr.Const)
		if !ok || !k.T.Kind.IsNumeric() || k.V.IsNull() || k.V.I < 0 {
			return nil, sql.Errorf(sel.Limit.ExprPos(), "LIMIT takes a non-negative integer")
		}
		limit = k.V.I
		if limit == 0 {
			// LIMIT 0: no row, as Flink plans it (an empty Values).
			return &Calc{Input: n, Filter: expr.NewConst(types.BoolV(false), types.TBool), Projects: identity(fs), fields: fs}, nil
		}
	}
	if m, _ := b.p.Setting("execution.runtime-mode"); strings.EqualFold(m, "batch") {
		return &Sort{Input: n, Keys: keys, Limit: limit, TimeCol: -1}, nil
	}
	if len(keys) > 0 && fs[keys[0].Col].Rowtime && !keys[0].Desc && n.Mode() == InsertOnly {
		return &Sort{Input: n, Keys: keys, Limit: limit, TimeCol: keys[0].Col}, nil
	}
	if limit == 0 {
		return nil, sql.Errorf(sel.OrderBy[0].Expr.ExprPos(), "Sort on a non-time-attribute field is not supported.")
	}
	// A Top-N of the whole result.
	return &Rank{Input: n, Order: keys, Start: 1, End: limit, KeepAll: n.Mode() != InsertOnly, Pos: sel.Pos, fields: fs}, nil
}

func identity(fs []Field) []expr.Expr {
	out := make([]expr.Expr, len(fs))
	for i, f := range fs {
		out[i] = &expr.Col{Idx: i, T: f.Type, Name: f.Name}
	}
	return out
}
