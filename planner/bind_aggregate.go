package planner

import (
	"fmt"
	"strings"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner/dialect"
	"github.com/tumble/tumble/sql"
)

// GROUP BY (keys, grouping sets, windows), HAVING and the aggregates.

// bindAggregate binds GROUP BY queries: window aggregates (TVF or legacy
// group window) and unbounded group aggregates. Its clauses, in order:
// GROUP BY (bindGroupBy), the select list over the aggregate's output
// (bindItems, collecting the aggregate calls), HAVING (bindHaving), WHERE
// below the aggregate (bindWhere); then the projection feeding the
// aggregate and the aggregate node.
func (b *binder) bindAggregate(sel *sql.Select, fr *fromResult) (Node, error) {
	a, window, timeCol, err := b.bindGroupBy(sel, fr)
	if err != nil {
		return nil, err
	}
	// Output scope: keys, window props, aggregates (added while binding).
	out := &scope{}
	for i, k := range a.keys {
		name := fmt.Sprintf("$f%d", i)
		f := Field{Name: name, Type: k.Type()}
		if c, ok := k.(*expr.Col); ok {
			f.Name, f.Qual = c.Name, fr.sc.fields[c.Idx].Qual
		}
		if g := a.grouping; g != nil {
			for si := range g.sets {
				if !g.holds(si, i) {
					f.Type = f.Type.Nullable()
				}
			}
		}
		out.fields = append(out.fields, f)
	}
	if a.grouping.expand() {
		out.fields = append(out.fields, Field{Name: "$e", Type: types.Type{Kind: types.BigInt, NotNull: true}, Hidden: true})
	}
	proctime := false
	if a.windowed {
		wt := types.Type{Kind: types.Timestamp, Precision: 3, NotNull: true}
		tt := wt
		if a.attached != nil {
			tt.Kind = a.attached.kind
		} else {
			if fr.sc.fields[timeCol].Type.Kind == types.TimestampLTZ {
				tt.Kind = types.TimestampLTZ
			}
			proctime = fr.sc.fields[timeCol].Proctime
		}
		if proctime && window.Kind == engine.Session {
			return nil, sql.Errorf(sel.Pos, "SESSION windows over a processing-time attribute are not supported; use TUMBLE, HOP or CUMULATE")
		}
		out.fields = append(out.fields,
			Field{Name: "window_start", Type: wt},
			Field{Name: "window_end", Type: wt},
			Field{Name: "window_time", Type: tt, Rowtime: !proctime, Proctime: proctime})
	}
	projects, fields, err := b.bindItems(sel, out, a)
	if err != nil {
		return nil, err
	}
	having, err := b.bindHaving(sel, out, a)
	if err != nil {
		return nil, err
	}
	// WHERE below the aggregate.
	if sel.Where != nil && containsAggregate(sel.Where) {
		return nil, sql.Errorf(sel.Where.ExprPos(), "Aggregate functions are not allowed in WHERE; use HAVING")
	}
	filter, err := b.bindWhere(sel, fr.sc)
	if err != nil {
		return nil, err
	}
	// Scalar subqueries: under the aggregate for WHERE, over it for the
	// select list and HAVING; none in keys or aggregate arguments.
	var aggIns []expr.Expr
	for _, it := range a.aggs {
		aggIns = append(aggIns, it.arg, it.filter)
	}
	if pos, ok := b.scalarPos(append(aggIns, a.keys...)...); ok {
		return nil, sql.Errorf(pos, "Scalar subqueries are not supported in GROUP BY nor in the arguments of aggregates")
	}
	input := fr.node
	if pos, ok := b.scalarPos(filter); ok && (fr.tvf != nil || a.windowed) {
		return nil, sql.Errorf(pos, "Scalar subqueries are not supported in the WHERE of a window aggregate")
	}
	if input, err = b.joinScalars(input, &filter); err != nil {
		return nil, err
	}
	if filter != nil {
		if fr.tvf != nil {
			for _, c := range expr.Columns(filter) {
				if c >= fr.tvf.first {
					return nil, sql.Errorf(sel.Where.ExprPos(), "filters on window columns before a window aggregate are not supported")
				}
			}
		}
	}
	// Pre-aggregate Calc: [time], keys..., agg args...
	var pre []expr.Expr
	var preFields []Field
	addPre := func(x expr.Expr, f Field) int {
		s := x.String()
		for i, p := range pre {
			if p.String() == s {
				return i
			}
		}
		pre = append(pre, x)
		preFields = append(preFields, f)
		return len(pre) - 1
	}
	preField := func(x expr.Expr) Field {
		if c, ok := x.(*expr.Col); ok {
			f := fr.sc.fields[c.Idx]
			f.Qual = ""
			return f
		}
		return Field{Name: fmt.Sprintf("$f%d", len(pre)), Type: x.Type()}
	}
	tIdx, startIdx := -1, -1
	if p := a.attached; p != nil {
		// The window's bounds, then the keys and arguments.
		bound := func(i int) int {
			f := fr.sc.fields[i]
			return addPre(&expr.Col{Idx: i, T: f.Type, Name: f.Name}, Field{Name: f.Name, Type: f.Type})
		}
		startIdx, tIdx = bound(p.start), bound(p.end)
	} else if a.windowed {
		tf := fr.sc.fields[timeCol]
		tIdx = addPre(&expr.Col{Idx: timeCol, T: tf.Type, Name: tf.Name}, Field{Name: tf.Name, Type: tf.Type, Rowtime: !proctime, Proctime: proctime})
	}
	// Keys that grouping sets may set to NULL get columns of their own, so
	// that aggregates and the time column keep their values.
	plainKeys := len(a.keys)
	if a.grouping.expand() {
		plainKeys = a.grouping.first
	}
	keyIdx := make([]int, len(a.keys))
	for i, k := range a.keys[:plainKeys] {
		keyIdx[i] = addPre(k, preField(k))
	}
	calls := make([]engine.AggCall, len(a.aggs))
	aggNames := make([]string, len(a.aggs))
	for i, it := range a.aggs {
		arg := -1
		if it.arg != nil {
			arg = addPre(it.arg, preField(it.arg))
		}
		calls[i] = engine.AggCall{Func: it.fn, Arg: arg}
		if it.filter != nil {
			calls[i].HasFilter, calls[i].Filter = true, addPre(it.filter, preField(it.filter))
		}
		aggNames[i] = it.name
	}
	for i, k := range a.keys[plainKeys:] {
		f := preField(k)
		f.Rowtime, f.Proctime = false, false
		for _, pf := range preFields {
			if pf.Name == f.Name {
				f.Name += "_0"
				break
			}
		}
		keyIdx[plainKeys+i] = len(pre)
		pre = append(pre, k)
		preFields = append(preFields, f)
	}
	var preNode Node = &Calc{Input: input, Filter: filter, Projects: pre, fields: preFields}
	if len(pre) == 0 {
		// COUNT(*) without keys still needs a row to count.
		pre = append(pre, expr.NewConst(types.BoolV(true), types.TBool))
		preNode = &Calc{Input: input, Filter: filter, Projects: pre, fields: []Field{{Name: "$f0", Type: types.TBool}}}
	}
	if g := a.grouping; g.expand() {
		ex := &Expand{Input: preNode, Keys: keyIdx[g.first:]}
		for _, set := range g.sets {
			cols := make([]int, len(set))
			for i, k := range set {
				cols[i] = keyIdx[k]
			}
			ex.Sets = append(ex.Sets, cols)
		}
		ex.fields = append([]Field(nil), preNode.Fields()...)
		for _, k := range ex.Keys {
			ex.fields[k].Type = ex.fields[k].Type.Nullable()
		}
		ex.fields = append(ex.fields, Field{Name: "$e", Type: types.Type{Kind: types.BigInt, NotNull: true}})
		keyIdx = append(keyIdx, len(ex.fields)-1)
		preNode = ex
	}
	var aggNode Node
	if a.windowed {
		wa := &WindowAggregate{Input: preNode, Window: *window, TimeCol: tIdx, Keys: keyIdx, Aggs: calls, AggNames: aggNames, Proctime: proctime, fields: out.fields,
			Attached: a.attached != nil, StartCol: startIdx}
		if a.legacy != nil {
			wa.Strategy = a.legacy.emit
		}
		if wa.Emit = b.rules.WindowEmit; wa.Emit != engine.EmitOnWatermark {
			// Stream-time windows: a grace period, and EMIT FINAL.
			wa.Grace = b.rules.WindowGrace.Microseconds()
			if sel.Emit == sql.EmitFinal {
				wa.Emit = engine.EmitFinal
			}
			if sel.Window != nil && sel.Window.Grace >= 0 {
				wa.Grace = sel.Window.Grace * types.MicrosPerMilli
			}
			if wa.Emit == engine.EmitFinal && window.Kind != engine.Session {
				// Kafka Streams keeps a window's state for size + grace
				// (or the RETENTION given, if longer) past its start.
				wa.Retention = window.Size + wa.Grace
				if sel.Window != nil && sel.Window.Retention > 0 {
					wa.Retention = max(wa.Retention, sel.Window.Retention*types.MicrosPerMilli)
				}
			}
		}
		aggNode = wa
	} else {
		ga := &GroupAggregate{Input: preNode, Keys: keyIdx, Aggs: calls, AggNames: aggNames, fields: out.fields}
		ga.Emit, ga.NullKeys = b.rules.GroupEmit, b.rules.NullKeys
		ga.DropDeletes = b.rules.StreamTombstones == dialect.TombstonesIgnored && !isTableInput(fr)
		// Batch mode: SELECT COUNT(*) FROM empty gives one row, 0, as in
		// Flink (a stream's global aggregate waits for its first row).
		if m, _ := b.p.Setting("execution.runtime-mode"); len(keyIdx) == 0 && strings.EqualFold(m, "batch") {
			ga.OverEmpty = true
		}
		aggNode = ga
	}
	xs := []*expr.Expr{&having}
	for i := range projects {
		xs = append(xs, &projects[i])
	}
	if aggNode, err = b.joinScalars(aggNode, xs...); err != nil {
		return nil, err
	}
	return &Calc{Input: aggNode, Filter: having, Projects: projects, fields: fields}, nil
}

// bindGroupBy binds GROUP BY: the grouping keys (GROUPING SETS, ROLLUP and
// CUBE among them) and the window the aggregate runs in — a window TVF's
// (its window_start and window_end must be grouped), a legacy group
// window's (GROUP BY TUMBLE(ts, ...)) or ksqlDB's WINDOW clause — with the
// input column of its time (-1 without a window).
func (b *binder) bindGroupBy(sel *sql.Select, fr *fromResult) (*aggCtx, *engine.Window, int, error) {
	a := &aggCtx{input: fr.sc, windowCols: map[int]int{}}
	var legacyWin *engine.Window
	timeCol := -1
	in := &exprBinder{b: b, sc: fr.sc}
	var windowKeys []int
	var groupingSets []*sql.GroupingSets
	for _, g := range sel.GroupBy {
		if gs, ok := g.(*sql.GroupingSets); ok {
			groupingSets = append(groupingSets, gs)
			continue
		}
		if c, ok := g.(*sql.Call); ok {
			switch up := strings.ToUpper(c.Name); up {
			case "TUMBLE", "HOP", "SESSION":
				if legacyWin != nil {
					return nil, nil, 0, sql.Errorf(c.Pos, "Only one group window is allowed")
				}
				w, tc, err := b.legacyWindow(c, fr.sc)
				if err != nil {
					return nil, nil, 0, err
				}
				legacyWin, timeCol = &w, tc
				a.legacy = &legacyWindow{kind: up, timeCol: tc}
				if a.legacy.emit, err = b.p.groupWindowEmit(up, fr.sc.fields[tc].Proctime, c.Pos); err != nil {
					return nil, nil, 0, err
				}
				continue
			}
		}
		x, err := in.bind(g)
		if err != nil {
			return nil, nil, 0, err
		}
		if col, ok := x.(*expr.Col); ok && fr.tvf != nil && col.Idx >= fr.tvf.first {
			windowKeys = append(windowKeys, col.Idx-fr.tvf.first)
			a.windowCols[col.Idx] = col.Idx - fr.tvf.first
			continue
		}
		a.keys = append(a.keys, x)
		a.keyStrs = append(a.keyStrs, x.String())
	}
	window := legacyWin
	if fr.tvf == nil && legacyWin == nil && sel.Window == nil && b.rules.WindowEmit == engine.EmitOnWatermark {
		window = attachWindow(fr, a)
	}
	if len(groupingSets) > 0 {
		if err := b.bindGroupingSets(groupingSets, a, in, fr); err != nil {
			return nil, nil, 0, err
		}
	}
	if sel.Window != nil {
		w, err := ksqlWindow(sel.Window)
		if err != nil {
			return nil, nil, 0, err
		}
		window = &w
		timeCol = -1
		for i, f := range fr.sc.fields {
			if f.Name == colEventTime {
				timeCol = i
			}
		}
		if timeCol < 0 {
			return nil, nil, 0, sql.Errorf(sel.Window.Pos, "WINDOW needs a stream or table as input")
		}
		a.ksqlWindow = true
		a.joinInput = fr.join != nil
	}
	if fr.tvf != nil {
		hasStart, hasEnd := false, false
		for _, k := range windowKeys {
			hasStart = hasStart || k == 0
			hasEnd = hasEnd || k == 1
		}
		if !hasStart || !hasEnd {
			if fr.tvf.window.Kind == engine.Session {
				return nil, nil, 0, sql.Errorf(sel.Pos, "Window aggregation over a window TVF must GROUP BY both window_start and window_end")
			}
			// Not a window aggregation: as Flink falls back, a regular
			// aggregation over the window TVF's rows.
			fr.node = materializeTVF(fr)
			fr.tvf = nil
			return b.bindGroupBy(sel, fr)
		}
		w := fr.tvf.window
		window = &w
		timeCol = fr.tvf.timeCol
	}
	if window != nil {
		if window.Kind == engine.Session && fr.tvf != nil {
			// SESSION(TABLE t PARTITION BY k, ...): the partition keys must be
			// grouped, as Flink requires.
			if tvf, ok := sel.From.(*sql.WindowTVF); ok {
				for _, pk := range tvf.PartitionBy {
					found := false
					for _, ks := range a.keyStrs {
						if ks == pk {
							found = true
						}
					}
					if !found {
						return nil, nil, 0, sql.Errorf(tvf.Pos, "SESSION window partition key '%s' must be in GROUP BY", pk)
					}
				}
			}
		}
		a.windowed = true
		// window_start/window_end also resolve when they come from the TVF scope
		for i := 0; fr.tvf != nil && i < 3; i++ {
			a.windowCols[fr.tvf.first+i] = i
		}
	}
	return a, window, timeCol, nil
}

// attachWindow makes a GROUP BY over the output of an event-time window
// operator (a window aggregate, window join, window Top-N or
// deduplication, or a window TVF read through a subquery) a window
// aggregate when it groups by both the input's window_start and
// window_end, renamed or not, as Flink plans it (cascading window
// aggregation, Flink's window-attached windowing): the bounds leave the
// keys, each row is aggregated in the window it carries, and the result
// is emitted once per window when the watermark passes its end. A grouped
// window_time is the aggregate's window_time. Other GROUP BY keys stay
// keys. Session windows are not attached (nil: not such a GROUP BY).
func attachWindow(fr *fromResult, a *aggCtx) *engine.Window {
	p, ok := windowPropsOf(fr.node)
	if !ok || p.window.Kind == engine.Session {
		return nil
	}
	isCol := func(k expr.Expr, i int) bool {
		c, ok := k.(*expr.Col)
		return ok && i >= 0 && c.Idx == i
	}
	start, end := false, false
	for _, k := range a.keys {
		start = start || isCol(k, p.start)
		end = end || isCol(k, p.end)
	}
	if !start || !end {
		return nil
	}
	var keys []expr.Expr
	var strs []string
	for i, k := range a.keys {
		switch {
		case isCol(k, p.start):
			a.windowCols[p.start] = 0
		case isCol(k, p.end):
			a.windowCols[p.end] = 1
		case isCol(k, p.time):
			a.windowCols[p.time] = 2
		default:
			keys, strs = append(keys, k), append(strs, a.keyStrs[i])
		}
	}
	a.keys, a.keyStrs, a.attached = keys, strs, &p
	return &p.window
}

// maxGroupingSets bounds the sets GROUPING SETS, ROLLUP and CUBE expand to.
const maxGroupingSets = 4096

// expandGroupingSets turns GROUPING SETS, ROLLUP and CUBE items into the
// list of sets they stand for: the cross product of the items' sets.
func expandGroupingSets(items []*sql.GroupingSets) ([][]sql.Expr, error) {
	sets := [][]sql.Expr{{}}
	for _, it := range items {
		its, err := groupingSetsOf(it)
		if err != nil {
			return nil, err
		}
		if len(sets)*len(its) > maxGroupingSets {
			return nil, sql.Errorf(it.Pos, "too many grouping sets (more than %d)", maxGroupingSets)
		}
		var next [][]sql.Expr
		for _, a := range sets {
			for _, b := range its {
				next = append(next, append(append([]sql.Expr(nil), a...), b...))
			}
		}
		sets = next
	}
	return sets, nil
}

// groupingSetsOf expands one GROUPING SETS, ROLLUP or CUBE.
func groupingSetsOf(g *sql.GroupingSets) ([][]sql.Expr, error) {
	n := len(g.Sets)
	concat := func(elems [][]sql.Expr) []sql.Expr {
		out := []sql.Expr{}
		for _, e := range elems {
			out = append(out, e...)
		}
		return out
	}
	switch g.Kind {
	case "ROLLUP":
		var out [][]sql.Expr
		for k := n; k >= 0; k-- {
			out = append(out, concat(g.Sets[:k]))
		}
		return out, nil
	case "CUBE":
		if n > 12 {
			return nil, sql.Errorf(g.Pos, "CUBE of more than 12 elements is not supported")
		}
		var out [][]sql.Expr
		// The full set first, the empty set last; the last element is
		// dropped first.
		for mask := 0; mask < 1<<n; mask++ {
			var elems [][]sql.Expr
			for i := 0; i < n; i++ {
				if mask&(1<<(n-1-i)) == 0 {
					elems = append(elems, g.Sets[i])
				}
			}
			out = append(out, concat(elems))
		}
		return out, nil
	}
	var out [][]sql.Expr
	for _, set := range g.Sets {
		if len(set) == 1 {
			if nested, ok := set[0].(*sql.GroupingSets); ok {
				sub, err := groupingSetsOf(nested)
				if err != nil {
					return nil, err
				}
				out = append(out, sub...)
				continue
			}
		}
		out = append(out, set)
	}
	return out, nil
}

// bindGroupingSets binds the GROUPING SETS, ROLLUP and CUBE items of GROUP
// BY: their expressions become keys after the plain ones, and each set
// records which of them it holds.
func (b *binder) bindGroupingSets(items []*sql.GroupingSets, a *aggCtx, in *exprBinder, fr *fromResult) error {
	if msg, no := b.rules.Refuses(dialect.FeatureGroupingSets); no {
		return sql.Errorf(items[0].Pos, "%s", msg)
	}
	if a.legacy != nil {
		return sql.Errorf(items[0].Pos, "%s cannot be combined with a group window function (%s); use a window TVF", items[0].Kind, a.legacy.kind)
	}
	sets, err := expandGroupingSets(items)
	if err != nil {
		return err
	}
	g := &groupingInfo{first: len(a.keys), sets: make([][]int, len(sets))}
	for si, set := range sets {
		for _, e := range set {
			x, err := in.bind(e)
			if err != nil {
				return err
			}
			if containsAggregate(e) {
				return sql.Errorf(e.ExprPos(), "Aggregate functions are not allowed in GROUP BY")
			}
			if col, ok := x.(*expr.Col); ok && fr.tvf != nil && col.Idx >= fr.tvf.first {
				return sql.Errorf(e.ExprPos(), "%s must be in GROUP BY itself, not in %s", fr.sc.fields[col.Idx].Name, items[0].Kind)
			}
			k := -1
			for i, ks := range a.keyStrs {
				if ks == x.String() {
					k = i
				}
			}
			if k < 0 {
				a.keys = append(a.keys, x)
				a.keyStrs = append(a.keyStrs, x.String())
				k = len(a.keys) - 1
			}
			if k >= g.first && !hasCol(g.sets[si], k) {
				g.sets[si] = append(g.sets[si], k)
			}
		}
	}
	a.grouping = g
	return nil
}

// legacyWindow reads GROUP BY TUMBLE(ts, INTERVAL ...), HOP(ts, slide, size),
// SESSION(ts, gap).
func (b *binder) legacyWindow(c *sql.Call, sc *scope) (engine.Window, int, error) {
	var w engine.Window
	name := strings.ToUpper(c.Name)
	want := map[string]int{"TUMBLE": 2, "HOP": 3, "SESSION": 2}[name]
	if len(c.Args) < want {
		return w, 0, sql.Errorf(c.Pos, "Invalid number of arguments to function '%s'", name)
	}
	eb := &exprBinder{b: b, sc: sc}
	t, err := eb.bind(c.Args[0])
	if err != nil {
		return w, 0, err
	}
	col, ok := t.(*expr.Col)
	if !ok || !(sc.fields[col.Idx].Rowtime || sc.fields[col.Idx].Proctime) {
		return w, 0, sql.Errorf(c.Args[0].ExprPos(), "Window can only be defined on a time attribute column, but is type of %s", t.Type())
	}
	var durs []int64
	for _, a := range c.Args[1:] {
		x, err := eb.bind(a)
		if err != nil {
			return w, 0, err
		}
		k, ok := x.(*expr.Const)
		if !ok || k.T.Kind != types.IntervalDayTime || k.V.I <= 0 {
			return w, 0, sql.Errorf(a.ExprPos(), "%s window arguments must be positive INTERVAL literals", name)
		}
		durs = append(durs, k.V.I)
	}
	switch name {
	case "TUMBLE":
		w = engine.Window{Kind: engine.Tumble, Size: durs[0]}
	case "HOP":
		w = engine.Window{Kind: engine.Hop, Slide: durs[0], Size: durs[1]}
	case "SESSION":
		w = engine.Window{Kind: engine.Session, Gap: durs[0]}
	}
	return w, col.Idx, nil
}
