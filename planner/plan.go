package planner

import (
	"fmt"
	"strings"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/sql"
)

// Field is an output column of a plan node.
type Field struct {
	Name     string
	Qual     string // table name or alias it came from, for t.c references
	Type     types.Type
	Rowtime  bool // an event-time attribute
	Proctime bool
	// Hidden fields (ksqlDB pseudo columns) resolve by name but are not part
	// of SELECT *.
	Hidden bool
	// Key marks a ksqlDB key column.
	Key bool
}

// Changelog is what kinds of rows a node produces.
type Changelog int

const (
	InsertOnly Changelog = iota
	Retract              // +I, -U, +U, -D
	Upsert               // +I, +U, -D (keyed)
	// UpsertSource is what an upsert source (upsert-kafka) reads: +U for a
	// new or replaced row and -D that may carry only the key. Only a
	// ChangelogNormalize reads it.
	UpsertSource
)

func (c Changelog) String() string {
	switch c {
	case Retract:
		return "[I,UB,UA,D]"
	case Upsert:
		return "[I,UA,D]"
	case UpsertSource:
		return "[UA,D]"
	}
	return "[I]"
}

// Node is a physical plan node.
type Node interface {
	Fields() []Field
	Inputs() []Node
	Mode() Changelog
	// Describe renders the node (without inputs) for EXPLAIN.
	Describe() string
}

func fieldNames(fs []Field) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}

func rowtimeOf(fs []Field) string {
	for _, f := range fs {
		if f.Rowtime {
			return f.Name
		}
	}
	return ""
}

// Scan reads a table through its connector. Its fields are the table's
// columns in declared order; computed columns are evaluated right after
// reading (Prep).
type Scan struct {
	Table  *Table
	Alias  string
	fields []Field
	// Prep computes the full row from the read columns (nil when the table
	// has no computed columns).
	Prep []expr.Expr
	// Values makes the scan read fixed rows instead of a connector.
	Values []types.Row
	// Columns, if set, are the columns the connector reads (ksqlDB adds
	// its pseudo columns); otherwise the table's non-computed columns.
	Columns []Column
	// Ts, if set, computes each record's timestamp from the prepared row.
	Ts expr.Expr
	// Changelog: the table's format carries changes (debezium-json,
	// canal-json): the scan reads a full changelog (Retract).
	Changelog bool
	// Upsert: the connector reads an upsert changelog (UpsertSource).
	Upsert bool
}

func (s *Scan) Fields() []Field { return s.fields }
func (s *Scan) Inputs() []Node  { return nil }
func (s *Scan) Mode() Changelog {
	if s.Upsert {
		return UpsertSource
	}
	if s.Changelog {
		return Retract
	}
	return InsertOnly
}
func (s *Scan) Describe() string {
	if s.Values != nil {
		return fmt.Sprintf("Values(tuples=[%d rows], fields=[%s])", len(s.Values), strings.Join(fieldNames(s.fields), ", "))
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "TableSourceScan(table=[%s]", s.Table.Name)
	if c := s.Table.Connector(); c != "" {
		fmt.Fprintf(&sb, ", connector=[%s]", c)
	}
	if t := s.Table.Option("topic"); t != "" {
		fmt.Fprintf(&sb, ", topic=[%s]", t)
	}
	if f := firstNonEmpty(s.Table.Option("format"), s.Table.Option("value.format")); f != "" {
		fmt.Fprintf(&sb, ", format=[%s]", f)
	}
	var meta []string
	for _, c := range s.Table.Columns {
		if c.Kind == 1 { // sql.Metadata
			meta = append(meta, c.MetadataKey)
		}
	}
	if len(meta) > 0 {
		fmt.Fprintf(&sb, ", metadata=[%s]", strings.Join(meta, ", "))
	}
	if len(s.Table.Hints) > 0 {
		opts := make([]string, len(s.Table.Hints))
		for i, o := range s.Table.Hints {
			opts[i] = o.Key + "=" + o.Value
		}
		fmt.Fprintf(&sb, ", hints=[OPTIONS(%s)]", strings.Join(opts, ", "))
	}
	fmt.Fprintf(&sb, ", fields=[%s])", strings.Join(fieldNames(s.fields), ", "))
	return sb.String()
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// WatermarkAssigner marks the rowtime attribute and computes watermarks.
type WatermarkAssigner struct {
	Input   Node
	Rowtime int
	Expr    expr.Expr
}

func (w *WatermarkAssigner) Fields() []Field { return w.Input.Fields() }
func (w *WatermarkAssigner) Inputs() []Node  { return []Node{w.Input} }
func (w *WatermarkAssigner) Mode() Changelog { return w.Input.Mode() }
func (w *WatermarkAssigner) Describe() string {
	return fmt.Sprintf("WatermarkAssigner(rowtime=[%s], watermark=[%s])", w.Input.Fields()[w.Rowtime].Name, w.Expr.String())
}

// Calc filters and projects.
type Calc struct {
	Input    Node
	Filter   expr.Expr
	Projects []expr.Expr
	fields   []Field
}

func (c *Calc) Fields() []Field { return c.fields }
func (c *Calc) Inputs() []Node  { return []Node{c.Input} }
func (c *Calc) Mode() Changelog { return c.Input.Mode() }
func (c *Calc) Describe() string {
	parts := make([]string, len(c.Projects))
	for i, p := range c.Projects {
		s := p.String()
		if col, ok := p.(*expr.Col); !ok || col.Name != c.fields[i].Name {
			s += " AS " + c.fields[i].Name
		}
		parts[i] = s
	}
	out := "Calc(select=[" + strings.Join(parts, ", ") + "]"
	if c.Filter != nil {
		out += ", where=[" + c.Filter.String() + "]"
	}
	return out + ")"
}

// WindowAggregate aggregates per window (and keys). Its fields are
// keys..., window_start, window_end, window_time, aggregates... (see
// engine.WindowAgg); a Calc above picks what the query selects.
type WindowAggregate struct {
	Input    Node
	Window   engine.Window
	TimeCol  int
	Keys     []int
	Aggs     []engine.AggCall
	AggNames []string
	fields   []Field
	// ksqlDB: emit mode and grace period (micros).
	Emit  engine.EmitMode
	Grace int64
	// Retention (EMIT FINAL): see engine.WindowAgg.Retention.
	Retention int64
	// Proctime: windows of a processing-time attribute, fired by the wall
	// clock.
	Proctime bool
	// Strategy is the early and late firing of a legacy group window
	// (table.exec.emit.*); with it the window emits updates.
	Strategy engine.EmitStrategy
	// Watermarked: a micro-batch mode whose windows close when the largest
	// event time minus Grace passes their end (Spark's withWatermark).
	Watermarked bool
	// Attached: the windows are those the input rows carry, from column
	// StartCol to column TimeCol (window_start and window_end of a window
	// operator below; Flink's window-attached windowing): a cascaded
	// window aggregate.
	Attached bool
	StartCol int
}

// windowKind is the kind of the window bounds' values (TimestampLTZ for
// windows of a TIMESTAMP_LTZ attribute): window_time's type.
func (w *WindowAggregate) windowKind() types.Kind { return w.fields[len(w.Keys)+2].Type.Kind }

func (w *WindowAggregate) Fields() []Field { return w.fields }
func (w *WindowAggregate) Inputs() []Node  { return []Node{w.Input} }
func (w *WindowAggregate) Mode() Changelog {
	if w.Emit == engine.EmitEveryRow {
		return Upsert
	}
	if w.Strategy.Updates() {
		return Retract
	}
	return InsertOnly
}
func (w *WindowAggregate) Describe() string {
	in := fieldNames(w.Input.Fields())
	var sb strings.Builder
	sb.WriteString("WindowAggregate(")
	if len(w.Keys) > 0 {
		keys := make([]string, len(w.Keys))
		for i, k := range w.Keys {
			keys[i] = in[k]
		}
		fmt.Fprintf(&sb, "groupBy=[%s], ", strings.Join(keys, ", "))
	}
	win := w.Window.String()
	timeAttr := ""
	if w.Proctime {
		timeAttr = "proctime, "
	}
	if w.Attached {
		win = windowSpec(w.Window, in, w.StartCol, w.TimeCol)
	} else {
		win = strings.Replace(win, "(", "("+timeAttr+"time_col=["+in[w.TimeCol]+"], ", 1)
	}
	fmt.Fprintf(&sb, "window=[%s], select=[", win)
	var sel []string
	for i, k := range w.Keys {
		sel = append(sel, in[k])
		_ = i
	}
	for i, a := range w.Aggs {
		sel = append(sel, a.String(in)+" AS "+w.AggNames[i])
	}
	timeProp := "rowtime('w$) AS window_time"
	if w.Proctime {
		timeProp = "proctime('w$) AS window_time"
	}
	sel = append(sel, "start('w$) AS window_start", "end('w$) AS window_end", timeProp)
	sb.WriteString(strings.Join(sel, ", "))
	sb.WriteString("]")
	switch w.Emit {
	case engine.EmitEveryRow:
		fmt.Fprintf(&sb, ", emit=[CHANGES], grace=[%s]", engine.Dur(w.Grace))
	case engine.EmitFinal:
		fmt.Fprintf(&sb, ", emit=[FINAL], grace=[%s]", engine.Dur(w.Grace))
	case engine.EmitBatchUpdates, engine.EmitBatchAll, engine.EmitBatchFinal:
		mode := map[engine.EmitMode]string{engine.EmitBatchUpdates: "update", engine.EmitBatchAll: "complete", engine.EmitBatchFinal: "append"}[w.Emit]
		fmt.Fprintf(&sb, ", emit=[%s per micro-batch]", mode)
		if w.Watermarked {
			fmt.Fprintf(&sb, ", watermarkDelay=[%s]", engine.Dur(w.Grace))
		}
	}
	if e := emitString(w.Strategy); e != "" {
		fmt.Fprintf(&sb, ", emit=[%s]", e)
	}
	sb.WriteString(")")
	return sb.String()
}

// WindowTableFunction assigns windows to rows without aggregating (window
// TVF used as a table): input fields + window_start, window_end, window_time.
type WindowTableFunction struct {
	Input    Node
	Window   engine.Window
	TimeCol  int
	Proctime bool // windows of a processing-time attribute
	fields   []Field
}

func (w *WindowTableFunction) Fields() []Field { return w.fields }
func (w *WindowTableFunction) Inputs() []Node  { return []Node{w.Input} }
func (w *WindowTableFunction) Mode() Changelog { return InsertOnly }
func (w *WindowTableFunction) Describe() string {
	timeAttr := ""
	if w.Proctime {
		timeAttr = "proctime, "
	}
	win := strings.Replace(w.Window.String(), "(", "("+timeAttr+"time_col=["+w.Input.Fields()[w.TimeCol].Name+"], ", 1)
	return "WindowTableFunction(window=[" + win + "])"
}

// GroupAggregate is an unbounded GROUP BY: an updating result.
type GroupAggregate struct {
	Input    Node
	Keys     []int
	Aggs     []engine.AggCall
	AggNames []string
	fields   []Field
	// Emit and NullKeys are the engine's named behaviours (EmitPerRow is
	// an upsert result).
	Emit     engine.GroupEmit
	NullKeys engine.NullKeys
	// DropDeletes: the input is a ksqlDB stream whose tombstones are ignored.
	DropDeletes bool
	// TTL is the idle state retention the STATE_TTL hint gives (0: the
	// session's table.exec.state.ttl).
	TTL time.Duration
	// OverEmpty: a global aggregate in batch mode, one row even over no
	// input (engine.GroupAgg.OverEmpty).
	OverEmpty bool
}

func (g *GroupAggregate) Fields() []Field { return g.fields }
func (g *GroupAggregate) Inputs() []Node  { return []Node{g.Input} }
func (g *GroupAggregate) Mode() Changelog {
	if g.Emit == engine.EmitPerRow {
		return Upsert
	}
	return Retract
}
func (g *GroupAggregate) Describe() string {
	in := fieldNames(g.Input.Fields())
	var sb strings.Builder
	sb.WriteString("GroupAggregate(")
	var sel []string
	if len(g.Keys) > 0 {
		keys := make([]string, len(g.Keys))
		for i, k := range g.Keys {
			keys[i] = in[k]
		}
		fmt.Fprintf(&sb, "groupBy=[%s], ", strings.Join(keys, ", "))
		sel = append(sel, keys...)
	}
	for i, a := range g.Aggs {
		sel = append(sel, a.String(in)+" AS "+g.AggNames[i])
	}
	sb.WriteString("select=[" + strings.Join(sel, ", ") + "])")
	return sb.String()
}

// Expand copies each row once per grouping set (GROUPING SETS, ROLLUP,
// CUBE): in the i-th copy the columns of Keys that Sets[i] does not hold
// are NULL, and a last column $e holds i.
type Expand struct {
	Input  Node
	Keys   []int
	Sets   [][]int
	fields []Field
}

func (e *Expand) Fields() []Field { return e.fields }
func (e *Expand) Inputs() []Node  { return []Node{e.Input} }
func (e *Expand) Mode() Changelog { return e.Input.Mode() }
func (e *Expand) Describe() string {
	in := fieldNames(e.Input.Fields())
	sets := make([]string, len(e.Sets))
	for i, s := range e.Sets {
		sets[i] = "{" + strings.Join(pick(in, s), ", ") + "}"
	}
	return fmt.Sprintf("Expand(sets=[%s], select=[%s])", strings.Join(sets, ", "), strings.Join(fieldNames(e.fields), ", "))
}

// nulls returns, per set, the columns set to NULL.
func (e *Expand) nulls() [][]int {
	out := make([][]int, len(e.Sets))
	for i, s := range e.Sets {
		for _, k := range e.Keys {
			if !hasCol(s, k) {
				out[i] = append(out[i], k)
			}
		}
	}
	return out
}

// Rank is Flink's Top-N: ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...)
// filtered to ranks Start..End. Its fields are the input's, plus the rank
// number (BIGINT) when OutputRank. The binder makes it with End 0; the
// rank rule takes the range from the filter above it and picks the
// operator (Rank, Deduplicate, WindowRank, WindowDeduplicate). A Rank left
// with End 0 had no rank filter: an error (see checkPlan).
type Rank struct {
	Input      Node
	Partition  []int
	Order      []engine.SortKey
	Start, End int64
	OutputRank bool
	// KeepAll: the input has retractions (Flink's RetractStrategy);
	// otherwise AppendFastStrategy.
	KeepAll bool
	// Pos is the ROW_NUMBER call, for errors; err is an error found by
	// the rank rule.
	Pos    sql.Pos
	err    error
	fields []Field
}

func (r *Rank) Fields() []Field { return r.fields }
func (r *Rank) Inputs() []Node  { return []Node{r.Input} }
func (r *Rank) Mode() Changelog { return Retract }
func (r *Rank) Describe() string {
	strategy := "AppendFastStrategy"
	if r.KeepAll {
		strategy = "RetractStrategy"
	}
	in := fieldNames(r.Input.Fields())
	return fmt.Sprintf("Rank(strategy=[%s], %s, partitionBy=[%s], orderBy=[%s], select=[%s])",
		strategy, rankRange(r.Start, r.End), strings.Join(pick(in, r.Partition), ", "), orderString(in, r.Order),
		strings.Join(fieldNames(r.fields), ", "))
}

func rankRange(start, end int64) string {
	return fmt.Sprintf("rankType=[ROW_NUMBER], rankRange=[rankStart=%d, rankEnd=%d]", start, end)
}

func pick(names []string, idx []int) []string {
	out := make([]string, len(idx))
	for i, k := range idx {
		out[i] = names[k]
	}
	return out
}

func orderString(names []string, order []engine.SortKey) string {
	parts := make([]string, len(order))
	for i, k := range order {
		dir := "ASC"
		if k.Desc {
			dir = "DESC"
		}
		parts[i] = names[k.Col] + " " + dir
	}
	return strings.Join(parts, ", ")
}

// Deduplicate keeps the first or last row per key by a time attribute
// (Flink's Deduplicate; ROW_NUMBER ordered by proctime or rowtime, rank 1).
// Keeping the first row by processing time is insert-only; the other
// modes update the kept row.
type Deduplicate struct {
	Input    Node
	Keys     []int
	TimeCol  int
	KeepLast bool
	Rowtime  bool
	fields   []Field
}

func (d *Deduplicate) Fields() []Field { return d.fields }
func (d *Deduplicate) Inputs() []Node  { return []Node{d.Input} }
func (d *Deduplicate) Mode() Changelog {
	if !d.KeepLast && !d.Rowtime {
		return InsertOnly
	}
	return Retract
}
func (d *Deduplicate) Describe() string {
	in := fieldNames(d.Input.Fields())
	return fmt.Sprintf("Deduplicate(keep=[%s], key=[%s], order=[%s])", keepString(d.KeepLast), strings.Join(pick(in, d.Keys), ", "), timeKind(d.Rowtime))
}

func keepString(last bool) string {
	if last {
		return "LastRow"
	}
	return "FirstRow"
}

func timeKind(rowtime bool) string {
	if rowtime {
		return "ROWTIME"
	}
	return "PROCTIME"
}

// windowSpec renders a window whose bounds are columns of the input.
func windowSpec(w engine.Window, in []string, start, end int) string {
	return strings.Replace(w.String(), "(", "(win_start=["+in[start]+"], win_end=["+in[end]+"], ", 1)
}

// WindowRank is Flink's window Top-N: a Rank whose partition holds the
// window bounds of a window TVF or window aggregate input. It emits each
// window's rows once, when the watermark passes the window's end.
// Partition excludes the window columns.
type WindowRank struct {
	Input            Node
	Window           engine.Window
	StartCol, EndCol int
	Partition        []int
	Order            []engine.SortKey
	Start, End       int64
	OutputRank       bool
	fields           []Field
}

func (w *WindowRank) Fields() []Field { return w.fields }
func (w *WindowRank) Inputs() []Node  { return []Node{w.Input} }
func (w *WindowRank) Mode() Changelog { return InsertOnly }
func (w *WindowRank) Describe() string {
	in := fieldNames(w.Input.Fields())
	return fmt.Sprintf("WindowRank(window=[%s], %s, partitionBy=[%s], orderBy=[%s], select=[%s])",
		windowSpec(w.Window, in, w.StartCol, w.EndCol), rankRange(w.Start, w.End),
		strings.Join(pick(in, w.Partition), ", "), orderString(in, w.Order), strings.Join(fieldNames(w.fields), ", "))
}

// WindowDeduplicate keeps the first or last row by event time per window
// and key (Flink's WindowDeduplicate), emitted when the window closes.
type WindowDeduplicate struct {
	Input            Node
	Window           engine.Window
	StartCol, EndCol int
	Keys             []int
	TimeCol          int
	KeepLast         bool
	fields           []Field
}

func (w *WindowDeduplicate) Fields() []Field { return w.fields }
func (w *WindowDeduplicate) Inputs() []Node  { return []Node{w.Input} }
func (w *WindowDeduplicate) Mode() Changelog { return InsertOnly }
func (w *WindowDeduplicate) Describe() string {
	in := fieldNames(w.Input.Fields())
	return fmt.Sprintf("WindowDeduplicate(window=[%s], keep=[%s], partitionKeys=[%s], orderKey=[%s], order=[ROWTIME])",
		windowSpec(w.Window, in, w.StartCol, w.EndCol), keepString(w.KeepLast), strings.Join(pick(in, w.Keys), ", "), in[w.TimeCol])
}

// ChangelogNormalize turns an upsert changelog (a ksqlDB table's topic,
// an upsert-kafka table: the last value per key) into changes: -U old / +U
// new, -D with the old row for tombstones. With Final it keeps the table
// and emits it once at the end of input (pull queries). DropUnchanged
// drops a row equal to the key's current one (Flink).
type ChangelogNormalize struct {
	Input         Node
	Keys          []int
	Final         bool
	DropUnchanged bool
	// NoUpdateBefore: the consumer (a temporal join) needs no -U, so an
	// update is +U alone (Flink's [I,UA,D]).
	NoUpdateBefore bool
}

func (c *ChangelogNormalize) Fields() []Field { return c.Input.Fields() }
func (c *ChangelogNormalize) Inputs() []Node  { return []Node{c.Input} }
func (c *ChangelogNormalize) Mode() Changelog {
	switch {
	case c.Final:
		return InsertOnly
	case c.NoUpdateBefore:
		return Upsert
	}
	return Retract
}
func (c *ChangelogNormalize) Describe() string {
	fs := c.Input.Fields()
	keys := make([]string, len(c.Keys))
	for i, k := range c.Keys {
		keys[i] = fs[k].Name
	}
	return "ChangelogNormalize(key=[" + strings.Join(keys, ", ") + "])"
}

// TableFilter filters an upsert stream by key (ksqlDB HAVING / WHERE on a
// table): failing rows delete their key if it was there.
type TableFilter struct {
	Input  Node
	Filter expr.Expr
	Keys   []int
}

func (t *TableFilter) Fields() []Field { return t.Input.Fields() }
func (t *TableFilter) Inputs() []Node  { return []Node{t.Input} }
func (t *TableFilter) Mode() Changelog { return Upsert }
func (t *TableFilter) Describe() string {
	return "TableFilter(where=[" + t.Filter.String() + "])"
}

// JoinNode joins two inputs (see engine.Join). Its fields are the left
// fields followed by the right fields.
type JoinNode struct {
	Left, Right         Node
	Kind                engine.JoinKind
	Type                engine.JoinType
	LeftKeys, RightKeys []expr.Expr // RightKeys are over the right fields
	Cond                expr.Expr   // over the joined fields
	LeftTime, RightTime int
	Before, After       int64
	Grace               int64
	Eager               bool // see engine.Join.Eager
	// ByInputKind: a join planned by its inputs' kinds
	// (dialect.JoinsByInputKind); its regular (table-table) form is an
	// upsert keyed by the join key.
	ByInputKind bool
	// ForeignKey: a ksqlDB table-table join on the left table's foreign
	// key, keyed by the left table's primary key (engine.Join.LeftDeletes).
	ForeignKey bool
	// LeftTTL and RightTTL are the idle state retention the STATE_TTL hint
	// gives each input of a regular join (0: table.exec.state.ttl).
	LeftTTL, RightTTL time.Duration
	fields            []Field
}

func (j *JoinNode) Fields() []Field { return j.fields }
func (j *JoinNode) Inputs() []Node  { return []Node{j.Left, j.Right} }
func (j *JoinNode) Mode() Changelog {
	switch {
	case j.Kind == engine.LookupJoin || j.Kind == engine.IntervalJoin:
		return InsertOnly
	case j.ByInputKind:
		return Upsert
	case j.Type == engine.SemiJoin && j.Left.Mode() == InsertOnly && j.Right.Mode() == InsertOnly:
		// A left row comes out once its first match arrives, and no match
		// ever goes away.
		return InsertOnly
	case j.Left.Mode() != InsertOnly || j.Right.Mode() != InsertOnly || j.Type != engine.InnerJoin:
		return Retract
	}
	return InsertOnly
}
func (j *JoinNode) Describe() string {
	var sb strings.Builder
	kind := map[engine.JoinKind]string{engine.RegularJoin: "Join", engine.LookupJoin: "LookupJoin", engine.IntervalJoin: "IntervalJoin"}[j.Kind]
	fmt.Fprintf(&sb, "%s(joinType=[%s]", kind, j.Type)
	lf, rf := j.Left.Fields(), j.Right.Fields()
	fmt.Fprintf(&sb, ", where=[%s]", joinCondition(len(lf), j.LeftKeys, j.RightKeys, j.Cond))
	if j.Kind == engine.IntervalJoin {
		fmt.Fprintf(&sb, ", within=[-%s, +%s]", engine.Dur(j.Before), engine.Dur(j.After))
	}
	fmt.Fprintf(&sb, ", leftFields=[%s], rightFields=[%s])", strings.Join(fieldNames(lf), ", "), strings.Join(fieldNames(rf), ", "))
	return sb.String()
}

// joinCondition renders a join's key equalities and condition; right keys
// are over the right fields, which follow lw left fields.
func joinCondition(lw int, leftKeys, rightKeys []expr.Expr, cond expr.Expr) string {
	var conds []string
	for i := range leftKeys {
		r := expr.Rewrite(rightKeys[i], func(x expr.Expr) expr.Expr {
			if c, ok := x.(*expr.Col); ok {
				return &expr.Col{Idx: c.Idx + lw, T: c.T, Name: c.Name}
			}
			return x
		})
		conds = append(conds, "("+leftKeys[i].String()+" = "+r.String()+")")
	}
	if cond != nil {
		conds = append(conds, cond.String())
	}
	if len(conds) == 0 {
		return "true"
	}
	return strings.Join(conds, " AND ")
}

// Union is UNION ALL.
type Union struct {
	Ins []Node
}

func (u *Union) Fields() []Field { return u.Ins[0].Fields() }
func (u *Union) Inputs() []Node  { return u.Ins }
func (u *Union) Mode() Changelog {
	m := InsertOnly
	for _, in := range u.Ins {
		if in.Mode() > m {
			m = in.Mode()
		}
	}
	return m
}
func (u *Union) Describe() string {
	return "Union(all=[true], union=[" + strings.Join(fieldNames(u.Fields()), ", ") + "])"
}

// Sink writes to a table (or, with Table nil, to the client).
type Sink struct {
	Input Node
	Table *Table
	Name  string
	// Columns, if set, are the columns written (ksqlDB window bounds and
	// record timestamp); otherwise the table's writable columns.
	Columns []Column
}

func (s *Sink) Fields() []Field { return s.Input.Fields() }
func (s *Sink) Inputs() []Node  { return []Node{s.Input} }
func (s *Sink) Mode() Changelog { return s.Input.Mode() }
func (s *Sink) Describe() string {
	if s.Table == nil {
		return fmt.Sprintf("Sink(table=[*client*], fields=[%s])", strings.Join(fieldNames(s.Fields()), ", "))
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "Sink(table=[%s]", s.Table.Name)
	if c := s.Table.Connector(); c != "" {
		fmt.Fprintf(&sb, ", connector=[%s]", c)
	}
	if t := s.Table.Option("topic"); t != "" {
		fmt.Fprintf(&sb, ", topic=[%s]", t)
	}
	if f := firstNonEmpty(s.Table.Option("format"), s.Table.Option("value.format")); f != "" {
		fmt.Fprintf(&sb, ", format=[%s]", f)
	}
	fmt.Fprintf(&sb, ", fields=[%s])", strings.Join(fieldNames(s.Fields()), ", "))
	return sb.String()
}

// explainLine is a node's line in EXPLAIN: its description, time
// attribute and changelog mode.
func explainLine(n Node) string { return n.Describe() + " " + explainAttrs(n) }

func explainAttrs(n Node) string {
	attrs := []string{}
	if rt := rowtimeOf(n.Fields()); rt != "" {
		attrs = append(attrs, "rowtime=["+rt+"]")
	}
	attrs = append(attrs, "changelogMode="+n.Mode().String())
	return strings.Join(attrs, ", ")
}

// Explain renders a plan tree, one node per line, with each node's
// changelog mode and time attribute. A subtree computed once for several
// consumers (reuse.go) is printed where it first occurs, marked
// (reuse_id=[N]), and as Reused(reference_id=[N]) where it occurs again,
// as Flink's execution plan shows it.
func Explain(n Node) string { return explain(n, findReuse(n, true, true)) }

// Explain is Explain with the reuse the planner's settings allow
// (table.optimizer.reuse-sub-plan-enabled, reuse-source-enabled).
func (pl *Planner) Explain(n Node) string {
	subPlans, sources := pl.reuseEnabled()
	return explain(n, findReuse(n, subPlans, sources))
}

func explain(n Node, r *reuse) string {
	var sb strings.Builder
	refs := map[int]int{}
	var walk func(n Node, prefix string, first bool)
	walk = func(n Node, prefix string, top bool) {
		line := explainLine(n)
		if id, ok := r.sharedID(n); ok {
			if ref, seen := refs[id]; seen {
				sb.WriteString(prefix + fmt.Sprintf("+- Reused(reference_id=[%d])\n", ref))
				return
			}
			refs[id] = len(refs) + 1
			line = fmt.Sprintf("%s(reuse_id=[%d]) %s", n.Describe(), refs[id], explainAttrs(n))
		}
		if top {
			sb.WriteString(line + "\n")
		} else {
			sb.WriteString(prefix + "+- " + line + "\n")
		}
		for _, in := range n.Inputs() {
			next := prefix
			if !top {
				next += "   "
			}
			walk(in, next, false)
		}
	}
	walk(n, "", true)
	return sb.String()
}
