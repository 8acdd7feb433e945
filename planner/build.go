package planner

import (
	"fmt"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/sql"
)

// builder turns a physical plan into an engine.JobSpec.
type builder struct {
	pl     *Planner
	ops    []engine.Op // downstream first while building
	inputs []*engine.Input
	needed map[*Scan][]bool
	// clocked are the processing-time window aggregates, which need the
	// ticks of a ProcClock input.
	clocked []*engine.WindowAgg
}

// build compiles the plan under root. sink is the engine sink for the root
// Sink node.
func (pl *Planner) build(root Node, sink engine.Sink, sinkName string) (*engine.JobSpec, error) {
	bld := &builder{pl: pl, needed: scanNeeds(root)}
	sinkOp := engine.NewSinkOp(sinkName, sink)
	bld.ops = append(bld.ops, sinkOp)
	in := root
	if sn, ok := root.(*Sink); ok {
		in = sn.Input
	}
	if err := bld.node(in, sinkOp); err != nil {
		for _, input := range bld.inputs {
			input.Source.Close()
		}
		return nil, err
	}
	bld.addClocks()
	// reverse: upstream first
	for i, j := 0, len(bld.ops)-1; i < j; i, j = i+1, j-1 {
		bld.ops[i], bld.ops[j] = bld.ops[j], bld.ops[i]
	}
	spec := &engine.JobSpec{Inputs: bld.inputs, Ops: bld.ops}
	return spec, nil
}

// addClocks gives each processing-time window aggregate a ProcClock
// input, whose ticks fire its windows by the wall clock. A job that reads
// a bounded input (batch mode, INSERT ... VALUES) gets none: its end of
// input fires every window, and a clock would keep it from ending.
func (bld *builder) addClocks() {
	if len(bld.clocked) == 0 {
		return
	}
	for _, in := range bld.inputs {
		if b, ok := in.Source.(engine.BoundedSource); ok && b.Bounded() {
			return
		}
	}
	for _, w := range bld.clocked {
		bld.inputs = append(bld.inputs, &engine.Input{Name: "proctime-clock", Source: &engine.ProcClock{W: w.W}, Head: w.Clock()})
	}
}

func (bld *builder) chain(op engine.Op, next engine.Op) {
	if c, ok := op.(engine.Chainable); ok {
		c.SetNext(next)
	}
	bld.ops = append(bld.ops, op)
}

func (bld *builder) node(n Node, next engine.Op) error {
	switch n := n.(type) {
	case *renamed:
		return bld.node(n.Node, next)
	case *Calc:
		op := engine.NewCalc(n.Filter, n.Projects)
		bld.chain(op, next)
		return bld.node(n.Input, op)
	case *WindowAggregate:
		tk := n.Input.Fields()[n.TimeCol].Type.Kind
		wa := &engine.WindowAgg{W: n.Window, TimeCol: n.TimeCol, Keys: n.Keys, Aggs: n.Aggs, TimeKind: tk, Emit: n.Emit, Grace: n.Grace, Proctime: n.Proctime}
		var op engine.Op = wa
		if n.Proctime {
			bld.clocked = append(bld.clocked, wa)
		}
		if n.Window.Kind == engine.Session {
			op = &engine.SessionAgg{Gap: n.Window.Gap, TimeCol: n.TimeCol, Keys: n.Keys, Aggs: n.Aggs, TimeKind: tk, Emit: n.Emit, Grace: n.Grace}
		}
		bld.chain(op, next)
		return bld.node(n.Input, op)
	case *Expand:
		op := &engine.Expand{Nulls: n.nulls()}
		bld.chain(op, next)
		return bld.node(n.Input, op)
	case *WindowTableFunction:
		tk := n.Input.Fields()[n.TimeCol].Type.Kind
		op := &engine.WindowTVF{W: n.Window, TimeCol: n.TimeCol, TimeKind: tk}
		bld.chain(op, next)
		return bld.node(n.Input, op)
	case *GroupAggregate:
		op := &engine.GroupAgg{Keys: n.Keys, Aggs: n.Aggs, Emit: n.Emit, NullKeys: n.NullKeys, DropDeletes: n.DropDeletes}
		bld.chain(op, next)
		return bld.node(n.Input, op)
	case *Rank:
		op := &engine.Rank{Partition: n.Partition, Order: n.Order, Start: n.Start, End: n.End, OutputRank: n.OutputRank, KeepAll: n.KeepAll}
		bld.chain(op, next)
		return bld.node(n.Input, op)
	case *Deduplicate:
		op := &engine.Deduplicate{Keys: n.Keys, KeepLast: n.KeepLast, TimeCol: -1}
		if n.Rowtime {
			op.TimeCol = n.TimeCol
		}
		bld.chain(op, next)
		return bld.node(n.Input, op)
	case *WindowRank:
		op := &engine.WindowRank{StartCol: n.StartCol, EndCol: n.EndCol, Partition: n.Partition, Order: n.Order,
			Start: n.Start, End: n.End, OutputRank: n.OutputRank}
		bld.chain(op, next)
		return bld.node(n.Input, op)
	case *WindowDeduplicate:
		op := &engine.WindowRank{StartCol: n.StartCol, EndCol: n.EndCol, Partition: n.Keys,
			Order: []engine.SortKey{{Col: n.TimeCol, Desc: n.KeepLast}}, Start: 1, End: 1, NewerFirst: n.KeepLast}
		bld.chain(op, next)
		return bld.node(n.Input, op)
	case *ChangelogNormalize:
		op := &engine.Normalize{Keys: n.Keys, Final: n.Final}
		bld.chain(op, next)
		return bld.node(n.Input, op)
	case *TableFilter:
		op := &engine.TableFilter{Filter: n.Filter, Keys: n.Keys}
		bld.chain(op, next)
		return bld.node(n.Input, op)
	case *JoinNode:
		op := &engine.Join{Kind: n.Kind, Type: n.Type, LeftKeys: n.LeftKeys, RightKeys: n.RightKeys, Cond: n.Cond,
			LeftWidth: len(n.Left.Fields()), RightWidth: len(n.Right.Fields()),
			LeftTime: n.LeftTime, RightTime: n.RightTime, Before: n.Before, After: n.After, Grace: n.Grace, Eager: n.Eager, Upsert: n.ByInputKind && n.Kind == engine.RegularJoin}
		bld.chain(op, next)
		if err := bld.node(n.Left, op.Left()); err != nil {
			return err
		}
		return bld.node(n.Right, op.Right())
	case *Union:
		for _, in := range n.Ins {
			if err := bld.node(in, next); err != nil {
				return err
			}
		}
		return nil
	case *WatermarkAssigner:
		scan, ok := n.Input.(*Scan)
		if !ok {
			return fmt.Errorf("watermark assigner over %T is not supported", n.Input)
		}
		input, err := bld.scan(scan, next)
		if err != nil {
			return err
		}
		input.Watermark = n.Expr
		return nil
	case *Scan:
		_, err := bld.scan(n, next)
		return err
	case unaryOp:
		op := n.newOp()
		bld.chain(op, next)
		return bld.node(n.Inputs()[0], op)
	}
	return fmt.Errorf("cannot build plan node %T", n)
}

func (bld *builder) scan(n *Scan, next engine.Op) (*engine.Input, error) {
	var src engine.Source
	if n.Values != nil {
		src = &engine.ValuesSource{Rows: n.Values}
	} else {
		c, err := bld.pl.Registry.Lookup(n.Table.Connector())
		if err != nil {
			return nil, err
		}
		if c.Source == nil {
			return nil, fmt.Errorf("connector '%s' can only be used as a sink", c.Name)
		}
		spec := bld.pl.tableSpec(n.Table, n.Columns)
		spec.Needed = bld.needed[n]
		if src, err = c.Source(spec); err != nil {
			return nil, fmt.Errorf("table %s: %w", n.Table.Name, err)
		}
	}
	in := &engine.Input{Name: n.Table.Name, Source: src, Prep: n.Prep, Ts: n.Ts, Head: next}
	bld.inputs = append(bld.inputs, in)
	return in, nil
}

// sinkColumns are the columns an INSERT writes: physical and writable
// metadata columns.
func sinkColumns(t *Table) []Column {
	var out []Column
	for _, c := range t.Columns {
		if c.Kind == sql.Computed || (c.Kind == sql.Metadata && c.Virtual) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// implicitCast reports whether a query column of type from may be written
// to a sink column of type to without an explicit CAST (Flink's rules:
// same family, widening numerics, any type to STRING is not implicit).
func implicitCast(from, to types.Type) bool {
	if from.Kind == types.Null {
		return true
	}
	if from.Kind == to.Kind {
		return true
	}
	rank := map[types.Kind]int{types.TinyInt: 1, types.SmallInt: 2, types.Int: 3, types.BigInt: 4, types.Decimal: 5, types.Float: 6, types.Double: 7}
	if rank[from.Kind] > 0 && rank[to.Kind] > 0 {
		return rank[from.Kind] <= rank[to.Kind]
	}
	if (from.Kind == types.Timestamp || from.Kind == types.TimestampLTZ) && (to.Kind == types.Timestamp || to.Kind == types.TimestampLTZ) {
		return true
	}
	return false
}

// scanNeeds works out, for each scan read by a Calc, which of the columns
// the connector reads the query uses (projection pushdown): the Calc's
// columns, the watermark's and the record timestamp's, traced through the
// computed columns. Scans read otherwise are left out (all columns).
func scanNeeds(root Node) map[*Scan][]bool {
	out := map[*Scan][]bool{}
	var walk func(n Node)
	walk = func(n Node) {
		if c, ok := n.(*Calc); ok {
			in := c.Input
			var wa *WatermarkAssigner
			if w, ok := in.(*WatermarkAssigner); ok {
				wa, in = w, w.Input
			}
			if sc, ok := in.(*Scan); ok && sc.Values == nil {
				used := make([]bool, len(sc.fields))
				mark := func(e expr.Expr) {
					if e == nil {
						return
					}
					for _, i := range expr.Columns(e) {
						if i < len(used) {
							used[i] = true
						}
					}
				}
				mark(c.Filter)
				for _, p := range c.Projects {
					mark(p)
				}
				if wa != nil {
					mark(wa.Expr)
					used[wa.Rowtime] = true
				}
				mark(sc.Ts)
				if sc.Prep != nil {
					read := len(sc.Columns)
					if sc.Columns == nil {
						for _, col := range sc.Table.Columns {
							if col.Kind != sql.Computed {
								read++
							}
						}
					}
					phys := make([]bool, read)
					for i, u := range used {
						if u && i < len(sc.Prep) {
							for _, j := range expr.Columns(sc.Prep[i]) {
								if j < read {
									phys[j] = true
								}
							}
						}
					}
					used = phys
				}
				out[sc] = used
			}
		}
		for _, in := range n.Inputs() {
			walk(in)
		}
	}
	walk(root)
	return out
}
