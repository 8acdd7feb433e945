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

// OVER aggregates: agg(...) OVER (PARTITION BY ... ORDER BY ... [ROWS|RANGE
// BETWEEN ... PRECEDING AND CURRENT ROW]) in a select list, as Flink plans
// them: an OverAggregate that appends each aggregate of the row's frame to
// the row. In streaming mode the ORDER BY is one ascending event-time
// attribute, the input is insert-only, and rows come out as the watermark
// passes them (engine.OverAgg); a bounded query (batch mode) orders by any
// keys over any input and emits at the end. All the OVER aggregates of a
// SELECT share one window, as Flink requires.

// OverAggregate is Flink's OverAggregate. Its fields are the input's, then
// one hidden column per aggregate (w0$o0, ...).
type OverAggregate struct {
	Input     Node
	Partition []int
	Order     []engine.SortKey
	TimeCol   int // the event-time column rows are emitted by; -1: at the end of input
	RangeCol  int // a bounded query's RANGE offset is measured on this column (-1: none)
	Frame     engine.OverFrame
	// TimeRange: a RANGE offset in time (EXPLAIN prints milliseconds).
	TimeRange bool
	Aggs      []engine.AggCall
	AggNames  []string
	fields    []Field
}

var _ unaryOp = (*OverAggregate)(nil)

func (o *OverAggregate) Fields() []Field { return o.fields }
func (o *OverAggregate) Inputs() []Node  { return []Node{o.Input} }

// Mode: each row comes out once, with its frame's aggregates.
func (o *OverAggregate) Mode() Changelog { return InsertOnly }
func (o *OverAggregate) newOp() engine.Op {
	return &engine.OverAgg{Partition: o.Partition, TimeCol: o.TimeCol, Order: o.Order, RangeCol: o.RangeCol,
		Frame: o.Frame, Aggs: o.Aggs, Width: len(o.Input.Fields())}
}
func (o *OverAggregate) withInput(in Node) Node {
	c := *o
	c.Input = in
	return &c
}

func (o *OverAggregate) Describe() string {
	in := o.Input.Fields()
	names := fieldNames(in)
	var sb strings.Builder
	sb.WriteString("OverAggregate(")
	if len(o.Partition) > 0 {
		var ps []string
		for _, p := range o.Partition {
			ps = append(ps, in[p].Name)
		}
		fmt.Fprintf(&sb, "partitionBy=[%s], ", strings.Join(ps, ", "))
	}
	if len(o.Order) > 0 {
		var os []string
		for _, k := range o.Order {
			dir := "ASC"
			if k.Desc {
				dir = "DESC"
			}
			os = append(os, in[k.Col].Name+" "+dir)
		}
		fmt.Fprintf(&sb, "orderBy=[%s], ", strings.Join(os, ", "))
	}
	fmt.Fprintf(&sb, "window=[ %s], select=[%s", frameString(o.Frame, o.TimeRange), strings.Join(names, ", "))
	for i, a := range o.Aggs {
		fmt.Fprintf(&sb, ", %s AS %s", a.String(names), o.AggNames[i])
	}
	sb.WriteString("])")
	return sb.String()
}

// frameString renders a frame as Flink's EXPLAIN does (a RANGE offset in
// time in milliseconds).
func frameString(f engine.OverFrame, timeRange bool) string {
	kind := "RANGE"
	if f.Rows {
		kind = "ROWS"
	}
	switch {
	case f.Unbounded:
		return kind + " BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
	case f.Preceding == 0:
		return kind + " BETWEEN CURRENT ROW AND CURRENT ROW"
	case timeRange:
		return fmt.Sprintf("%s BETWEEN %d PRECEDING AND CURRENT ROW", kind, f.Preceding/types.MicrosPerMilli)
	}
	return fmt.Sprintf("%s BETWEEN %d PRECEDING AND CURRENT ROW", kind, f.Preceding)
}

// isOverAggregate reports whether c is agg(...) OVER (...).
func isOverAggregate(c *sql.Call) bool {
	return c.Over != nil && agg.IsAggregate(c.Name)
}

// bindOverAggregates binds a select list whose OVER calls are aggregates:
// an OverAggregate over the FROM (and WHERE), whose columns the items
// read.
func (b *binder) bindOverAggregates(sel *sql.Select, fr *fromResult, calls []*sql.Call) (Node, error) {
	first := calls[0]
	if msg, no := b.rules.Refuses(dialect.FeatureOver); no {
		return nil, sql.Errorf(first.Pos, "%s", msg)
	}
	for _, c := range calls {
		if !isOverAggregate(c) {
			if err := b.checkOver(c); err != nil {
				return nil, err
			}
			return nil, sql.Errorf(c.Pos, "ROW_NUMBER() OVER (...) and OVER aggregates cannot be in one SELECT; rank in a subquery")
		}
		if c.Filter != nil {
			return nil, sql.Errorf(c.Filter.ExprPos(), "FILTER is not supported on OVER aggregates")
		}
	}
	if b.isAggQuery(sel) {
		return nil, sql.Errorf(first.Pos, "OVER aggregates cannot aggregate the groups of the same SELECT; aggregate in a subquery")
	}
	batch := false
	if m, _ := b.p.Setting("execution.runtime-mode"); strings.EqualFold(m, "batch") {
		batch = true
	}
	oi, err := b.newOverInput(sel, fr)
	if err != nil {
		return nil, err
	}
	node := oi.node
	// The window: PARTITION BY, ORDER BY and frame, the same for every call.
	var partition []int
	var order []engine.SortKey
	var frame engine.OverFrame
	var timeRange bool
	var sig string
	for i, c := range calls {
		ps, os, err := oi.window(c.Over)
		if err != nil {
			return nil, err
		}
		f, tr, err := b.overFrame(c, os, oi.fields)
		if err != nil {
			return nil, err
		}
		s := fmt.Sprint(ps, os, f)
		if i == 0 {
			partition, order, frame, timeRange, sig = ps, os, f, tr, s
		} else if s != sig {
			return nil, sql.Errorf(c.Pos, "All the OVER aggregates of a SELECT must be computed on the same window (PARTITION BY, ORDER BY and frame)")
		}
	}
	timeCol, rangeCol := -1, -1
	if !batch {
		if len(order) != 1 || !oi.fields[order[0].Col].Rowtime && !oi.fields[order[0].Col].Proctime || order[0].Desc {
			return nil, sql.Errorf(first.Pos, "OVER windows' ordering in stream mode must be defined on a time attribute, ascending (one ORDER BY key)")
		}
		if oi.fields[order[0].Col].Proctime {
			return nil, sql.Errorf(first.Pos, "OVER windows ordered by a processing-time attribute are not supported yet; order by an event-time attribute")
		}
		if m := node.Mode(); m != InsertOnly {
			return nil, sql.Errorf(first.Pos, "OverAggregate doesn't support consuming update and delete changes which is produced by node %s", firstLine(node))
		}
		timeCol = order[0].Col
	} else if timeRange {
		rangeCol = order[0].Col
	}
	// The aggregates, bound as a GROUP BY's without keys are.
	a := &aggCtx{input: &scope{fields: oi.fields}, windowCols: map[int]int{}}
	scratch := &scope{}
	cols := map[*sql.Call]int{}
	var calls2 []engine.AggCall
	var names []string
	width := len(oi.fields)
	aeb := &exprBinder{b: b, sc: scratch, agg: a}
	for _, c := range calls {
		plain := *c
		plain.Over = nil
		b.pendingAggName = fmt.Sprintf("w0$o%d", len(a.aggs))
		ref, err := aeb.bindAggCall(&plain)
		b.pendingAggName = ""
		if err != nil {
			return nil, err
		}
		k := ref.(*expr.Col).Idx
		cols[c] = width + k
		if k < len(calls2) {
			continue // the same aggregate again
		}
		it := a.aggs[k]
		arg := -1
		if it.arg != nil {
			arg = oi.col(it.arg)
		}
		fn := *it.fn
		// A bounded frame retracts the rows that leave it.
		fn.Updating = !frame.Unbounded
		calls2 = append(calls2, engine.AggCall{Func: &fn, Arg: arg})
		names = append(names, it.name)
	}
	// Hidden columns added for arguments move the aggregates' columns.
	for c, i := range cols {
		cols[c] = i - width + len(oi.fields)
	}
	input, _ := oi.plan()
	fields := make([]Field, 0, len(oi.fields)+len(calls2))
	for _, f := range oi.fields {
		if batch {
			f.Rowtime, f.Proctime = false, false
		}
		fields = append(fields, f)
	}
	for i, c := range calls2 {
		fields = append(fields, Field{Name: names[i], Type: c.Func.Result, Hidden: true})
	}
	over := &OverAggregate{Input: input, Partition: partition, Order: order, TimeCol: timeCol, RangeCol: rangeCol,
		Frame: frame, TimeRange: timeRange, Aggs: calls2, AggNames: names, fields: fields}
	return b.overItems(sel, over, cols)
}

// firstLine is the first line of a node's EXPLAIN description.
func firstLine(n Node) string {
	type describer interface{ Describe() string }
	if d, ok := n.(describer); ok {
		return d.Describe()
	}
	return fmt.Sprintf("%T", n)
}

// overFrame reads a call's window frame: ROWS or RANGE from UNBOUNDED
// PRECEDING, n PRECEDING or CURRENT ROW to CURRENT ROW; without one, RANGE
// BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW (SQL's default with ORDER
// BY). timeRange: the RANGE offset is an interval of time.
func (b *binder) overFrame(c *sql.Call, order []engine.SortKey, fields []Field) (engine.OverFrame, bool, error) {
	fr := c.Over.Frame
	if fr == nil {
		return engine.OverFrame{Unbounded: true}, false, nil
	}
	f := engine.OverFrame{Rows: fr.Rows}
	switch fr.End.Kind {
	case "", "CURRENT ROW":
	default:
		return f, false, sql.Errorf(c.Pos, "OVER windows must end at CURRENT ROW (%s is not supported, as in Flink's streaming mode)", fr.End.Kind)
	}
	switch fr.Start.Kind {
	case "UNBOUNDED PRECEDING":
		f.Unbounded = true
		return f, false, nil
	case "CURRENT ROW":
		return f, false, nil
	case "PRECEDING":
	default:
		return f, false, sql.Errorf(c.Pos, "OVER windows must start before or at the current row (%s is not supported)", fr.Start.Kind)
	}
	off := fr.Start.Offset
	pos := c.Pos
	if off != nil {
		pos = off.ExprPos()
	}
	if fr.Rows {
		lit, ok := off.(*sql.Literal)
		if !ok || lit.Kind != sql.LitInt {
			return f, false, sql.Errorf(pos, "ROWS takes a non-negative integer number of rows PRECEDING")
		}
		var n int64
		if _, err := fmt.Sscan(lit.Text, &n); err != nil || n < 0 {
			return f, false, sql.Errorf(pos, "ROWS takes a non-negative integer number of rows PRECEDING")
		}
		f.Preceding = n
		return f, false, nil
	}
	iv, ok := off.(*sql.Interval)
	if !ok {
		return f, false, sql.Errorf(pos, "RANGE ... PRECEDING takes an INTERVAL (of day-time) over a time ORDER BY key")
	}
	v, ym, err := intervalMicros(iv)
	if err != nil {
		return f, false, wrapErr(err, pos)
	}
	if ym || v < 0 {
		return f, false, sql.Errorf(pos, "RANGE ... PRECEDING takes a non-negative day-time INTERVAL")
	}
	if len(order) != 1 || order[0].Desc {
		return f, false, sql.Errorf(pos, "RANGE with an INTERVAL needs one ascending ORDER BY key of a time")
	}
	if k := fields[order[0].Col].Type.Kind; k != types.Timestamp && k != types.TimestampLTZ {
		return f, false, sql.Errorf(pos, "RANGE with an INTERVAL needs an ORDER BY key of a time, not %s", fields[order[0].Col].Type)
	}
	f.Preceding = v
	return f, true, nil
}
