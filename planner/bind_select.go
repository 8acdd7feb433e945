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

// binder binds one statement's queries. Clauses are bound in this order:
// FROM, WHERE, GROUP BY, select list (collecting aggregates), HAVING.
type binder struct {
	p *Planner
	// d is the statement's dialect and rules its named behaviours: the
	// binder reads what differs between dialects there.
	d              dialect.Dialect
	rules          *dialect.Rules
	env            *expr.Env
	pendingAggName string
	usedNames      map[string]bool
	// viewDepth guards against views that refer to themselves.
	viewDepth int
	// names hands out generated column names (dialect.ColumnName).
	names *dialect.Names
	// overCols maps the ROW_NUMBER() OVER call of the select list being
	// bound to its column (see bindRanked).
	overCols map[*sql.Call]int
	// ksql holds what binding ksqlDB's joins, table functions and lambdas
	// needs (ksql_join.go).
	ksql ksqlState
}

func newBinder(p *Planner) *binder {
	used := map[string]bool{}
	return &binder{p: p, d: p.Dialect, rules: p.Dialect.Rules(), env: p.env(), usedNames: used, names: dialect.NewNames(used)}
}

// special handles functions that are not plain scalar functions.
func (b *binder) special(name string, args []expr.Expr, n *sql.Call) (func() (expr.Expr, error), bool) {
	return b.tableFunctionCol(n)
}

// fromResult is what binding a FROM clause gives.
type fromResult struct {
	node Node
	sc   *scope
	// tvf is set when FROM is a window TVF: node is the TVF's input and
	// the scope holds the input fields followed by window_start,
	// window_end, window_time.
	tvf *tvfInfo
	// table is the catalog table read, when FROM is one (for a join: the
	// left input's).
	table *Table
	// join is set when FROM is a join; tableResult when its result is a
	// ksqlDB table (table-table join).
	join        *JoinNode
	tableResult bool
}

type tvfInfo struct {
	window   engine.Window
	timeCol  int
	first    int  // index of window_start in the scope
	proctime bool // windows of a processing-time attribute
}

func qualify(fs []Field, qual string) []Field {
	out := make([]Field, len(fs))
	for i, f := range fs {
		f.Qual = qual
		out[i] = f
	}
	return out
}

func (b *binder) bindFrom(f sql.From) (*fromResult, error) {
	switch n := f.(type) {
	case *sql.TableRef:
		return b.bindTableRef(n)
	case *sql.Subquery:
		node, err := b.bindSelect(n.Query)
		if err != nil {
			return nil, err
		}
		fs := node.Fields()
		if n.Alias != "" {
			fs = qualify(fs, n.Alias)
			node = &renamed{Node: node, fields: fs}
		}
		return &fromResult{node: node, sc: &scope{fields: fs}}, nil
	case *sql.WindowTVF:
		return b.bindTVF(n)
	case *sql.Join:
		return b.bindJoin(n)
	case *sql.Values:
		return b.bindInlineValues(n)
	}
	return nil, fmt.Errorf("unsupported FROM item %T", f)
}

// bindInlineValues binds (VALUES (..), ..) [AS] t [(c1, c2, ..)] in FROM: a
// bounded scan of constant rows whose columns are EXPR$0.. unless named.
func (b *binder) bindInlineValues(n *sql.Values) (*fromResult, error) {
	node, err := b.bindValues(n.Rows)
	if err != nil {
		return nil, wrapErr(err, n.Pos)
	}
	fs := append([]Field(nil), node.Fields()...)
	if n.Columns != nil {
		if len(n.Columns) != len(fs) {
			return nil, sql.Errorf(n.Pos, "List of column aliases must have same degree as table; table has %d columns, whereas alias list has %d columns", len(fs), len(n.Columns))
		}
		for i, c := range n.Columns {
			fs[i].Name = c
		}
	}
	if n.Alias != "" {
		fs = qualify(fs, n.Alias)
	}
	return &fromResult{node: &renamed{Node: node, fields: fs}, sc: &scope{fields: fs}}, nil
}

func joinPos(j *sql.Join) sql.Pos {
	if t, ok := j.Right.(*sql.TableRef); ok {
		return t.Name.Pos
	}
	return sql.Pos{Line: 1, Col: 1}
}

// renamed re-qualifies a node's fields (subquery and view aliases).
type renamed struct {
	Node
	fields []Field
}

func (r *renamed) Fields() []Field { return r.fields }

func (b *binder) lookupTable(name sql.Name) (*Table, error) {
	t, ok := b.p.Catalog.Lookup(name.Last(), b.rules.CaseInsensitive)
	if !ok {
		return nil, sql.Errorf(name.Pos, b.rules.Messages.UnknownTable, name.Last())
	}
	return t, nil
}

func (b *binder) bindTableRef(n *sql.TableRef) (*fromResult, error) {
	t, err := b.lookupTable(n.Name)
	if err != nil {
		return nil, err
	}
	qual := t.Name
	if n.Alias != "" {
		qual = n.Alias
	}
	if n.Options != nil {
		if t, err = b.hintedTable(t, n); err != nil {
			return nil, err
		}
	}
	if t.Kind == sql.KindView {
		if b.viewDepth > 16 {
			return nil, sql.Errorf(n.Name.Pos, "view %s refers to itself", t.Name)
		}
		b.viewDepth++
		node, err := b.bindSelect(t.View)
		b.viewDepth--
		if err != nil {
			return nil, fmt.Errorf("in view %s: %w", t.Name, err)
		}
		fs := qualify(node.Fields(), qual)
		// The view's own column names (CREATE VIEW v (a, b) AS ...).
		for i := range fs {
			if i < len(t.Columns) {
				fs[i].Name = t.Columns[i].Name
			}
		}
		return &fromResult{node: &renamed{Node: node, fields: fs}, sc: &scope{fields: fs}}, nil
	}
	if t.KSQL != nil {
		node, err := b.ksqlScan(t, qual)
		if err != nil {
			return nil, err
		}
		return &fromResult{node: node, sc: &scope{fields: node.Fields()}, table: t}, nil
	}
	node, err := b.scan(t, qual)
	if err != nil {
		return nil, err
	}
	node = b.normalizeUpsert(t, scanOf(node), node)
	return &fromResult{node: node, sc: &scope{fields: node.Fields()}, table: t}, nil
}

// hintedTable applies a dynamic table options hint (t /*+ OPTIONS(...)
// */): a copy of the table whose options the hint's override, checked
// as the table's are. Views take no options.
func (b *binder) hintedTable(t *Table, n *sql.TableRef) (*Table, error) {
	if msg, no := b.rules.Refuses(dialect.FeatureTableHints); no {
		return nil, sql.Errorf(n.HintPos, "%s", msg)
	}
	if t.Kind == sql.KindView {
		return nil, sql.Errorf(n.HintPos, "View '%s' cannot be enriched with new options. Hints can only be applied to tables.", qualified(t.Name))
	}
	h := *t
	h.Options = make(map[string]string, len(t.Options)+len(n.Options))
	for k, v := range t.Options {
		h.Options[k] = v
	}
	h.OptionKeys = append([]string(nil), t.OptionKeys...)
	for _, o := range n.Options {
		if _, ok := h.Options[o.Key]; !ok {
			h.OptionKeys = append(h.OptionKeys, o.Key)
		}
		h.Options[o.Key] = o.Value
		h.Hints = append(h.Hints, o)
	}
	c, err := b.p.Registry.Lookup(h.Connector())
	if err != nil {
		return nil, sql.Errorf(n.HintPos, "Could not find any factory for identifier '%s' that implements DynamicTableFactory: %v", h.Connector(), err)
	}
	if len(c.Options) > 0 {
		for _, o := range n.Options {
			if o.Key != "connector" && !c.AcceptsOption(o.Key) {
				return nil, sql.Errorf(o.Pos, "%s", unsupportedOptions(h.Connector(), []string{o.Key}))
			}
		}
	}
	h.OptionsErr = nil
	if c.Validate != nil {
		if err := c.Validate(b.p.tableSpec(&h, nil)); err != nil {
			return nil, sql.Errorf(n.HintPos, "Invalid options for table '%s': %v", h.Name, err)
		}
	}
	return &h, nil
}

// scan builds TableSourceScan (+ WatermarkAssigner) for a table.
func (b *binder) scan(t *Table, qual string) (Node, error) {
	s := &Scan{Table: t, Alias: qual}
	var phys []Field
	for _, c := range t.Columns {
		if c.Kind != sql.Computed {
			phys = append(phys, Field{Name: c.Name, Qual: qual, Type: c.Type})
		}
	}
	hasComputed := len(phys) != len(t.Columns)
	physScope := &scope{fields: phys}
	pi := 0
	for _, c := range t.Columns {
		f := Field{Name: c.Name, Qual: qual, Type: c.Type}
		if c.Kind == sql.Computed {
			eb := &exprBinder{b: b, sc: physScope}
			x, err := eb.bind(c.Expr)
			if err != nil {
				return nil, err
			}
			if call, ok := x.(*expr.Call); ok && call.Name == "PROCTIME" {
				f.Proctime = true
			}
			f.Type = x.Type()
			s.Prep = append(s.Prep, x)
		} else {
			s.Prep = append(s.Prep, &expr.Col{Idx: pi, T: c.Type, Name: c.Name})
			pi++
		}
		s.fields = append(s.fields, f)
	}
	if !hasComputed {
		s.Prep = nil
	}
	if t.Watermark == nil {
		return s, nil
	}
	sc := &scope{fields: s.fields}
	idx, err := sc.resolve([]string{t.Watermark.Column}, sql.Pos{Line: 1, Col: 1}, b.rules.CaseInsensitive)
	if err != nil {
		return nil, err
	}
	eb := &exprBinder{b: b, sc: sc}
	wm, err := eb.bind(t.Watermark.Expr)
	if err != nil {
		return nil, err
	}
	s.fields[idx].Rowtime = true
	return &WatermarkAssigner{Input: s, Rowtime: idx, Expr: wm}, nil
}

func (b *binder) bindTVF(n *sql.WindowTVF) (*fromResult, error) {
	in, err := b.bindFrom(n.Input)
	if err != nil {
		return nil, err
	}
	if in.tvf != nil {
		return nil, sql.Errorf(n.Pos, "window TVFs cannot be nested")
	}
	timeCol, err := in.sc.resolve([]string{n.Descriptor}, n.DescPos, b.rules.CaseInsensitive)
	if err != nil {
		return nil, err
	}
	tf := in.sc.fields[timeCol]
	if !tf.Rowtime && !tf.Proctime {
		return nil, sql.Errorf(n.DescPos, "The window function requires the timecol is a time attribute type, but is %s.", tf.Type)
	}
	eb := &exprBinder{b: b, sc: &scope{}}
	var durs []int64
	for _, a := range n.Args {
		x, err := eb.bind(a)
		if err != nil {
			return nil, err
		}
		c, ok := x.(*expr.Const)
		if !ok || c.T.Kind != types.IntervalDayTime {
			return nil, sql.Errorf(a.ExprPos(), "%s window arguments must be INTERVAL DAY TO SECOND literals", n.Func)
		}
		if c.V.I <= 0 && len(durs) < 2 {
			return nil, sql.Errorf(a.ExprPos(), "%s window size must be positive", n.Func)
		}
		durs = append(durs, c.V.I)
	}
	var w engine.Window
	need := func(k int) error {
		if len(durs) < k {
			return sql.Errorf(n.Pos, "Invalid number of arguments to %s window", n.Func)
		}
		return nil
	}
	switch strings.ToUpper(n.Func) {
	case "TUMBLE":
		if err := need(1); err != nil {
			return nil, err
		}
		w = engine.Window{Kind: engine.Tumble, Size: durs[0]}
		if len(durs) > 1 {
			w.Offset = durs[1]
		}
	case "HOP":
		if err := need(2); err != nil {
			return nil, err
		}
		w = engine.Window{Kind: engine.Hop, Slide: durs[0], Size: durs[1]}
		if w.Size%w.Slide != 0 {
			return nil, sql.Errorf(n.Pos, "HOP table function based aggregate requires size must be an integral multiple of slide, but got size %d ms and slide %d ms", w.Size/1000, w.Slide/1000)
		}
		if len(durs) > 2 {
			w.Offset = durs[2]
		}
	case "CUMULATE":
		if err := need(2); err != nil {
			return nil, err
		}
		w = engine.Window{Kind: engine.Cumulate, Step: durs[0], Size: durs[1]}
		if w.Size%w.Step != 0 {
			return nil, sql.Errorf(n.Pos, "CUMULATE table function based aggregate requires maxSize must be an integral multiple of step")
		}
	case "SESSION":
		if err := need(1); err != nil {
			return nil, err
		}
		w = engine.Window{Kind: engine.Session, Gap: durs[0]}
	default:
		return nil, sql.Errorf(n.Pos, "unknown window function %s", n.Func)
	}
	wt := types.Type{Kind: types.Timestamp, Precision: 3, NotNull: true}
	timeT := wt
	if tf.Type.Kind == types.TimestampLTZ {
		timeT.Kind = types.TimestampLTZ
	}
	qual := n.Alias
	fields := append([]Field(nil), in.sc.fields...)
	for i := range fields {
		fields[i].Rowtime = false
		if qual != "" {
			fields[i].Qual = qual
		}
	}
	first := len(fields)
	fields = append(fields,
		Field{Name: "window_start", Qual: qual, Type: wt},
		Field{Name: "window_end", Qual: qual, Type: wt},
		Field{Name: "window_time", Qual: qual, Type: timeT, Rowtime: !tf.Proctime, Proctime: tf.Proctime})
	if tf.Proctime && w.Kind == engine.Session {
		return nil, sql.Errorf(n.DescPos, "SESSION windows over a processing-time attribute are not supported; use TUMBLE, HOP or CUMULATE")
	}
	return &fromResult{node: in.node, sc: &scope{fields: fields}, tvf: &tvfInfo{window: w, timeCol: timeCol, first: first, proctime: tf.Proctime}}, nil
}

// materializeTVF turns a TVF FROM into a WindowTableFunction node (no
// aggregation follows).
func materializeTVF(fr *fromResult) Node {
	return &WindowTableFunction{Input: fr.node, Window: fr.tvf.window, TimeCol: fr.tvf.timeCol, Proctime: fr.tvf.proctime, fields: fr.sc.fields}
}

func (b *binder) isAggQuery(sel *sql.Select) bool {
	if len(sel.GroupBy) > 0 || sel.Having != nil {
		return true
	}
	for _, it := range sel.Items {
		if it.Expr != nil && containsAggregate(it.Expr) {
			return true
		}
	}
	return false
}

// bindSelect binds a query into a plan.
func (b *binder) bindSelect(sel *sql.Select) (Node, error) {
	if len(sel.UnionAll) > 0 {
		return b.bindUnion(sel)
	}
	if sel.From == nil {
		return b.bindFromless(sel)
	}
	fr, err := b.bindFrom(sel.From)
	if err != nil {
		return nil, err
	}
	if sel.Where != nil && containsSubquery(sel.Where) {
		if sel, fr, err = b.bindSubqueryConds(sel, fr); err != nil {
			return nil, err
		}
	}
	if calls := overCalls(sel); len(calls) > 0 {
		return b.bindRanked(sel, fr, calls)
	}
	if b.isAggQuery(sel) {
		return b.bindAggregate(sel, fr)
	}
	node := fr.node
	if fr.tvf != nil {
		node = materializeTVF(fr)
	}
	var filter expr.Expr
	if sel.Where != nil {
		eb := &exprBinder{b: b, sc: fr.sc}
		if filter, err = eb.bind(sel.Where); err != nil {
			return nil, err
		}
		if err := wantBool(filter, sel.Where.ExprPos(), "WHERE"); err != nil {
			return nil, err
		}
	}
	projects, fields, err := b.bindItems(sel, fr.sc, nil)
	if err != nil {
		return nil, err
	}
	calc := &Calc{Input: node, Filter: filter, Projects: projects, fields: fields}
	if sel.Distinct {
		return b.distinct(calc), nil
	}
	return calc, nil
}

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
		return sql.Errorf(c.Pos, "OVER windows of aggregates (%s(...) OVER (...)) are not supported; ROW_NUMBER() OVER (...) is, for Top-N and deduplication", name)
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
	node := fr.node
	if fr.tvf != nil {
		node = materializeTVF(fr)
	}
	in := fr.sc
	eb := &exprBinder{b: b, sc: in}
	var filter expr.Expr
	if sel.Where != nil {
		var err error
		if filter, err = eb.bind(sel.Where); err != nil {
			return nil, err
		}
		if err := wantBool(filter, sel.Where.ExprPos(), "WHERE"); err != nil {
			return nil, err
		}
	}
	// The rank's input: the FROM columns, then the PARTITION BY and ORDER
	// BY expressions that are not columns (hidden).
	pre := make([]expr.Expr, len(in.fields))
	preFields := append([]Field(nil), in.fields...)
	for i, f := range in.fields {
		pre[i] = &expr.Col{Idx: i, T: f.Type, Name: f.Name}
	}
	col := func(e sql.Expr) (int, error) {
		x, err := eb.bind(e)
		if err != nil {
			return -1, err
		}
		if cx, ok := x.(*expr.Col); ok {
			return cx.Idx, nil
		}
		s := x.String()
		for i := len(in.fields); i < len(pre); i++ {
			if pre[i].String() == s {
				return i, nil
			}
		}
		pre = append(pre, x)
		preFields = append(preFields, Field{Name: fmt.Sprintf("$%d", len(pre)-1), Type: x.Type(), Hidden: true})
		return len(pre) - 1, nil
	}
	var partition []int
	for _, e := range c.Over.PartitionBy {
		i, err := col(e)
		if err != nil {
			return nil, err
		}
		partition = append(partition, i)
	}
	var order []engine.SortKey
	for _, o := range c.Over.OrderBy {
		i, err := col(o.Expr)
		if err != nil {
			return nil, err
		}
		order = append(order, engine.SortKey{Col: i, Desc: o.Desc})
	}
	input := node
	if filter != nil || len(pre) > len(in.fields) {
		input = &Calc{Input: node, Filter: filter, Projects: pre, fields: preFields}
	}
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
	b.overCols = map[*sql.Call]int{c: rankCol}
	projects, outFields, err := b.bindItems(sel, &scope{fields: fields}, nil)
	b.overCols = nil
	if err != nil {
		return nil, err
	}
	calc := &Calc{Input: rank, Projects: projects, fields: outFields}
	if sel.Distinct {
		return b.distinct(calc), nil
	}
	return calc, nil
}

func hasCol(cols []int, c int) bool {
	for _, x := range cols {
		if x == c {
			return true
		}
	}
	return false
}

func (b *binder) bindFromless(sel *sql.Select) (Node, error) {
	sc := &scope{}
	projects, fields, err := b.bindItems(sel, sc, nil)
	if err != nil {
		return nil, err
	}
	row := make(types.Row, len(projects))
	for i, p := range projects {
		row[i] = p.Eval(nil)
	}
	values := &Scan{Table: &Table{Name: "values"}, Values: []types.Row{{}}}
	calc := &Calc{Input: values, Projects: projects, fields: fields}
	_ = row
	return calc, nil
}

func (b *binder) bindUnion(sel *sql.Select) (Node, error) {
	first := *sel
	first.UnionAll = nil
	n0, err := b.bindSelect(&first)
	if err != nil {
		return nil, err
	}
	u := &Union{Ins: []Node{n0}}
	for _, other := range sel.UnionAll {
		n, err := b.bindSelect(other)
		if err != nil {
			return nil, err
		}
		if len(n.Fields()) != len(n0.Fields()) {
			return nil, sql.Errorf(other.Pos, "Column count mismatch in UNION ALL")
		}
		u.Ins = append(u.Ins, n)
	}
	return u, nil
}

// distinct turns SELECT DISTINCT into a group aggregate over all columns.
func (b *binder) distinct(in Node) Node {
	fs := in.Fields()
	keys := make([]int, len(fs))
	out := make([]Field, len(fs))
	for i, f := range fs {
		keys[i] = i
		f.Rowtime = false
		out[i] = f
	}
	return &GroupAggregate{Input: in, Keys: keys, fields: out}
}

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
			return nil, nil, sql.Errorf(it.Pos, "Duplicate value columns found in schema: `%s`", name)
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

// bindAggregate binds GROUP BY queries: window aggregates (TVF or legacy
// group window) and unbounded group aggregates.
func (b *binder) bindAggregate(sel *sql.Select, fr *fromResult) (Node, error) {
	a := &aggCtx{input: fr.sc, windowCols: map[int]int{}}
	var legacyWin *engine.Window
	var timeCol = -1
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
					return nil, sql.Errorf(c.Pos, "Only one group window is allowed")
				}
				w, tc, err := b.legacyWindow(c, fr.sc)
				if err != nil {
					return nil, err
				}
				legacyWin, timeCol = &w, tc
				a.legacy = &legacyWindow{kind: up, timeCol: tc}
				continue
			}
		}
		x, err := in.bind(g)
		if err != nil {
			return nil, err
		}
		if col, ok := x.(*expr.Col); ok && fr.tvf != nil && col.Idx >= fr.tvf.first {
			windowKeys = append(windowKeys, col.Idx-fr.tvf.first)
			a.windowCols[col.Idx] = col.Idx - fr.tvf.first
			continue
		}
		a.keys = append(a.keys, x)
		a.keyStrs = append(a.keyStrs, x.String())
	}
	if len(groupingSets) > 0 {
		if err := b.bindGroupingSets(groupingSets, a, in, fr); err != nil {
			return nil, err
		}
	}
	window := legacyWin
	if sel.Window != nil {
		w, err := ksqlWindow(sel.Window)
		if err != nil {
			return nil, err
		}
		window = &w
		timeCol = -1
		for i, f := range fr.sc.fields {
			if f.Name == colEventTime {
				timeCol = i
			}
		}
		if timeCol < 0 {
			return nil, sql.Errorf(sel.Window.Pos, "WINDOW needs a stream or table as input")
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
			return nil, sql.Errorf(sel.Pos, "Window aggregation over a window TVF must GROUP BY both window_start and window_end")
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
						return nil, sql.Errorf(tvf.Pos, "SESSION window partition key '%s' must be in GROUP BY", pk)
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
		if fr.sc.fields[timeCol].Type.Kind == types.TimestampLTZ {
			tt.Kind = types.TimestampLTZ
		}
		proctime = fr.sc.fields[timeCol].Proctime
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
	var having expr.Expr
	if sel.Having != nil {
		eb := &exprBinder{b: b, sc: out, agg: a}
		if having, err = eb.bind(sel.Having); err != nil {
			return nil, err
		}
		if err := wantBool(having, sel.Having.ExprPos(), "HAVING"); err != nil {
			return nil, err
		}
	}
	// WHERE below the aggregate.
	var filter expr.Expr
	if sel.Where != nil {
		if containsAggregate(sel.Where) {
			return nil, sql.Errorf(sel.Where.ExprPos(), "Aggregate functions are not allowed in WHERE; use HAVING")
		}
		eb := &exprBinder{b: b, sc: fr.sc}
		if filter, err = eb.bind(sel.Where); err != nil {
			return nil, err
		}
		if err := wantBool(filter, sel.Where.ExprPos(), "WHERE"); err != nil {
			return nil, err
		}
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
	tIdx := -1
	if a.windowed {
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
	var preNode Node = &Calc{Input: fr.node, Filter: filter, Projects: pre, fields: preFields}
	if len(pre) == 0 {
		// COUNT(*) without keys still needs a row to count.
		pre = append(pre, expr.NewConst(types.BoolV(true), types.TBool))
		preNode = &Calc{Input: fr.node, Filter: filter, Projects: pre, fields: []Field{{Name: "$f0", Type: types.TBool}}}
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
		wa := &WindowAggregate{Input: preNode, Window: *window, TimeCol: tIdx, Keys: keyIdx, Aggs: calls, AggNames: aggNames, Proctime: proctime, fields: out.fields}
		if wa.Emit = b.rules.WindowEmit; wa.Emit != engine.EmitOnWatermark {
			// Stream-time windows: a grace period, and EMIT FINAL.
			wa.Grace = b.rules.WindowGrace.Microseconds()
			if sel.Emit == sql.EmitFinal {
				wa.Emit = engine.EmitFinal
			}
			if sel.Window != nil && sel.Window.Grace >= 0 {
				wa.Grace = sel.Window.Grace * types.MicrosPerMilli
			}
		}
		aggNode = wa
	} else {
		ga := &GroupAggregate{Input: preNode, Keys: keyIdx, Aggs: calls, AggNames: aggNames, fields: out.fields}
		ga.Emit, ga.NullKeys = b.rules.GroupEmit, b.rules.NullKeys
		ga.DropDeletes = b.rules.StreamTombstones == dialect.TombstonesIgnored && !isTableInput(fr)
		aggNode = ga
	}
	return &Calc{Input: aggNode, Filter: having, Projects: projects, fields: fields}, nil
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

func isTableInput(fr *fromResult) bool {
	if fr.join != nil {
		return fr.tableResult
	}
	return fr.table != nil && fr.table.Kind == sql.KindTable
}

// bindJoin binds left JOIN right ON cond: equality conjuncts between the
// two sides become the join keys, the rest a residual condition. Flink
// joins keep both sides (regular join); ksqlDB picks by input kind:
// stream-stream WITHIN (interval join), stream-table (lookup join),
// table-table (regular join on the keys).
func (b *binder) bindJoin(n *sql.Join) (*fromResult, error) {
	lf, err := b.bindFrom(n.Left)
	if err != nil {
		return nil, err
	}
	rf, err := b.bindFrom(n.Right)
	if err != nil {
		return nil, err
	}
	for _, fr := range []*fromResult{lf, rf} {
		if fr.tvf != nil {
			fr.node = materializeTVF(fr)
			fr.tvf = nil
		}
	}
	lw := len(lf.sc.fields)
	fields := append(append([]Field(nil), lf.sc.fields...), rf.sc.fields...)
	sc := &scope{fields: fields}
	pos := joinPos(n)
	var conjuncts []expr.Expr
	if n.On != nil {
		eb := &exprBinder{b: b, sc: sc}
		cond, err := eb.bind(n.On)
		if err != nil {
			return nil, err
		}
		if err := wantBool(cond, n.On.ExprPos(), "ON"); err != nil {
			return nil, err
		}
		conjuncts = splitAnd(cond)
	}
	for _, name := range n.Using {
		li, err := (&scope{fields: lf.sc.fields}).resolve([]string{name}, pos, b.rules.CaseInsensitive)
		if err != nil {
			return nil, err
		}
		ri, err := (&scope{fields: rf.sc.fields}).resolve([]string{name}, pos, b.rules.CaseInsensitive)
		if err != nil {
			return nil, err
		}
		eq, err := expr.NewCompare("=", &expr.Col{Idx: li, T: fields[li].Type, Name: fields[li].Name},
			&expr.Col{Idx: lw + ri, T: fields[lw+ri].Type, Name: fields[lw+ri].Name})
		if err != nil {
			return nil, wrapErr(err, pos)
		}
		conjuncts = append(conjuncts, eq)
	}
	byKind := b.rules.Joins == dialect.JoinsByInputKind
	j := &JoinNode{Left: lf.node, Right: rf.node, ByInputKind: byKind}
	switch strings.ToUpper(n.Type) {
	case "LEFT", "LEFT OUTER":
		j.Type = engine.LeftJoin
	case "RIGHT", "RIGHT OUTER":
		j.Type = engine.RightJoin
	case "FULL", "FULL OUTER", "OUTER":
		j.Type = engine.FullJoin
	}
	var residual []expr.Expr
	for _, c := range conjuncts {
		l, r, ok := equiSides(c, lw)
		if !ok {
			residual = append(residual, c)
			continue
		}
		j.LeftKeys = append(j.LeftKeys, l)
		j.RightKeys = append(j.RightKeys, shiftCols(r, -lw))
	}
	switch len(residual) {
	case 0:
	case 1:
		j.Cond = residual[0]
	default:
		j.Cond = &expr.And{Args: residual}
	}
	if ref, ok := n.Right.(*sql.TableRef); ok && ref.ForSystemTime != nil && !byKind {
		return b.bindTemporalJoin(n, ref, lf, rf, j, lw)
	}
	// Outer joins make the other side's columns nullable; time attributes
	// do not survive a regular join.
	for i := range fields {
		padded := (i < lw && (j.Type == engine.RightJoin || j.Type == engine.FullJoin)) ||
			(i >= lw && (j.Type == engine.LeftJoin || j.Type == engine.FullJoin))
		if padded {
			fields[i].Type = fields[i].Type.Nullable()
		}
		if !byKind {
			fields[i].Rowtime = false
		}
		fields[i].Key = false
	}
	fr := &fromResult{table: lf.table, join: j}
	if byKind {
		if err := b.ksqlJoinKind(n, j, lf, rf, fields, lw); err != nil {
			return nil, err
		}
		fr.tableResult = j.Kind == engine.RegularJoin
	}
	j.fields = fields
	fr.node = j
	if byKind {
		fr.node, fields = b.ksqlSyntheticKey(j, fields, lw)
	}
	fr.sc = &scope{fields: fields}
	return fr, nil
}

func splitAnd(e expr.Expr) []expr.Expr {
	if a, ok := e.(*expr.And); ok {
		var out []expr.Expr
		for _, x := range a.Args {
			out = append(out, splitAnd(x)...)
		}
		return out
	}
	return []expr.Expr{e}
}

// equiSides splits left = right where each side reads only one input.
func equiSides(e expr.Expr, lw int) (l, r expr.Expr, ok bool) {
	var a, b expr.Expr
	switch x := e.(type) {
	case *expr.Bin:
		if x.Op != "=" {
			return nil, nil, false
		}
		a, b = x.L, x.R
	default:
		// column = 'literal' and friends compile to other nodes; only
		// column = column pairs matter here.
		if s := e.String(); !strings.Contains(s, " = ") {
			return nil, nil, false
		}
		if c, ok := e.(*expr.Call); ok && len(c.Args) == 2 && c.Name == "=" {
			a, b = c.Args[0], c.Args[1]
		} else {
			return nil, nil, false
		}
	}
	side := func(x expr.Expr) int { // 0 left, 1 right, -1 both/none
		cols := expr.Columns(x)
		if len(cols) == 0 {
			return -1
		}
		s := -1
		for _, c := range cols {
			cs := 0
			if c >= lw {
				cs = 1
			}
			if s >= 0 && s != cs {
				return -1
			}
			s = cs
		}
		return s
	}
	sa, sb := side(a), side(b)
	switch {
	case sa == 0 && sb == 1:
		return a, b, true
	case sa == 1 && sb == 0:
		return b, a, true
	}
	return nil, nil, false
}

func shiftCols(e expr.Expr, d int) expr.Expr {
	return expr.Rewrite(e, func(x expr.Expr) expr.Expr {
		if c, ok := x.(*expr.Col); ok {
			return &expr.Col{Idx: c.Idx + d, T: c.T, Name: c.Name}
		}
		return x
	})
}

// ksqlJoinKind picks the ksqlDB join from the inputs' kinds and marks the
// join key columns.
func (b *binder) ksqlJoinKind(n *sql.Join, j *JoinNode, lf, rf *fromResult, fields []Field, lw int) error {
	pos := joinPos(n)
	lt, rt := isTableInput(lf), isTableInput(rf)
	if len(j.LeftKeys) == 0 {
		return sql.Errorf(pos, "Invalid join condition: joins must be on an equality of one column of each side, e.g. ON a.id = b.id")
	}
	switch {
	case !lt && !rt:
		if n.Within == nil {
			return sql.Errorf(pos, "Stream-Stream joins must have a WITHIN clause specified. None was provided. To learn about how to specify a WITHIN clause with a stream-stream join, please visit: https://docs.confluent.io/current/ksql/docs/syntax-reference.html#create-stream-as-select")
		}
		j.Kind = engine.IntervalJoin
		ms := int64(types.MicrosPerMilli)
		j.Before, j.After = n.Within.Before*ms, n.Within.After*ms
		j.Grace = b.rules.WindowGrace.Microseconds()
		if n.Within.Grace >= 0 {
			j.Grace = n.Within.Grace * ms
		} else {
			j.Eager = true // ksqlDB's joins without GRACE PERIOD
		}
		j.LeftTime, j.RightTime = -1, -1
		for i, f := range fields {
			if f.Name == colEventTime {
				if i < lw && j.LeftTime < 0 {
					j.LeftTime = i
				} else if i >= lw && j.RightTime < 0 {
					j.RightTime = i - lw
				}
			}
		}
		if j.LeftTime < 0 || j.RightTime < 0 {
			return sql.Errorf(pos, "stream-stream joins need two streams")
		}
	case !lt && rt:
		if j.Type == engine.RightJoin || j.Type == engine.FullJoin {
			return sql.Errorf(pos, "Invalid join type: full-outer join not supported for stream-table join. Got %s JOIN.", strings.ToUpper(n.Type))
		}
		if n.Within != nil {
			return sql.Errorf(pos, "A window definition was provided for a Stream-Table join. These joins are not windowed. Please drop the window definition (ie. the WITHIN clause) and try to re-run your join.")
		}
		j.Kind = engine.LookupJoin
	case lt && !rt:
		return sql.Errorf(pos, "Invalid join order: table-stream joins are not supported; only stream-table joins. Got %s JOIN %s.", sourceName(lf), sourceName(rf))
	default:
		j.Kind = engine.RegularJoin
		if n.Within != nil {
			return sql.Errorf(pos, "A window definition was provided for a Table-Table join. These joins are not windowed. Please drop the window definition (ie. the WITHIN clause) and try to re-run your join.")
		}
	}
	// The join keys are the result's key candidates.
	return b.ksqlJoinKeys(pos, j, lf, rf, fields, lw)
}

func sourceName(fr *fromResult) string {
	if fr.table != nil {
		return fr.table.Name
	}
	return "?"
}
