package planner

import (
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/sql"
)

// rankColumn names a Rank's rank number, as Flink's plans do.
const rankColumn = "w0$o0"

// winProps says which columns of a node are the window bounds of a window
// TVF or window aggregate below it (-1: not a column of the node).
type winProps struct {
	window           engine.Window
	start, end, time int
	// timeCol is the window TVF's time column; tvf says the window comes
	// straight from a window TVF (not an aggregate).
	timeCol int
	tvf     bool
	// kind is the kind of the bounds' values (Timestamp, or TimestampLTZ
	// for windows of a TIMESTAMP_LTZ attribute), as the window operator
	// wrote them.
	kind types.Kind
}

// windowPropsOf traces window_start and window_end through projections
// down to the window TVF or window aggregate that made them.
func windowPropsOf(n Node) (winProps, bool) {
	switch x := n.(type) {
	case *renamed:
		return windowPropsOf(x.Node)
	case *WindowTableFunction:
		if x.Proctime {
			// Window Top-N fires by event time; a regular Rank ranks
			// processing-time windows.
			return winProps{}, false
		}
		w := len(x.Input.Fields())
		return winProps{window: x.Window, start: w, end: w + 1, time: w + 2, timeCol: x.TimeCol, tvf: true,
			kind: x.Input.Fields()[x.TimeCol].Type.Kind}, true
	case *WindowAggregate:
		if x.Emit != engine.EmitOnWatermark || x.Proctime || x.Strategy.Updates() {
			return winProps{}, false
		}
		k := len(x.Keys)
		return winProps{window: x.Window, start: k, end: k + 1, time: k + 2, timeCol: -1, kind: x.windowKind()}, true
	case *WindowJoin:
		return joinWindowProps(x.Type, x.Left, x.Right)
	case *JoinNode:
		// A join that the window join rule will plan as a WindowJoin (a
		// GROUP BY over it is bound before the rules run).
		if wj, ok := windowJoinOf(x); ok {
			return joinWindowProps(wj.Type, wj.Left, wj.Right)
		}
		return winProps{}, false
	case *WindowRank:
		return windowPropsOf(x.Input)
	case *WindowDeduplicate:
		return windowPropsOf(x.Input)
	case *Calc:
		p, ok := windowPropsOf(x.Input)
		if !ok {
			return p, false
		}
		out := winProps{window: p.window, start: -1, end: -1, time: -1, timeCol: -1, tvf: p.tvf, kind: p.kind}
		for i, e := range x.Projects {
			c, ok := e.(*expr.Col)
			if !ok {
				continue
			}
			set := func(dst *int, src int) {
				if *dst < 0 && src >= 0 && c.Idx == src {
					*dst = i
				}
			}
			set(&out.start, p.start)
			set(&out.end, p.end)
			set(&out.time, p.time)
			set(&out.timeCol, p.timeCol)
		}
		return out, out.start >= 0 && out.end >= 0
	}
	return winProps{}, false
}

// joinWindowProps is a window join's: the window bounds of the side that
// an outer join does not pad with NULLs (the left one first, as its fields
// come first; none for a FULL join), as Flink's planner keeps them.
func joinWindowProps(t engine.JoinType, left, right Node) (winProps, bool) {
	switch t {
	case engine.RightJoin:
		p, ok := windowPropsOf(right)
		if !ok {
			return p, false
		}
		w := len(left.Fields())
		shift := func(i int) int {
			if i < 0 {
				return i
			}
			return i + w
		}
		p.start, p.end, p.time, p.timeCol = shift(p.start), shift(p.end), shift(p.time), shift(p.timeCol)
		return p, true
	case engine.FullJoin:
		return winProps{}, false
	}
	return windowPropsOf(left)
}

// rankRule gives a Rank its range from the filter of the Calc above it
// (rownum <= N, < N, = N, >= M, BETWEEN M AND N; other conjuncts stay in
// the Calc), drops the rank number when nothing reads it or it is
// constant (rank M to M), and picks the operator: WindowRank / WindowDeduplicate when the partition
// holds a window's start and end, Deduplicate for rank 1 by a time
// attribute of an insert-only input, otherwise Rank. A Rank that nothing
// reads goes away.
func rankRule(n Node) Node {
	c, ok := n.(*Calc)
	if !ok {
		return n
	}
	in := c.Input
	if rn, ok := in.(*renamed); ok {
		in = rn.Node
	}
	r, ok := in.(*Rank)
	if !ok || r.End != 0 || r.err != nil {
		return n
	}
	w := len(r.Input.Fields()) // the rank number's column
	start, end, hasEnd, found := int64(1), int64(0), false, false
	var rest []expr.Expr
	if c.Filter != nil {
		for _, conj := range splitAnd(c.Filter) {
			lo, hi, isLo, isHi, ok := rankBound(conj, w)
			if !ok {
				rest = append(rest, conj)
				continue
			}
			found = true
			if isLo && lo > start {
				start = lo
			}
			if isHi && (!hasEnd || hi < end) {
				end, hasEnd = hi, true
			}
		}
	}
	top := &Calc{Projects: c.Projects, Filter: c.Filter, fields: c.fields}
	if !found {
		if !calcUses(top, w) {
			top.Input = r.Input // nothing reads the rank number
			return top
		}
		return n
	}
	r2 := *r
	top.Input = &r2
	top.Filter = andOf(rest)
	switch {
	case !hasEnd:
		r2.err = sql.Errorf(r.Pos, "A Top-N query needs an upper bound on ROW_NUMBER(), e.g. WHERE rownum <= N")
		return top
	case end < start || end < 1:
		r2.err = sql.Errorf(r.Pos, "The filter on ROW_NUMBER() selects no rank (rank %d to %d)", start, end)
		return top
	}
	r2.Start, r2.End = start, end
	if start == end {
		// A constant rank number: the Calc writes it, the rank needs not.
		k := expr.NewConst(types.BigIntV(start), types.Type{Kind: types.BigInt, NotNull: true})
		replace := func(e expr.Expr) expr.Expr {
			if e == nil {
				return nil
			}
			return expr.Rewrite(e, func(x expr.Expr) expr.Expr {
				if col, ok := x.(*expr.Col); ok && col.Idx == w {
					return k
				}
				return x
			})
		}
		projects := make([]expr.Expr, len(top.Projects))
		for i, p := range top.Projects {
			projects[i] = replace(p)
		}
		top.Projects, top.Filter = projects, replace(top.Filter)
	}
	if !calcUses(top, w) {
		r2.OutputRank = false
		r2.fields = r2.fields[:w]
	}
	top.Input = physicalRank(&r2)
	return top
}

// rankBound reads one conjunct as a bound on the rank number at column w:
// rank op constant or constant op rank.
func rankBound(e expr.Expr, w int) (lo, hi int64, isLo, isHi, ok bool) {
	b, isBin := e.(*expr.Bin)
	if !isBin {
		return
	}
	op := b.Op
	var other expr.Expr
	switch {
	case isCol(b.L, w) && len(expr.Columns(b.R)) == 0:
		other = b.R
	case isCol(b.R, w) && len(expr.Columns(b.L)) == 0:
		other = b.L
		op = map[string]string{"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "="}[op]
	default:
		return
	}
	if !deterministic(other) {
		return
	}
	v, err := evalConst(other)
	if err != nil || v.IsNull() {
		return
	}
	switch v.K {
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
	default:
		return
	}
	switch op {
	case "<":
		return 0, v.I - 1, false, true, true
	case "<=":
		return 0, v.I, false, true, true
	case ">":
		return v.I + 1, 0, true, false, true
	case ">=":
		return v.I, 0, true, false, true
	case "=":
		return v.I, v.I, true, true, true
	}
	return
}

func isCol(e expr.Expr, i int) bool {
	c, ok := e.(*expr.Col)
	return ok && c.Idx == i
}

func andOf(es []expr.Expr) expr.Expr {
	switch len(es) {
	case 0:
		return nil
	case 1:
		return es[0]
	}
	return &expr.And{Args: es}
}

// calcUses reports whether the Calc reads column i of its input.
func calcUses(c *Calc, i int) bool {
	for _, e := range append([]expr.Expr{c.Filter}, c.Projects...) {
		if e == nil {
			continue
		}
		for _, col := range expr.Columns(e) {
			if col == i {
				return true
			}
		}
	}
	return false
}

// pruneRanked narrows the input of a Rank, Deduplicate, WindowRank or
// WindowDeduplicate under a Calc to the columns that the Calc and the node
// itself read (Flink's projection push-down through a rank), rewriting
// the Calc's references. Ranks keep their rows, so this is their state.
func pruneRanked(n Node) Node {
	c, ok := n.(*Calc)
	if !ok {
		return n
	}
	in := c.Input
	if rn, ok := in.(*renamed); ok {
		in = rn.Node
	}
	var input Node
	var own []int
	switch x := in.(type) {
	case *Rank:
		if x.End == 0 || x.err != nil {
			return n
		}
		input, own = x.Input, append(append([]int(nil), x.Partition...), sortCols(x.Order)...)
	case *Deduplicate:
		input, own = x.Input, append(append([]int(nil), x.Keys...), x.TimeCol)
	case *WindowRank:
		input, own = x.Input, append(append([]int{x.StartCol, x.EndCol}, x.Partition...), sortCols(x.Order)...)
	case *WindowDeduplicate:
		input, own = x.Input, append(append([]int{x.StartCol, x.EndCol}, x.Keys...), x.TimeCol)
	default:
		return n
	}
	fs := input.Fields()
	w := len(fs)
	used := make([]bool, w)
	rankUsed := false
	for _, e := range append([]expr.Expr{c.Filter}, c.Projects...) {
		if e == nil {
			continue
		}
		for _, col := range expr.Columns(e) {
			if col < w {
				used[col] = true
			}
			rankUsed = rankUsed || col == w
		}
	}
	dropRank := false // a rank number nobody reads
	switch x := in.(type) {
	case *Rank:
		dropRank = x.OutputRank && !rankUsed
	case *WindowRank:
		dropRank = x.OutputRank && !rankUsed
	}
	for _, col := range own {
		used[col] = true
	}
	m := make([]int, w+1) // old column -> new; w is the rank number
	var projects []expr.Expr
	var fields []Field
	for i, u := range used {
		m[i] = -1
		if u {
			m[i] = len(projects)
			projects = append(projects, &expr.Col{Idx: i, T: fs[i].Type, Name: fs[i].Name})
			fields = append(fields, fs[i])
		}
	}
	if len(projects) == w && !dropRank {
		return n
	}
	m[w] = len(projects)
	narrow := dropIdentityCalc(pruneJoinInputs(fuseCalc(&Calc{Input: input, Projects: projects, fields: fields})))
	outFields := func(old []Field) []Field {
		var out []Field
		for i, f := range old {
			if (i < w && used[i]) || (i == w && !dropRank) {
				out = append(out, f)
			}
		}
		return out
	}
	var node Node
	switch x := in.(type) {
	case *Rank:
		r := *x
		r.Input, r.Partition, r.Order, r.fields = narrow, mapCols(x.Partition, m), mapSort(x.Order, m), outFields(x.fields)
		r.OutputRank = x.OutputRank && !dropRank
		node = &r
	case *Deduplicate:
		d := *x
		d.Input, d.Keys, d.TimeCol, d.fields = narrow, mapCols(x.Keys, m), m[x.TimeCol], outFields(x.fields)
		node = &d
	case *WindowRank:
		wr := *x
		wr.Input, wr.StartCol, wr.EndCol, wr.Partition, wr.Order, wr.fields = narrow, m[x.StartCol], m[x.EndCol],
			mapCols(x.Partition, m), mapSort(x.Order, m), outFields(x.fields)
		wr.OutputRank = x.OutputRank && !dropRank
		node = &wr
	case *WindowDeduplicate:
		wd := *x
		wd.Input, wd.StartCol, wd.EndCol, wd.Keys, wd.TimeCol, wd.fields = narrow, m[x.StartCol], m[x.EndCol],
			mapCols(x.Keys, m), m[x.TimeCol], outFields(x.fields)
		node = &wd
	}
	remap := func(e expr.Expr) expr.Expr {
		if e == nil {
			return nil
		}
		return expr.Rewrite(e, func(x expr.Expr) expr.Expr {
			if col, ok := x.(*expr.Col); ok && col.Idx <= w {
				return &expr.Col{Idx: m[col.Idx], T: col.T, Name: col.Name}
			}
			return x
		})
	}
	out := &Calc{Input: node, Filter: remap(c.Filter), Projects: make([]expr.Expr, len(c.Projects)), fields: c.fields}
	for i, p := range c.Projects {
		out.Projects[i] = remap(p)
	}
	return out
}

func sortCols(order []engine.SortKey) []int {
	out := make([]int, len(order))
	for i, o := range order {
		out[i] = o.Col
	}
	return out
}

func mapCols(cols []int, m []int) []int {
	out := make([]int, len(cols))
	for i, c := range cols {
		out[i] = m[c]
	}
	return out
}

func mapSort(order []engine.SortKey, m []int) []engine.SortKey {
	out := make([]engine.SortKey, len(order))
	for i, o := range order {
		out[i] = engine.SortKey{Col: m[o.Col], Desc: o.Desc}
	}
	return out
}

// physicalRank picks the operator of a rank whose range is known.
func physicalRank(r *Rank) Node {
	in := r.Input
	fs := in.Fields()
	props, ok := windowPropsOf(in)
	windowed := ok && hasCol(r.Partition, props.start) && hasCol(r.Partition, props.end)
	dedup := r.Start == 1 && r.End == 1 && !r.OutputRank && len(r.Order) == 1
	if windowed {
		if in.Mode() != InsertOnly {
			r.err = sql.Errorf(r.Pos, "Window Top-N and window deduplication do not support consuming update changes, which are produced by node %s", firstUpdating(&Calc{Input: in}))
			return r
		}
		if props.tvf && props.window.Kind == engine.Session {
			r.err = sql.Errorf(r.Pos, "Window Top-N and window deduplication directly over a SESSION window TVF are not supported; aggregate the session windows first")
			return r
		}
		var keys []int
		for _, p := range r.Partition {
			if p != props.start && p != props.end && p != props.time {
				keys = append(keys, p)
			}
		}
		if dedup {
			tc := r.Order[0].Col
			if fs[tc].Rowtime || tc == props.time || tc == props.timeCol {
				return &WindowDeduplicate{Input: in, Window: props.window, StartCol: props.start, EndCol: props.end,
					Keys: keys, TimeCol: tc, KeepLast: r.Order[0].Desc, fields: r.fields}
			}
		}
		return &WindowRank{Input: in, Window: props.window, StartCol: props.start, EndCol: props.end, Partition: keys,
			Order: r.Order, Start: r.Start, End: r.End, OutputRank: r.OutputRank, fields: r.fields}
	}
	if dedup && in.Mode() == InsertOnly {
		tc := r.Order[0].Col
		if f := fs[tc]; f.Rowtime || f.Proctime {
			return &Deduplicate{Input: in, Keys: r.Partition, TimeCol: tc, KeepLast: r.Order[0].Desc, Rowtime: f.Rowtime, fields: r.fields}
		}
	}
	r.KeepAll = in.Mode() != InsertOnly
	return r
}

// checkPlan reports what the rules could not plan: a ROW_NUMBER() without
// a rank filter, or an error the rank rule found.
func checkPlan(n Node) error {
	if r, ok := n.(*Rank); ok {
		if r.err != nil {
			return r.err
		}
		if r.End == 0 {
			return sql.Errorf(r.Pos, "ROW_NUMBER() OVER (...) is only supported for Top-N and deduplication: filter it in an enclosing query, e.g. SELECT * FROM (SELECT ..., ROW_NUMBER() OVER (...) AS rownum FROM t) WHERE rownum <= N")
		}
	}
	for _, in := range n.Inputs() {
		if err := checkPlan(in); err != nil {
			return err
		}
	}
	return nil
}
