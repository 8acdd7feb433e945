package planner

import (
	"fmt"
	"strings"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/agg"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner/dialect"
	"github.com/tumble/tumble/sql"
)

// ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...) in a select list: a
// Rank, which the rank rule turns into Top-N or deduplication.

// overCalls returns the calls with an OVER clause in the select list.
func overCalls(sel *sql.Select) []*sql.Call {
	var out []*sql.Call
	for _, it := range sel.Items {
		walkSQL(it.Expr, func(x sql.Expr) {
			if c, ok := x.(*sql.Call); ok && c.Over != nil {
				out = append(out, c)
			}
		})
	}
	return out
}

// checkOver accepts ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...), the
// one window function Tumble runs (as Top-N or deduplication).
func (b *binder) checkOver(c *sql.Call) error {
	if msg, no := b.rules.Refuses(dialect.FeatureOver); no {
		return sql.Errorf(c.Pos, "%s", msg)
	}
	switch name := strings.ToUpper(c.Name); {
	case name == "ROW_NUMBER":
	case name == "RANK" || name == "DENSE_RANK":
		return sql.Errorf(c.Pos, "%s() OVER (...) is not supported; use ROW_NUMBER() OVER (...) for Top-N and deduplication", name)
	case agg.IsAggregate(name):
		return sql.Errorf(c.Pos, "OVER aggregates (%s(...) OVER (...)) are only allowed in the select list", name)
	default:
		return sql.Errorf(c.Pos, "%s() OVER (...) is not supported; ROW_NUMBER() OVER (...) is, for Top-N and deduplication", name)
	}
	switch {
	case len(c.Args) > 0 || c.Star:
		return sql.Errorf(c.Pos, "ROW_NUMBER() takes no arguments")
	case c.Over.Frame != nil:
		return sql.Errorf(c.Pos, "ROW_NUMBER() OVER (...) takes no window frame (ROWS or RANGE)")
	case len(c.Over.OrderBy) == 0:
		return sql.Errorf(c.Pos, "ROW_NUMBER() OVER (...) needs an ORDER BY")
	}
	return nil
}

// bindRanked binds a select list holding ROW_NUMBER() OVER (...): a Rank
// over the FROM (and WHERE) whose rank number the items read. The rank
// rule later takes the rank's range from a filter of the enclosing query
// (rownum <= N) and picks Top-N, deduplication or their window forms.
func (b *binder) bindRanked(sel *sql.Select, fr *fromResult, calls []*sql.Call) (Node, error) {
	c := calls[0]
	if err := b.checkOver(c); err != nil {
		return nil, err
	}
	if len(calls) > 1 {
		if err := b.checkOver(calls[1]); err != nil {
			return nil, err
		}
		return nil, sql.Errorf(calls[1].Pos, "Only one ROW_NUMBER() OVER (...) per SELECT is supported")
	}
	if b.isAggQuery(sel) {
		return nil, sql.Errorf(c.Pos, "ROW_NUMBER() OVER (...) cannot rank the groups of the same SELECT; aggregate in a subquery and rank its rows")
	}
	oi, err := b.newOverInput(sel, fr)
	if err != nil {
		return nil, err
	}
	partition, order, err := oi.window(c.Over)
	if err != nil {
		return nil, err
	}
	input, preFields := oi.plan()
	// Time attributes survive only the window forms (window_time) and the
	// last row per key by event time, Flink's versioned view (see
	// keepsRowtime).
	props, ok := windowPropsOf(input)
	windowed := ok && hasCol(partition, props.start) && hasCol(partition, props.end)
	fields := make([]Field, 0, len(preFields)+1)
	for i, f := range preFields {
		if !windowed && !keepsRowtime(preFields, order, i) {
			f.Rowtime, f.Proctime = false, false
		}
		fields = append(fields, f)
	}
	rankCol := len(fields)
	fields = append(fields, Field{Name: rankColumn, Type: types.Type{Kind: types.BigInt, NotNull: true}, Hidden: true})
	rank := &Rank{Input: input, Partition: partition, Order: order, OutputRank: true, Pos: c.Pos, fields: fields}
	return b.overItems(sel, rank, map[*sql.Call]int{c: rankCol})
}

// overItems binds the select list over node, whose columns cols hold the
// OVER calls' values (a Rank's number, an OverAggregate's results).
func (b *binder) overItems(sel *sql.Select, node Node, cols map[*sql.Call]int) (Node, error) {
	b.overCols = cols
	projects, outFields, err := b.bindItems(sel, &scope{fields: node.Fields()}, nil)
	b.overCols = nil
	if err != nil {
		return nil, err
	}
	calc := &Calc{Input: node, Projects: projects, fields: outFields}
	if sel.Distinct {
		return b.distinct(calc), nil
	}
	return calc, nil
}

// overInput is the input of a SELECT's OVER calls: the FROM (and WHERE)
// columns, then, hidden, the PARTITION BY, ORDER BY and argument
// expressions that are not columns.
type overInput struct {
	node   Node
	from   int // the FROM's columns
	eb     *exprBinder
	filter expr.Expr
	pre    []expr.Expr
	fields []Field
}

func (b *binder) newOverInput(sel *sql.Select, fr *fromResult) (*overInput, error) {
	node := fr.node
	if fr.tvf != nil {
		node = materializeTVF(fr)
	}
	in := fr.sc
	filter, err := b.bindWhere(sel, in)
	if err != nil {
		return nil, err
	}
	oi := &overInput{node: node, from: len(in.fields), eb: &exprBinder{b: b, sc: in}, filter: filter,
		pre: make([]expr.Expr, len(in.fields)), fields: append([]Field(nil), in.fields...)}
	for i, f := range in.fields {
		oi.pre[i] = &expr.Col{Idx: i, T: f.Type, Name: f.Name}
	}
	return oi, nil
}

// col returns the input column of x, adding x as a hidden column when it
// is no column yet.
func (oi *overInput) col(x expr.Expr) int {
	if cx, ok := x.(*expr.Col); ok {
		return cx.Idx
	}
	s := x.String()
	for i := oi.from; i < len(oi.pre); i++ {
		if oi.pre[i].String() == s {
			return i
		}
	}
	oi.pre = append(oi.pre, x)
	oi.fields = append(oi.fields, Field{Name: fmt.Sprintf("$%d", len(oi.pre)-1), Type: x.Type(), Hidden: true})
	return len(oi.pre) - 1
}

// window binds an OVER clause's PARTITION BY and ORDER BY to input
// columns.
func (oi *overInput) window(w *sql.Over) ([]int, []engine.SortKey, error) {
	var partition []int
	for _, e := range w.PartitionBy {
		x, err := oi.eb.bind(e)
		if err != nil {
			return nil, nil, err
		}
		partition = append(partition, oi.col(x))
	}
	var order []engine.SortKey
	for _, o := range w.OrderBy {
		x, err := oi.eb.bind(o.Expr)
		if err != nil {
			return nil, nil, err
		}
		order = append(order, engine.SortKey{Col: oi.col(x), Desc: o.Desc})
	}
	return partition, order, nil
}

// plan returns the input as a node (a Calc when the WHERE or hidden
// columns need one) and its fields.
func (oi *overInput) plan() (Node, []Field) {
	if oi.filter != nil || len(oi.pre) > oi.from {
		return &Calc{Input: oi.node, Filter: oi.filter, Projects: oi.pre, fields: oi.fields}, oi.fields
	}
	return oi.node, oi.fields
}

func hasCol(cols []int, c int) bool {
	for _, x := range cols {
		if x == c {
			return true
		}
	}
	return false
}
