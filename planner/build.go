package planner

import (
	"fmt"
	"strings"

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
	// graph describes the plan for status displays, with a probe on
	// every edge (engine/graph.go).
	graph []*engine.GraphNode
	// stateIDs name the state of the stateful operators (see stateID).
	stateIDs map[engine.Op]string
	// reuse says which subtrees are built once (reuse.go); shared holds
	// each one built so far, tees the tee after each one's graph node, and
	// inShared counts the shared subtrees being built around the current
	// node.
	reuse    *reuse
	shared   map[int]*sharedOut
	tees     map[*engine.GraphNode]*engine.Tee
	inShared int
}

// sharedOut is a subtree built once: the tee its output goes to and its
// top graph node, which each consumer lists as an input.
type sharedOut struct {
	tee *engine.Tee
	g   *engine.GraphNode
}

// edge is where a plan node's output goes: the operator that receives it,
// the graph node of that operator, and the pass-through nodes (a union, a
// watermark assigner) the records cross on the way. The output of a subtree
// built once goes to its tee with no parent: its consumers are linked one by
// one (builder.node).
type edge struct {
	next   engine.Op
	parent *engine.GraphNode
	pass   []*engine.GraphNode
}

// build compiles the plan under root. sink is the engine sink for the root
// Sink node.
func (pl *Planner) Build(root Node, sink engine.Sink, sinkName string) (*engine.JobSpec, error) {
	subPlans, sources := pl.reuseEnabled()
	bld := &builder{pl: pl, needed: scanNeeds(root), stateIDs: map[engine.Op]string{},
		reuse: findReuse(root, subPlans, sources), shared: map[int]*sharedOut{}, tees: map[*engine.GraphNode]*engine.Tee{}}
	sinkOp := engine.NewSinkOp(sinkName, sink)
	bld.ops = append(bld.ops, sinkOp)
	in := root
	sinkNode := root
	if sn, ok := root.(*Sink); ok {
		in = sn.Input
		sinkOp.NotNull = pl.notNullEnforcer(sn)
	} else {
		sinkNode = &Sink{Input: root}
	}
	top := bld.graphNode(sinkNode)
	top.Op = sinkOp
	if err := bld.node(in, edge{next: sinkOp, parent: top}); err != nil {
		for _, input := range bld.inputs {
			input.Source.Close()
		}
		return nil, err
	}
	bld.addClocks()
	if len(bld.tees) == 0 {
		// reverse: upstream first
		for i, j := 0, len(bld.ops)-1; i < j; i, j = i+1, j-1 {
			bld.ops[i], bld.ops[j] = bld.ops[j], bld.ops[i]
		}
	} else {
		// A shared subtree's later consumers were built after it: order
		// by the graph instead.
		bld.ops = bld.upstreamFirst(top)
	}
	spec := &engine.JobSpec{Inputs: bld.inputs, Ops: bld.ops, Graph: bld.graph, StateIDs: bld.stateIDs}
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
		bld.inputs = append(bld.inputs, &engine.Input{Name: "proctime-clock", Source: &engine.ProcClock{W: w.W, Now: w.Now}, Head: w.Clock()})
	}
}

// graphNode adds the graph node of a plan node.
func (bld *builder) graphNode(n Node) *engine.GraphNode {
	detail := explainLine(n)
	name, _, _ := strings.Cut(detail, "(")
	g := engine.NewGraphNode(len(bld.graph), name, detail)
	bld.graph = append(bld.graph, g)
	return g
}

// enter adds the graph node of n, links it to where its output goes, and
// returns it with the probe its output passes through.
func (bld *builder) enter(n Node, out edge) (*engine.GraphNode, engine.Op) {
	g := bld.graphNode(n)
	link(g, out)
	from := append([]*engine.GraphNode{g}, out.pass...)
	to := out.receivers()
	if _, ok := n.(*Scan); ok {
		to = append([]*engine.GraphNode{g}, to...) // a scan's input is its output
	}
	return g, engine.NewProbe(out.next, from, to)
}

// chain runs op for node n: its output goes to out, and the edge returned
// is where n's inputs send their records.
func (bld *builder) chain(n Node, op engine.Op, out edge) edge {
	g, probe := bld.enter(n, out)
	g.Op = op
	if c, ok := op.(engine.Chainable); ok {
		c.SetNext(probe)
	}
	if _, ok := op.(engine.Snapshotter); ok {
		bld.stateIDs[op] = stateID(n)
	}
	bld.ops = append(bld.ops, op)
	return edge{next: op, parent: g}
}

// passThrough adds a node that runs no operator of its own.
func (bld *builder) passThrough(n Node, out edge) edge {
	g := bld.graphNode(n)
	link(g, out)
	return edge{next: out.next, parent: out.parent, pass: append(append([]*engine.GraphNode(nil), out.pass...), g)}
}

// link makes g an input of the node its output edge reaches first.
func link(g *engine.GraphNode, out edge) {
	down := out.parent
	if len(out.pass) > 0 {
		down = out.pass[len(out.pass)-1]
	}
	if down != nil {
		down.Inputs = append(down.Inputs, g.ID)
	}
}

// receivers are the graph nodes the records on out enter.
func (out edge) receivers() []*engine.GraphNode {
	to := append([]*engine.GraphNode(nil), out.pass...)
	if out.parent != nil {
		to = append(to, out.parent)
	}
	return to
}

// node builds n with its output going to out. A subtree that reuse shares
// is built the first time it is met, with its output going to a tee; each
// time it is met, out is added to the tee.
func (bld *builder) node(n Node, out edge) error {
	n = unwrapRenamed(n)
	id, ok := bld.reuse.sharedID(n)
	if !ok {
		return bld.build(n, out)
	}
	sh := bld.shared[id]
	if sh == nil {
		sh = &sharedOut{tee: engine.NewTee()}
		bld.shared[id] = sh
		first := len(bld.graph)
		bld.inShared++
		err := bld.build(n, edge{next: sh.tee})
		bld.inShared--
		if err != nil {
			return err
		}
		sh.g = bld.graph[first]
		bld.tees[sh.g] = sh.tee
	}
	link(sh.g, out)
	sh.tee.Add(engine.NewProbe(out.next, out.pass, out.receivers()))
	return nil
}

// upstreamFirst lists the operators of the graph under top, each after
// the operators that feed it (a tee right after the node it follows), in
// the order the reversed build order gives a plan without reuse: inputs
// last to first.
func (bld *builder) upstreamFirst(top *engine.GraphNode) []engine.Op {
	done := make([]bool, len(bld.graph))
	var ops []engine.Op
	var visit func(g *engine.GraphNode)
	visit = func(g *engine.GraphNode) {
		if done[g.ID] {
			return
		}
		done[g.ID] = true
		for i := len(g.Inputs) - 1; i >= 0; i-- {
			visit(bld.graph[g.Inputs[i]])
		}
		if g.Op != nil {
			ops = append(ops, g.Op)
		}
		if t := bld.tees[g]; t != nil {
			ops = append(ops, t)
		}
	}
	visit(top)
	return ops
}

// scanNeeded is the projection of a scan: the columns its consumers read.
// A scan built once for several consumers (inside a shared subtree) reads
// what any of the identical scans needs.
func (bld *builder) scanNeeded(n *Scan) []bool {
	own := bld.needed[n]
	id, ok := bld.reuse.canonical(n)
	if bld.inShared == 0 || !ok {
		return own
	}
	var out []bool
	for m, mid := range bld.reuse.ids {
		s, isScan := m.(*Scan)
		if !isScan || mid != id {
			continue
		}
		need, ok := bld.needed[s]
		if !ok {
			return nil // one reads every column
		}
		if out == nil {
			out = make([]bool, len(need))
		}
		for i, u := range need {
			if u && i < len(out) {
				out[i] = true
			}
		}
	}
	return out
}

func (bld *builder) build(n Node, out edge) error {
	switch n := n.(type) {
	case *renamed:
		return bld.node(n.Node, out)
	case *Calc:
		op := engine.NewCalc(n.Filter, n.Projects)
		return bld.node(n.Input, bld.chain(n, op, out))
	case *WindowAggregate:
		tk := n.Input.Fields()[n.TimeCol].Type.Kind
		if n.Attached {
			tk = n.windowKind() // the bounds keep the kind they came with
		}
		wa := &engine.WindowAgg{W: n.Window, TimeCol: n.TimeCol, Keys: n.Keys, Aggs: n.Aggs, TimeKind: tk, Emit: n.Emit, Grace: n.Grace, Retention: n.Retention, Proctime: n.Proctime, Strategy: n.Strategy, Now: bld.pl.Clock, Watermarked: n.Watermarked,
			Attached: n.Attached, StartCol: n.StartCol}
		var op engine.Op = wa
		if n.Proctime {
			bld.clocked = append(bld.clocked, wa)
		}
		if n.Window.Kind == engine.Session {
			op = &engine.SessionAgg{Gap: n.Window.Gap, TimeCol: n.TimeCol, Keys: n.Keys, Aggs: n.Aggs, TimeKind: tk, Emit: n.Emit, Grace: n.Grace}
		}
		return bld.node(n.Input, bld.chain(n, op, out))
	case *Expand:
		op := &engine.Expand{Nulls: n.nulls()}
		return bld.node(n.Input, bld.chain(n, op, out))
	case *WindowTableFunction:
		tk := n.Input.Fields()[n.TimeCol].Type.Kind
		op := &engine.WindowTVF{W: n.Window, TimeCol: n.TimeCol, TimeKind: tk}
		return bld.node(n.Input, bld.chain(n, op, out))
	case *GroupAggregate:
		op := &engine.GroupAgg{Keys: n.Keys, Aggs: n.Aggs, Emit: n.Emit, NullKeys: n.NullKeys, DropDeletes: n.DropDeletes, TTL: n.TTL, OverEmpty: n.OverEmpty}
		return bld.node(n.Input, bld.chain(n, op, out))
	case *Rank:
		op := &engine.Rank{Partition: n.Partition, Order: n.Order, Start: n.Start, End: n.End, OutputRank: n.OutputRank, KeepAll: n.KeepAll}
		return bld.node(n.Input, bld.chain(n, op, out))
	case *Deduplicate:
		op := &engine.Deduplicate{Keys: n.Keys, KeepLast: n.KeepLast, TimeCol: -1}
		if n.Rowtime {
			op.TimeCol = n.TimeCol
		}
		return bld.node(n.Input, bld.chain(n, op, out))
	case *WindowRank:
		op := &engine.WindowRank{StartCol: n.StartCol, EndCol: n.EndCol, Partition: n.Partition, Order: n.Order,
			Start: n.Start, End: n.End, OutputRank: n.OutputRank}
		return bld.node(n.Input, bld.chain(n, op, out))
	case *WindowDeduplicate:
		op := &engine.WindowRank{StartCol: n.StartCol, EndCol: n.EndCol, Partition: n.Keys,
			Order: []engine.SortKey{{Col: n.TimeCol, Desc: n.KeepLast}}, Start: 1, End: 1, NewerFirst: n.KeepLast}
		return bld.node(n.Input, bld.chain(n, op, out))
	case *ChangelogNormalize:
		op := &engine.Normalize{Keys: n.Keys, Final: n.Final, DropUnchanged: n.DropUnchanged, NoUpdateBefore: n.NoUpdateBefore}
		return bld.node(n.Input, bld.chain(n, op, out))
	case *TableFilter:
		op := &engine.TableFilter{Filter: n.Filter, Keys: n.Keys}
		return bld.node(n.Input, bld.chain(n, op, out))
	case *JoinNode:
		var op engine.Op
		var left, right engine.Op
		if n.Kind == engine.IntervalJoin {
			// ksqlDB's WITHIN: by stream time, kept for the grace period
			ij := &engine.TimeIntervalJoin{Type: n.Type, LeftKeys: n.LeftKeys, RightKeys: n.RightKeys, Cond: n.Cond,
				LeftWidth: len(n.Left.Fields()), RightWidth: len(n.Right.Fields()), LeftTime: n.LeftTime, RightTime: n.RightTime,
				Lower: -n.Before, Upper: n.After, Clock: engine.ByStreamTime, Grace: n.Grace, Eager: n.Eager}
			op, left, right = ij, ij.Left(), ij.Right()
		} else {
			j := &engine.Join{Kind: n.Kind, Type: n.Type, LeftKeys: n.LeftKeys, RightKeys: n.RightKeys, Cond: n.Cond,
				LeftWidth: len(n.Left.Fields()), RightWidth: len(n.Right.Fields()), Upsert: n.ByInputKind && n.Kind == engine.RegularJoin,
				LeftDeletes: n.ForeignKey, LeftTTL: n.LeftTTL, RightTTL: n.RightTTL}
			op, left, right = j, j.Left(), j.Right()
		}
		in := bld.chain(n, op, out)
		if err := bld.node(n.Left, edge{next: left, parent: in.parent}); err != nil {
			return err
		}
		return bld.node(n.Right, edge{next: right, parent: in.parent})
	case *Union:
		in := bld.passThrough(n, out)
		for _, child := range n.Ins {
			if err := bld.node(child, in); err != nil {
				return err
			}
		}
		return nil
	case *WatermarkAssigner:
		scan, ok := n.Input.(*Scan)
		if !ok {
			return fmt.Errorf("watermark assigner over %T is not supported", n.Input)
		}
		input, err := bld.scan(scan, bld.passThrough(n, out))
		if err != nil {
			return err
		}
		input.Watermark = n.Expr
		return nil
	case *Scan:
		_, err := bld.scan(n, out)
		return err
	case unaryOp:
		op := n.newOp()
		return bld.node(n.Inputs()[0], bld.chain(n, op, out))
	case binaryOp:
		op, left, right := n.newBinaryOp()
		in := bld.chain(n, op, out)
		if err := bld.node(n.Inputs()[0], edge{next: left, parent: in.parent}); err != nil {
			return err
		}
		return bld.node(n.Inputs()[1], edge{next: right, parent: in.parent})
	}
	return fmt.Errorf("cannot build plan node %T", n)
}

func (bld *builder) scan(n *Scan, out edge) (*engine.Input, error) {
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
		spec.Needed = bld.scanNeeded(n)
		if src, err = c.Source(spec); err != nil {
			return nil, fmt.Errorf("table %s: %w", n.Table.Name, err)
		}
	}
	_, head := bld.enter(n, out)
	in := &engine.Input{Name: n.Table.Name, Source: src, Prep: n.Prep, Ts: n.Ts, Head: head, UID: sourceID(n)}
	// Flink's table option 'scan.watermark.idle-timeout' (FLIP-296) wins
	// over the session's 'table.exec.source.idle-timeout' for this source.
	if v, ok := n.Table.Options["scan.watermark.idle-timeout"]; ok && n.Values == nil {
		d, err := parseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("table %s: 'scan.watermark.idle-timeout': %w", n.Table.Name, err)
		}
		in.IdleTimeout = d
	}
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

// notNullColumns are the sink columns of sn that must not be NULL, by
// position: those declared NOT NULL and, unless the dialect lets keys be
// NULL, the primary key's.
func (pl *Planner) notNullColumns(sn *Sink) []int {
	if sn.Table == nil {
		return nil
	}
	cols := sn.Columns
	if cols == nil {
		cols = sinkColumns(sn.Table)
	}
	key := map[string]bool{}
	if !pl.Dialect.Rules().NullableKeys {
		for _, k := range sn.Table.PrimaryKey {
			key[k] = true
		}
	}
	var out []int
	for i, c := range cols {
		if c.Type.NotNull || key[c.Name] {
			out = append(out, i)
		}
	}
	return out
}

// notNullEnforcer is the check of sn's NOT NULL columns, as
// 'table.exec.sink.not-null-enforcer' says (nil: there are none).
func (pl *Planner) notNullEnforcer(sn *Sink) *engine.NotNullEnforcer {
	idx := pl.notNullColumns(sn)
	if len(idx) == 0 {
		return nil
	}
	cols := sn.Columns
	if cols == nil {
		cols = sinkColumns(sn.Table)
	}
	e := &engine.NotNullEnforcer{Cols: idx,
		Message: "Column '%s' is NOT NULL, however, a null value is being written into it. You can set job configuration 'table.exec.sink.not-null-enforcer'='DROP' to suppress this exception and drop such records silently."}
	for _, i := range idx {
		e.Names = append(e.Names, cols[i].Name)
	}
	if v, _ := pl.dialectSetting("table.exec.sink.not-null-enforcer"); strings.EqualFold(strings.TrimSpace(v), "DROP") {
		e.Drop = true
	}
	return e
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
