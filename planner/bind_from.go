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

// FROM: tables and views (with their scans and watermarks), subqueries,
// inline VALUES, window TVFs; joins are in bind_join.go.

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
	id, err := b.objectID(name)
	if err != nil {
		return nil, err
	}
	t, ok := b.p.Catalog.FindFold(id, b.rules.CaseInsensitive)
	if !ok {
		return nil, notFoundWithin(name, b.rules.Messages.UnknownTable)
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
		// Names the view's query leaves unqualified are those of the
		// database that was current when it was created.
		outer := b.path
		b.path = t.ViewPath
		node, err := b.bindSelect(t.View)
		b.path = outer
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
		return nil, sql.Errorf(n.HintPos, "View '%s' cannot be enriched with new options. Hints can only be applied to tables.", t.ID().Quoted())
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

func isTableInput(fr *fromResult) bool {
	if fr.join != nil {
		return fr.tableResult
	}
	return fr.table != nil && fr.table.Kind == sql.KindTable
}

func sourceName(fr *fromResult) string {
	if fr.table != nil {
		return fr.table.Name
	}
	return "?"
}

// objectID is the full name of a table the query names: the parts it
// leaves out are those of the current database (the planner's, or that of
// the view being bound).
func (b *binder) objectID(n sql.Name) (ObjectID, error) {
	if b.path == (Path{}) {
		return b.p.objectID(n)
	}
	pl := *b.p
	pl.Path = b.path
	return pl.objectID(n)
}
