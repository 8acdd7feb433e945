package planner

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/sql"
)

// The planner's side of the statements: Flink's DDL into the catalog
// (CREATE TABLE and VIEW, DROP), the plans of INSERT and SELECT, and the
// build of a plan into a job spec with the settings in force.

// DefaultCheckpointInterval is how often jobs checkpoint when
// 'execution.checkpointing.interval' is not set.
const DefaultCheckpointInterval = 5 * time.Second

func (pl *Planner) env() *expr.Env {
	rules := pl.Dialect.Rules()
	env := &expr.Env{Sem: rules.Expr, Funcs: rules.Funcs, Clock: pl.Clock}
	if tz, ok := pl.Setting("table.local-time-zone"); ok && tz != "" && tz != "default" {
		if loc, err := time.LoadLocation(tz); err == nil {
			env.Loc = loc
		}
	}
	return env
}

func (pl *Planner) connectorDefaults() map[string]string {
	d := map[string]string{}
	if pl.Bootstrap != "" {
		d["bootstrap.servers"] = pl.Bootstrap
	}
	for k, v := range pl.KafkaProperties {
		d[k] = v
	}
	if tz, ok := pl.Setting("table.local-time-zone"); ok {
		d["local-time-zone"] = tz
	}
	if v, ok := pl.Setting("auto.offset.reset"); ok {
		d["auto.offset.reset"] = v
	}
	return d
}

func (pl *Planner) CreateTable(n *sql.CreateTable) (*Result, error) {
	id, err := pl.objectID(n.Name)
	if err != nil {
		return nil, err
	}
	if err, done := pl.checkNew(id, n.Temporary, n.OrReplace, n.IfNotExists, n.Name.Pos, "Table"); done {
		return ok2(), err
	}
	if n.Kind == sql.KindStream {
		return nil, sql.Errorf(n.Start, "CREATE STREAM is ksqlDB syntax; submit it in the ksqlDB dialect")
	}
	t, err := pl.createTable(n)
	if err != nil {
		return nil, err
	}
	pl.Catalog.Put(t)
	r := ok("Execute statement succeeded.")
	r.Warnings = pl.unusedOptions(t)
	return r, nil
}

// checkNew checks that an object of that name may be created. A
// temporary object may hide a permanent one and the other way round; the
// same kind twice is an error unless IF NOT EXISTS (done: nothing more to
// do) or OR REPLACE.
func (pl *Planner) checkNew(id ObjectID, temporary, orReplace, ifNotExists bool, pos sql.Pos, what string) (err error, done bool) {
	if !temporary {
		if err := pl.checkDatabase(id, pos); err != nil {
			return err, true
		}
	}
	var exists bool
	if temporary {
		_, exists = pl.Catalog.TemporaryAt(id)
	} else {
		_, exists = pl.Catalog.PermanentAt(id)
	}
	if !exists || orReplace {
		return nil, false
	}
	if ifNotExists {
		return nil, true
	}
	if temporary {
		return sql.Errorf(pos, "Temporary table '%s' already exists", id.Quoted()), true
	}
	// Flink's TableAlreadyExistException, for tables and views alike.
	return sql.Errorf(pos, "Table (or view) %s.%s already exists in Catalog %s.", id.Database, id.Name, id.Catalog), true
}

func (pl *Planner) CreateView(n *sql.CreateView) (*Result, error) {
	id, err := pl.objectID(n.Name)
	if err != nil {
		return nil, err
	}
	if err, done := pl.checkNew(id, n.Temporary, n.OrReplace, n.IfNotExists, n.Name.Pos, "View"); done {
		return ok2(), err
	}
	b := newBinder(pl)
	node, err := b.bindSelect(n.Query)
	if err != nil {
		return nil, err
	}
	_, text := n.Span()
	t := &Table{Name: id.Name, Path: id.Path(), ViewPath: pl.Path.orDefault(), Kind: sql.KindView, Dialect: pl.Syntax, View: n.Query, Statement: text, Options: map[string]string{},
		Temporary: n.Temporary, Comment: n.Comment, ViewText: queryText(n.Base, n.Query.Pos)}
	if x := pl.expandView(n.Query); x != "" {
		t.ViewText = x
	}
	fs := node.Fields()
	if len(n.Columns) > 0 && len(n.Columns) != len(fs) {
		return nil, sql.Errorf(n.Name.Pos, "View column list has %d columns, the query %d", len(n.Columns), len(fs))
	}
	for i, f := range fs {
		c := Column{Name: f.Name, Type: f.Type, Proctime: f.Proctime}
		if len(n.Columns) > 0 {
			c.Name = n.Columns[i]
		}
		t.Columns = append(t.Columns, c)
	}
	if pl.Dialect.Rules().ViewRowtime {
		for _, f := range fs {
			if f.Rowtime {
				t.Watermark = &WatermarkDef{Column: f.Name}
				break
			}
		}
	}
	pl.Catalog.Put(t)
	return ok("Execute statement succeeded."), nil
}

// optionsErr returns the connector-options error of a table the plan
// reads or writes (a table whose options ALTER TABLE or CREATE TABLE left
// incomplete): Flink checks options when a table is used.
func optionsErr(n Node) error {
	var t *Table
	switch x := n.(type) {
	case *Scan:
		t = x.Table
	case *Sink:
		t = x.Table
	}
	if t != nil && t.OptionsErr != nil {
		return t.OptionsErr
	}
	for _, in := range n.Inputs() {
		if err := optionsErr(in); err != nil {
			return err
		}
	}
	return nil
}

// expandView renders a view's query as Flink stores it, every column
// qualified and the table named in full, for the queries simple enough to
// expand here: columns or * of one table, optionally filtered. It returns
// "" for other queries (their text is kept as written).
func (pl *Planner) expandView(q *sql.Select) string {
	ref, ok := q.From.(*sql.TableRef)
	if !ok || q.Distinct || q.GroupBy != nil || q.Having != nil || q.OrderBy != nil || q.Limit != nil ||
		q.UnionAll != nil || ref.ForSystemTime != nil {
		return ""
	}
	id, err := pl.objectID(ref.Name)
	if err != nil {
		return ""
	}
	t, ok := pl.Catalog.Find(id)
	if !ok {
		return ""
	}
	alias := ref.Alias
	if alias == "" {
		alias = t.Name
	}
	col := func(c string) string { return sql.Backtick(alias) + "." + sql.Backtick(c) }
	var items []string
	for _, it := range q.Items {
		switch {
		case it.Star && (it.StarQualifier == "" || it.StarQualifier == alias):
			for _, c := range t.Columns {
				items = append(items, col(c.Name))
			}
		case !it.Star:
			id, ok := it.Expr.(*sql.Ident)
			if !ok || len(id.Parts) > 2 || len(id.Parts) == 2 && id.Parts[0] != alias {
				return ""
			}
			c := col(id.Parts[len(id.Parts)-1])
			if it.Alias != "" && it.Alias != id.Parts[len(id.Parts)-1] {
				c += " AS " + sql.Backtick(it.Alias)
			}
			items = append(items, c)
		default:
			return ""
		}
	}
	out := "SELECT " + strings.Join(items, ", ") + "\nFROM " + t.ID().Quoted() + " AS " + sql.Backtick(alias)
	if q.Where != nil {
		w := sql.CloneExpr(q.Where)
		walkSQL(w, func(x sql.Expr) {
			if id, ok := x.(*sql.Ident); ok && len(id.Parts) == 1 {
				id.Parts = []string{alias, id.Parts[0]}
			}
		})
		out += "\nWHERE " + sql.SQL(w)
	}
	return out
}

// queryText is the text of a statement from pos (the start of its query)
// to its end.
func queryText(b sql.Base, pos sql.Pos) string {
	line, col := b.Start.Line, b.Start.Col
	for i, r := range b.Text {
		if line == pos.Line && col == pos.Col {
			return strings.TrimSpace(b.Text[i:])
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return b.Text
}

// flinkDrop is Flink's DROP TABLE / VIEW [IF EXISTS], temporary objects
// included.
func (pl *Planner) Drop(n *sql.Drop) (*Result, error) {
	id, err := pl.objectID(n.Name)
	if err != nil {
		return nil, err
	}
	what := "Table"
	if n.Kind == sql.KindView {
		what = "View"
	}
	if n.Temporary {
		t, exists := pl.Catalog.TemporaryAt(id)
		if !exists || (n.Kind == sql.KindView) != (t.Kind == sql.KindView) {
			if n.IfExists {
				return ok2(), nil
			}
			return nil, sql.Errorf(n.Name.Pos, "Temporary %s with identifier '%s' does not exist.", strings.ToLower(what), id.Quoted())
		}
		pl.Catalog.RemoveTemporary(id)
		return ok2(), nil
	}
	if t, exists := pl.Catalog.TemporaryAt(id); exists {
		return nil, sql.Errorf(n.Name.Pos, "Temporary %s with identifier '%s' exists. Drop it first before removing the permanent %s.",
			strings.ToLower(objectWord(t)), id.Quoted(), strings.ToLower(what))
	}
	t, exists := pl.Catalog.PermanentAt(id)
	if !exists {
		if n.IfExists {
			return ok("Execute statement succeeded."), nil
		}
		return nil, sql.Errorf(n.Name.Pos, "%s with identifier '%s' does not exist.", what, id)
	}
	if n.Kind == sql.KindView && t.Kind != sql.KindView {
		return nil, sql.Errorf(n.Name.Pos, "Table '%s' is not a view; use DROP TABLE", id.Name)
	}
	if n.Kind == sql.KindTable && t.Kind == sql.KindView {
		return nil, sql.Errorf(n.Name.Pos, "'%s' is a view; use DROP VIEW", id.Name)
	}
	pl.Catalog.Remove(id)
	return ok("Execute statement succeeded."), nil
}

func objectWord(t *Table) string {
	if t.Kind == sql.KindView {
		return "View"
	}
	return "Table"
}

// planInsert binds INSERT INTO ... SELECT|VALUES into a plan with a Sink.
func (pl *Planner) PlanInsert(n *sql.Insert) (*Sink, error) {
	t, err := newBinder(pl).lookupTable(n.Table)
	if err != nil {
		return nil, err
	}
	if t.Kind == sql.KindView {
		return nil, sql.Errorf(n.Table.Pos, "Cannot INSERT INTO view '%s'", t.Name)
	}
	if len(n.Options) > 0 {
		// Flink's dynamic table options on the sink.
		if t, err = newBinder(pl).hintedTable(t, &sql.TableRef{Name: n.Table, Options: n.Options, HintPos: n.HintPos}); err != nil {
			return nil, err
		}
	}
	if err := pl.checkSinkClauses(n, t); err != nil {
		return nil, err
	}
	var node Node
	b := newBinder(pl)
	if n.Query != nil {
		if node, err = b.bindSelect(n.Query); err != nil {
			return nil, err
		}
	} else {
		if node, err = b.bindValues(n.Values); err != nil {
			return nil, err
		}
	}
	cols := sinkColumns(t)
	target := cols
	if len(n.Columns) > 0 {
		target = nil
		for _, name := range n.Columns {
			var found *Column
			for i := range cols {
				if cols[i].Name == name || (pl.Dialect.Rules().CaseInsensitive && strings.EqualFold(cols[i].Name, name)) {
					found = &cols[i]
				}
			}
			if found == nil {
				return nil, sql.Errorf(n.Table.Pos, "Unknown target column '%s'", name)
			}
			target = append(target, *found)
		}
	}
	if len(n.Columns) > 0 {
		given := map[string]bool{}
		for _, c := range target {
			given[c.Name] = true
		}
		probe := &Sink{Table: t}
		for _, i := range pl.notNullColumns(probe) {
			if !given[cols[i].Name] {
				return nil, sql.Errorf(n.Table.Pos, "Column '%s' has no default value and does not allow NULLs", cols[i].Name)
			}
		}
	}
	fs := node.Fields()
	if len(fs) != len(target) {
		return nil, sql.Errorf(n.Start, "Column types of query result and sink for '%s' do not match.\nCause: Different number of columns.\n\nQuery schema: [%s]\nSink schema:  [%s]",
			t.Name, schemaText(fs), columnsText(target))
	}
	// Final projection in sink column order, with implicit casts.
	projects := make([]expr.Expr, len(cols))
	fields := make([]Field, len(cols))
	for i, c := range cols {
		fields[i] = Field{Name: c.Name, Type: c.Type}
		projects[i] = expr.NewConst(types.NullValue, c.Type.Nullable())
	}
	env := pl.env()
	for qi, c := range target {
		si := -1
		for i := range cols {
			if cols[i].Name == c.Name {
				si = i
			}
		}
		f := fs[qi]
		var x expr.Expr = &expr.Col{Idx: qi, T: f.Type, Name: f.Name}
		if !implicitCast(f.Type, c.Type) {
			return nil, sql.Errorf(n.Start, "Column types of query result and sink for '%s' do not match.\nCause: Incompatible types for sink column '%s' at position %d.\n\nQuery schema: [%s]\nSink schema:  [%s]",
				t.Name, c.Name, si, schemaText(fs), columnsText(cols))
		}
		if f.Type.Kind != c.Type.Kind || !sameParams(f.Type, c.Type) {
			cx, err := expr.NewCast(x, c.Type, false, env)
			if err != nil {
				return nil, wrapErr(err, n.Start)
			}
			x = cx
		}
		projects[si] = x
	}
	if !identityProjection(projects, fs, fields) {
		node = &Calc{Input: node, Projects: projects, fields: fields}
	}
	sink := optimize(&Sink{Input: node, Table: t, Name: t.Name}).(*Sink)
	if err := checkPlan(sink); err != nil {
		return nil, err
	}
	// After the rules: they pick, e.g., an insert-only deduplication.
	if sink.Input.Mode() != InsertOnly && !pl.sinkAcceptsUpdates(t) {
		return nil, sql.Errorf(n.Start, "Table sink '%s' doesn't support consuming %s changes which is produced by node %s", t.Name, changeKinds(sink.Input), firstUpdating(sink.Input))
	}
	if err := optionsErr(sink); err != nil {
		return nil, sql.Errorf(n.Table.Pos, "%v", err)
	}
	return sink, nil
}

// checkSinkClauses refuses what the sink of t cannot honour, as Flink
// does: INSERT OVERWRITE (no connector replaces what a table holds) and a
// PARTITIONED BY table whose connector writes no partitions.
func (pl *Planner) checkSinkClauses(n *sql.Insert, t *Table) error {
	name := "default_catalog.default_database." + t.Name
	if n.Overwrite {
		return sql.Errorf(n.Table.Pos, "INSERT OVERWRITE requires that the underlying DynamicTableSink of table '%s' implements the SupportsOverwrite interface.", name)
	}
	if len(t.PartitionedBy) > 0 {
		if c, err := pl.Registry.Lookup(t.Connector()); err == nil && !c.Partitions {
			return sql.Errorf(n.Table.Pos, "Table '%s' is a partitioned table, but the underlying DynamicTableSink doesn't implement the SupportsPartitioning interface.", name)
		}
	}
	return nil
}

func sameParams(a, b types.Type) bool {
	switch a.Kind {
	case types.Decimal:
		return a.Precision == b.Precision && a.Scale == b.Scale
	}
	return true
}

func identityProjection(projects []expr.Expr, in []Field, out []Field) bool {
	if len(projects) != len(in) {
		return false
	}
	for i, p := range projects {
		c, ok := p.(*expr.Col)
		if !ok || c.Idx != i || in[i].Name != out[i].Name {
			return false
		}
	}
	return true
}

func firstUpdating(n Node) string {
	for _, in := range n.Inputs() {
		if m := in.Mode(); m != InsertOnly && m != UpsertSource {
			return firstUpdating(in)
		}
	}
	return n.Describe()
}

func schemaText(fs []Field) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.Name + ": " + f.Type.String()
	}
	return strings.Join(parts, ", ")
}

func columnsText(cs []Column) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.Name + ": " + c.Type.String()
	}
	return strings.Join(parts, ", ")
}

// bindValues binds VALUES rows into a bounded scan.
func (b *binder) bindValues(rows [][]sql.Expr) (Node, error) {
	if len(rows) == 0 {
		return nil, fmt.Errorf("VALUES needs at least one row")
	}
	eb := &exprBinder{b: b, sc: &scope{}}
	bound := make([][]expr.Expr, len(rows))
	width := len(rows[0])
	for i, r := range rows {
		if len(r) != width {
			return nil, sql.Errorf(r[0].ExprPos(), "VALUES rows must all have %d columns", width)
		}
		xs, err := eb.bindAll(r)
		if err != nil {
			return nil, err
		}
		bound[i] = xs
	}
	fields := make([]Field, width)
	for c := 0; c < width; c++ {
		ts := make([]types.Type, len(bound))
		for i := range bound {
			ts[i] = bound[i][c].Type()
		}
		t, ok := expr.CommonType(ts...)
		if !ok {
			return nil, sql.Errorf(rows[0][c].ExprPos(), "VALUES column %d has incompatible types", c+1)
		}
		fields[c] = Field{Name: fmt.Sprintf("EXPR$%d", c), Type: t}
	}
	vals := make([]types.Row, len(bound))
	for i, xs := range bound {
		row := make(types.Row, width)
		for c, x := range xs {
			cx, err := expr.Coerce(x, fields[c].Type, b.env)
			if err != nil {
				return nil, wrapErr(err, rows[i][c].ExprPos())
			}
			v, err := evalConst(cx)
			if err != nil {
				return nil, sql.Errorf(rows[i][c].ExprPos(), "%v", err)
			}
			row[c] = v
		}
		vals[i] = row
	}
	return &Scan{Table: &Table{Name: "values"}, Values: vals, fields: fields}, nil
}

func evalConst(x expr.Expr) (v types.Value, err error) {
	if len(expr.Columns(x)) > 0 {
		return v, fmt.Errorf("VALUES may only hold constant expressions")
	}
	defer func() {
		if r := recover(); r != nil {
			if ee, ok := r.(*expr.EvalError); ok {
				err = ee
				return
			}
			panic(r)
		}
	}()
	return x.Eval(nil), nil
}

// jobSettings applies session settings to a job spec.
func (pl *Planner) JobSettings(spec *engine.JobSpec, id string) error {
	// Flink's idle state retention for regular joins, group aggregates,
	// Top-N and deduplication.
	if v, ok := pl.dialectSetting("table.exec.state.ttl"); ok {
		d, err := parseDuration(v)
		if err != nil {
			return fmt.Errorf("table.exec.state.ttl: %w", err)
		}
		spec.SetStateTTL(d)
	}
	spec.Clock = pl.Clock // processing time (state TTL); nil: the wall clock
	if m, _ := pl.Setting("execution.runtime-mode"); strings.EqualFold(m, "batch") {
		spec.Batch = true
	}
	spec.WatermarkInterval = 200 * time.Millisecond
	if v, ok := pl.Setting("pipeline.auto-watermark-interval"); ok {
		d, err := parseDuration(v)
		if err != nil {
			return fmt.Errorf("pipeline.auto-watermark-interval: %w", err)
		}
		spec.WatermarkInterval = d
	}
	if v, ok := pl.Setting("table.exec.source.idle-timeout"); ok {
		d, err := parseDuration(v)
		if err != nil {
			return fmt.Errorf("table.exec.source.idle-timeout: %w", err)
		}
		spec.IdleTimeout = d
	}
	// Checkpoints every 5 s unless set (Flink's
	// 'execution.checkpointing.interval'); they are kept under the data dir
	// and commit exactly-once sinks.
	spec.CheckpointInterval = DefaultCheckpointInterval
	if v, ok := pl.Setting("execution.checkpointing.interval"); ok {
		d, err := parseDuration(v)
		if err != nil {
			return fmt.Errorf("execution.checkpointing.interval: %w", err)
		}
		spec.CheckpointInterval = d
	}
	if pl.DataDir != "" {
		spec.CheckpointDir = filepath.Join(pl.DataDir, "jobs", id)
	}
	// Restart strategy, as Flink's: fixed-delay (the default, unlimited
	// attempts, 1 s apart) or none.
	spec.RestartAttempts, spec.RestartDelay = -1, time.Second
	strategy, _ := pl.Setting("restart-strategy.type")
	if v, ok := pl.Setting("restart-strategy"); ok {
		strategy = v
	}
	switch strings.ToLower(strings.ReplaceAll(strategy, "_", "-")) {
	case "", "fixed-delay", "fixeddelay", "exponential-delay":
	case "none", "off", "disable", "no-restart":
		spec.RestartAttempts = 0
	default:
		return fmt.Errorf("restart-strategy: unknown strategy '%s' (none, fixed-delay)", strategy)
	}
	if v, ok := pl.Setting("restart-strategy.fixed-delay.attempts"); ok {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("restart-strategy.fixed-delay.attempts: %w", err)
		}
		spec.RestartAttempts = n
	}
	if v, ok := pl.Setting("restart-strategy.fixed-delay.delay"); ok {
		d, err := parseDuration(v)
		if err != nil {
			return fmt.Errorf("restart-strategy.fixed-delay.delay: %w", err)
		}
		spec.RestartDelay = d
	}
	if err := pl.stateSettings(spec, id); err != nil {
		return err
	}
	spec.Log = pl.Log
	return nil
}

// stateSettings chooses the job's state backend (state.backend.type:
// hashmap, the default, keeps keyed state in memory; rocksdb in Tumble's
// LSM on disk) and its key groups (pipeline.max-parallelism).
func (pl *Planner) stateSettings(spec *engine.JobSpec, id string) error {
	spec.State = engine.StateConfig{Backend: engine.MemoryState}
	backend, _ := pl.Setting("state.backend.type")
	if v, ok := pl.Setting("state.backend"); ok && backend == "" {
		backend = v
	}
	switch strings.ToLower(strings.TrimSpace(backend)) {
	case "", "hashmap":
	case "rocksdb":
		spec.State.Backend = engine.DiskState
	default:
		return fmt.Errorf("state.backend.type: unknown state backend '%s' (hashmap, rocksdb)", backend)
	}
	if v, ok := pl.Setting("pipeline.max-parallelism"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 || n > engine.MaxMaxParallelism {
			return fmt.Errorf("pipeline.max-parallelism: '%s' is not between 1 and %d", v, engine.MaxMaxParallelism)
		}
		spec.State.MaxParallelism = n
	}
	for _, s := range []struct {
		key string
		to  *int64
	}{{"state.backend.rocksdb.block.cache-size", &spec.State.BlockCacheSize}, {"state.backend.rocksdb.writebuffer.size", &spec.State.MemTableSize}} {
		if v, ok := pl.Setting(s.key); ok {
			n, err := parseMemorySize(v)
			if err != nil {
				return fmt.Errorf("%s: %w", s.key, err)
			}
			*s.to = n
		}
	}
	if v, ok := pl.Setting("state.backend.rocksdb.writebuffer.count"); ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 1 {
			return fmt.Errorf("state.backend.rocksdb.writebuffer.count: '%s' is not a positive integer", v)
		}
		spec.State.MemTables = n
	}
	if v, ok := pl.Setting("state.backend.rocksdb.localdir"); ok {
		spec.State.Dir = filepath.Join(v, "tumble-job-"+id)
	}
	return nil
}

func (pl *Planner) JobName(def string) string {
	if v, ok := pl.Setting("pipeline.name"); ok && v != "" {
		return v
	}
	return def
}

// buildSinkJob creates the sink and compiles the plan into a job spec.
func (pl *Planner) BuildSinkJob(id string, plan *Sink) (*engine.JobSpec, error) {
	c, err := pl.Registry.Lookup(plan.Table.Connector())
	if err != nil {
		return nil, err
	}
	if c.Sink == nil {
		return nil, fmt.Errorf("connector '%s' cannot be used as a sink", c.Name)
	}
	cols := plan.Columns
	if cols == nil {
		cols = sinkColumns(plan.Table)
	}
	ts := pl.tableSpec(plan.Table, cols)
	ts.Defaults[engine.DefaultJobID] = id
	if plan.Table.KSQL != nil {
		pl.ksqlGuarantee(ts)
	}
	sink, err := c.Sink(ts)
	if err != nil {
		return nil, fmt.Errorf("sink %s: %w", plan.Table.Name, err)
	}
	spec, err := pl.Build(plan, sink, plan.Table.Name)
	if err != nil {
		sink.Close()
		return nil, err
	}
	if err := pl.JobSettings(spec, id); err != nil {
		sink.Close()
		return nil, err
	}
	// Flink restores every following INSERT from the savepoint until RESET
	// 'execution.savepoint.path'; a job that has checkpoints of its own
	// resumes from them instead.
	if v, ok := pl.dialectSetting("execution.savepoint.path"); ok {
		spec.SavepointPath = strings.TrimSpace(v)
	}
	if v, _ := pl.dialectSetting("execution.savepoint.ignore-unclaimed-state"); strings.EqualFold(strings.TrimSpace(v), "true") {
		spec.IgnoreUnclaimed = true
	}
	return spec, nil
}

// ksqlGuarantee maps ksqlDB's processing.guarantee onto the sink.
func (pl *Planner) ksqlGuarantee(ts *engine.TableSpec) {
	g, _ := pl.Setting("processing.guarantee")
	switch strings.ToLower(g) {
	case "exactly_once", "exactly_once_v2", "exactly_once_beta":
		ts.Options["sink.delivery-guarantee"] = "exactly-once"
		ts.Options["sink.transactional-id-prefix"] = "ksql"
	case "at_least_once":
		ts.Options["sink.delivery-guarantee"] = "at-least-once"
	}
}

// planQuery binds and optimizes a SELECT.
func (pl *Planner) PlanQuery(sel *sql.Select) (Node, error) {
	n, err := newBinder(pl).bindSelect(sel)
	if err != nil {
		return nil, err
	}
	if err := optionsErr(n); err != nil {
		return nil, sql.Errorf(sel.Pos, "%v", err)
	}
	n = optimize(n)
	if err := checkPlan(n); err != nil {
		return nil, err
	}
	return n, nil
}

// flinkPlan is the plan of a Flink INSERT or SELECT.
func (pl *Planner) FlinkPlan(st sql.Statement) (Node, error) {
	switch n := st.(type) {
	case *sql.Insert:
		return pl.PlanInsert(n)
	case *sql.Query:
		in, err := pl.PlanQuery(n.Select)
		if err != nil {
			return nil, err
		}
		return &Sink{Input: in}, nil
	}
	pos, _ := st.Span()
	return nil, sql.Errorf(pos, "EXPLAIN supports INSERT and SELECT statements")
}

// CreateTableAs creates the table of Flink's CREATE [OR REPLACE] TABLE
// name WITH (...) AS query: its columns are the query's output columns
// (names and types, without time attributes), its options those given.
// The caller then inserts the query's rows, as Flink runs the statement
// as an INSERT, and calls undo if that fails: undo removes the new table
// (and puts back the one OR REPLACE replaced). With IF NOT EXISTS and an
// existing table nothing is created and undo does nothing.
func (pl *Planner) CreateTableAs(n *sql.CreateAs) (undo func(), err error) {
	nothing := func() {}
	if n.Kind != sql.KindTable {
		return nothing, sql.Errorf(n.Start, "CREATE %s ... AS SELECT is ksqlDB syntax; submit it in the ksqlDB dialect", KindWord(n.Kind))
	}
	id, err := pl.objectID(n.Name)
	if err != nil {
		return nothing, err
	}
	if err, done := pl.checkNew(id, false, n.OrReplace, n.IfNotExists, n.Name.Pos, "Table"); done {
		return nothing, err
	}
	node, err := newBinder(pl).bindSelect(n.Query)
	if err != nil {
		return nothing, err
	}
	st := &sql.CreateTable{Base: n.Base, Kind: sql.KindTable, Name: n.Name, Options: n.Options, Columns: []sql.ColumnDef{}}
	for _, f := range node.Fields() {
		if f.Hidden {
			continue
		}
		tn, ok := typeName(f.Type)
		if !ok {
			return nothing, sql.Errorf(n.Query.Pos, "Column '%s' of the query has type %s, which a table column cannot have", f.Name, f.Type)
		}
		st.Columns = append(st.Columns, sql.ColumnDef{Name: f.Name, Pos: n.Query.Pos, Type: tn})
	}
	t, err := pl.createTable(st)
	if err != nil {
		return nothing, err
	}
	old, replaced := pl.Catalog.PermanentAt(id)
	pl.Catalog.Put(t)
	return func() {
		if replaced {
			pl.Catalog.Put(old)
		} else {
			pl.Catalog.Remove(id)
		}
	}, nil
}
