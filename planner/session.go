package planner

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner/dialect"
	"github.com/tumble/tumble/sql"
)

// Config is what a session needs from its process.
type Config struct {
	Catalog  *Catalog
	Registry *engine.Registry
	Jobs     *JobManager
	// Bootstrap is the default Kafka bootstrap servers (the --bootstrap flag).
	Bootstrap string
	// KafkaProperties are the default cluster's client properties beyond
	// the bootstrap servers, in Kafka's names (security.protocol,
	// sasl.mechanism, sasl.jaas.config, ssl.*): tables that set none of
	// their own use them (the --kafka-config file).
	KafkaProperties map[string]string
	// DataDir, when set, keeps job checkpoints under DataDir/jobs/<id>.
	DataDir string
	// Dialect is the syntax the session's statements are parsed with, and
	// picks the registered dialect of that syntax (dialect.For) unless
	// Frontend is set.
	Dialect sql.Dialect
	// Frontend, when set, is the session's dialect (a front-end that
	// registers none, or several over one syntax).
	Frontend dialect.Dialect
	Log      *slog.Logger
}

// Session executes statements. It holds session settings (SET); the catalog
// and jobs may be shared with other sessions. A Session is used by one
// client at a time.
type Session struct {
	Config
	// dialect is Config.Dialect's: what the session's statements mean.
	dialect  dialect.Dialect
	mu       sync.Mutex
	settings map[string]string
	// jobID, when set, is the id the next job started gets (replaying a
	// persisted statement keeps its job's id, and so its checkpoints).
	jobID string
}

// DefaultCheckpointInterval is how often jobs checkpoint when
// 'execution.checkpointing.interval' is not set.
const DefaultCheckpointInterval = 5 * time.Second

// ExecuteAs runs one statement; a job it starts gets the given id.
func (s *Session) ExecuteAs(ctx context.Context, st sql.Statement, jobID string) (*Result, error) {
	s.mu.Lock()
	s.jobID = jobID
	s.mu.Unlock()
	s.Catalog.sawQueryID(jobID)
	defer func() {
		s.mu.Lock()
		s.jobID = ""
		s.mu.Unlock()
	}()
	return s.Execute(ctx, st)
}

// newJobID returns the id for the next job: the one ExecuteAs set, or
// def() (a fresh Flink-style id when def is nil).
func (s *Session) newJobID(def func() string) string {
	s.mu.Lock()
	id := s.jobID
	s.jobID = ""
	s.mu.Unlock()
	if id != "" {
		return id
	}
	if def != nil {
		return def()
	}
	return NewJobID()
}

// NewSession returns a session.
func NewSession(cfg Config) *Session {
	if cfg.Catalog == nil {
		cfg.Catalog = NewCatalog()
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	d := cfg.Frontend
	if d == nil {
		d = dialectOf(cfg.Dialect)
	}
	return &Session{Config: cfg, dialect: d, settings: map[string]string{}}
}

// planner returns a Planner with the session's settings as they are now.
func (s *Session) planner() *Planner {
	return &Planner{Catalog: s.Catalog, Registry: s.Registry, Dialect: s.dialect, Syntax: s.Dialect, Settings: s.Settings(),
		Bootstrap: s.Bootstrap, DataDir: s.DataDir, KafkaProperties: s.KafkaProperties, Log: s.Log}
}

// Setting returns a session setting (an alias reads the key it stands
// for).
func (s *Session) Setting(key string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.settings[canonicalSetting(key)]
	return v, ok
}

// Set changes a session setting without checking it (SET checks; see
// Apply).
func (s *Session) Set(key, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.settings[canonicalSetting(key)] = value
}

// Apply is SET key = value: the value is checked against the settings
// table (an error for a value the key does not accept) and stored; the
// warnings say when the key is deprecated or not read by Tumble.
func (s *Session) Apply(key, value string) (warnings []string, err error) {
	canonical, warnings, err := CheckSetting(s.Dialect, key, value)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.settings[canonical] = value
	s.mu.Unlock()
	return warnings, nil
}

// Settings returns a copy of all settings.
func (s *Session) Settings() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]string, len(s.settings))
	for k, v := range s.settings {
		out[k] = v
	}
	return out
}

func (pl *Planner) env() *expr.Env {
	rules := pl.Dialect.Rules()
	env := &expr.Env{Sem: rules.Expr, Funcs: rules.Funcs}
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

// ResultKind says what a Result carries.
type ResultKind int

const (
	ResultOK      ResultKind = iota // a message
	ResultTable                     // Columns and Rows
	ResultJob                       // JobID: a job was submitted
	ResultRows                      // Stream: a SELECT streaming rows
	ResultExplain                   // Message holds the plan
	ResultQuit
)

// Result is the outcome of one statement.
type Result struct {
	Kind      ResultKind
	Message   string
	Columns   []string
	Rows      [][]string
	JobID     string
	Stream    *Stream
	Statement sql.Statement
	// Warnings are shown before the result ([WARNING] lines): a setting
	// Tumble does not read, a deprecated key.
	Warnings []string
	// KSQL is set for ksqlDB-dialect statements: what ksqlDB's REST API
	// returns for them.
	KSQL *KSQLEntity
}

// Stream is a running SELECT: rows arrive on Rows until the query ends or
// Cancel is called; Rows is then closed. Err tells why it ended.
type Stream struct {
	Columns []Field
	Rows    <-chan engine.Rec
	Cancel  func()
	Job     *engine.Job
	// Batch is set in batch runtime mode: the client shows the final rows
	// as a table, without the changelog.
	Batch bool
	// MaxColumnWidth is the session's table.display.max-column-width (0:
	// Flink's default, 30).
	MaxColumnWidth int
	// Loc is the session time zone (table.local-time-zone), in which
	// TIMESTAMP_LTZ values are shown.
	Loc *time.Location
	// Mode is sql-client.execution.result-mode: "tableau" (the default),
	// "changelog" or "table".
	Mode string
	// MaxTableRows bounds the rows the table mode keeps
	// (sql-client.execution.max-table-result.rows; 0: no bound).
	MaxTableRows int
	// Changelog is the changelog the rows form: insert-only, retracting
	// (-U and -D carry the row they take back) or upserting.
	Changelog Changelog
	// errFn, when set, is the error of a stream that no job produces
	// (PRINT's reader of a topic).
	errFn func() error
}

// Display sets how the client shows the stream from session settings
// (the session's own, or those a remote client keeps).
func (st *Stream) Display(settings map[string]string) {
	get := func(key string) string {
		if v, ok := settings[key]; ok {
			return strings.TrimSpace(v)
		}
		def, _ := LookupSetting(sql.Flink, key)
		return def.Default
	}
	st.Batch = strings.EqualFold(get("execution.runtime-mode"), "batch")
	st.Mode = strings.ToLower(get("sql-client.execution.result-mode"))
	if n, err := strconv.Atoi(get("table.display.max-column-width")); err == nil && n > 0 {
		st.MaxColumnWidth = n
	}
	if n, err := strconv.Atoi(get("sql-client.execution.max-table-result.rows")); err == nil && n > 0 {
		st.MaxTableRows = n
	}
	st.Loc = time.Local
	if tz := get("table.local-time-zone"); tz != "" && tz != "default" {
		if loc, err := time.LoadLocation(tz); err == nil {
			st.Loc = loc
		}
	}
}

// Err returns the error that ended the stream (the job's, or that of
// whatever else produced the rows) after Rows is closed.
func (st *Stream) Err() error {
	if st.errFn != nil {
		if err := st.errFn(); err != nil {
			return err
		}
	}
	if st.Job == nil {
		return nil
	}
	return st.Job.Err()
}

// ok is the standard success answer.
func ok(msg string) *Result { return &Result{Kind: ResultOK, Message: msg} }

// ExecuteText parses and executes every statement in text, stopping at the
// first error. Results of the statements that ran are returned with it.
func (s *Session) ExecuteText(ctx context.Context, text string) ([]*Result, error) {
	stmts, err := sql.Parse(text, s.Dialect)
	if err != nil {
		return nil, err
	}
	var out []*Result
	for _, st := range stmts {
		r, err := s.Execute(ctx, st)
		if err != nil {
			return out, sql.WithNear(err, text)
		}
		r.Statement = st
		out = append(out, r)
	}
	return out, nil
}

// Execute runs one statement.
func (s *Session) Execute(ctx context.Context, st sql.Statement) (*Result, error) {
	x := s.statementsOf()
	switch n := st.(type) {
	case *sql.CreateTable:
		return x.createTable(n)
	case *sql.CreateView:
		return s.planner().execCreateView(n)
	case *sql.CreateAs:
		return x.createAs(ctx, n)
	case *sql.Drop:
		return x.drop(ctx, n)
	case *sql.Insert:
		return x.insert(ctx, n)
	case *sql.Query:
		return x.query(ctx, n)
	case *sql.Explain:
		return s.execExplain(n)
	case *sql.Set:
		return s.execSet(n)
	case *sql.Reset:
		s.mu.Lock()
		if n.Key == "" {
			s.settings = map[string]string{}
		} else {
			delete(s.settings, canonicalSetting(n.Key))
		}
		s.mu.Unlock()
		return ok("Execute statement succeeded."), nil
	case *sql.Show:
		return x.show(ctx, n)
	case *sql.Describe:
		return x.describe(n)
	case *sql.AlterTable:
		if msg, no := s.dialect.Rules().Refuses(dialect.FeatureAlter); no {
			return nil, sql.Errorf(n.Start, "%s", msg)
		}
		return s.planner().execAlter(n)
	case *sql.StopJob:
		return s.execStopJob(n)
	case *sql.Help:
		return &Result{Kind: ResultOK, Message: helpText}, nil
	case *sql.Quit:
		return &Result{Kind: ResultQuit}, nil
	case *sql.Print:
		return s.ksqlPrint(ctx, n)
	}
	pos, _ := st.Span()
	return nil, sql.Errorf(pos, "unsupported statement %T", st)
}

func (pl *Planner) execCreateTable(n *sql.CreateTable) (*Result, error) {
	name := n.Name.Last()
	if err, done := pl.checkNew(name, n.Temporary, n.OrReplace, n.IfNotExists, n.Name.Pos, "Table"); done {
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
	return ok("Execute statement succeeded."), nil
}

// checkNew checks that an object of that name may be created. A
// temporary object may hide a permanent one and the other way round; the
// same kind twice is an error unless IF NOT EXISTS (done: nothing more to
// do) or OR REPLACE.
func (pl *Planner) checkNew(name string, temporary, orReplace, ifNotExists bool, pos sql.Pos, what string) (err error, done bool) {
	var exists bool
	if temporary {
		_, exists = pl.Catalog.Temporary(name)
	} else {
		_, exists = pl.Catalog.Permanent(name)
	}
	if !exists || orReplace {
		return nil, false
	}
	if ifNotExists {
		return nil, true
	}
	if temporary {
		return sql.Errorf(pos, "Temporary table '%s' already exists", qualified(name)), true
	}
	// Flink's TableAlreadyExistException, for tables and views alike.
	return sql.Errorf(pos, "Table (or view) default_database.%s already exists in Catalog default_catalog.", name), true
}

func (pl *Planner) execCreateView(n *sql.CreateView) (*Result, error) {
	name := n.Name.Last()
	if err, done := pl.checkNew(name, n.Temporary, n.OrReplace, n.IfNotExists, n.Name.Pos, "View"); done {
		return ok2(), err
	}
	b := newBinder(pl)
	node, err := b.bindSelect(n.Query)
	if err != nil {
		return nil, err
	}
	_, text := n.Span()
	t := &Table{Name: name, Kind: sql.KindView, Dialect: pl.Syntax, View: n.Query, Statement: text, Options: map[string]string{},
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
		q.UnionAll != nil || ref.ForSystemTime != nil || len(ref.Name.Parts) != 1 {
		return ""
	}
	t, ok := pl.Catalog.Get(ref.Name.Last())
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
	out := "SELECT " + strings.Join(items, ", ") + "\nFROM " + qualified(t.Name) + " AS " + sql.Backtick(alias)
	if q.Where != nil {
		w, err := sql.ParseExpr(sql.SQL(q.Where), sql.Flink)
		if err != nil {
			return ""
		}
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
func (pl *Planner) flinkDrop(n *sql.Drop) (*Result, error) {
	name := n.Name.Last()
	what := "Table"
	if n.Kind == sql.KindView {
		what = "View"
	}
	if n.Temporary {
		t, exists := pl.Catalog.Temporary(name)
		if !exists || (n.Kind == sql.KindView) != (t.Kind == sql.KindView) {
			if n.IfExists {
				return ok2(), nil
			}
			return nil, sql.Errorf(n.Name.Pos, "Temporary %s with identifier '%s' does not exist.", strings.ToLower(what), qualified(name))
		}
		pl.Catalog.DeleteTemporary(name)
		return ok2(), nil
	}
	if t, exists := pl.Catalog.Temporary(name); exists {
		return nil, sql.Errorf(n.Name.Pos, "Temporary %s with identifier '%s' exists. Drop it first before removing the permanent %s.",
			strings.ToLower(objectWord(t)), qualified(name), strings.ToLower(what))
	}
	t, exists := pl.Catalog.Lookup(name, false)
	if !exists {
		if n.IfExists {
			return ok("Execute statement succeeded."), nil
		}
		return nil, sql.Errorf(n.Name.Pos, "%s with identifier 'default_catalog.default_database.%s' does not exist.", what, name)
	}
	if n.Kind == sql.KindView && t.Kind != sql.KindView {
		return nil, sql.Errorf(n.Name.Pos, "Table '%s' is not a view; use DROP TABLE", name)
	}
	if n.Kind == sql.KindTable && t.Kind == sql.KindView {
		return nil, sql.Errorf(n.Name.Pos, "'%s' is a view; use DROP VIEW", name)
	}
	pl.Catalog.Delete(t.Name)
	return ok("Execute statement succeeded."), nil
}

func objectWord(t *Table) string {
	if t.Kind == sql.KindView {
		return "View"
	}
	return "Table"
}

// planInsert binds INSERT INTO ... SELECT|VALUES into a plan with a Sink.
func (pl *Planner) planInsert(n *sql.Insert) (*Sink, error) {
	t, err := newBinder(pl).lookupTable(n.Table)
	if err != nil {
		return nil, err
	}
	if t.Kind == sql.KindView {
		return nil, sql.Errorf(n.Table.Pos, "Cannot INSERT INTO view '%s'", t.Name)
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
	if sink.Input.Mode() != InsertOnly && !sinkAcceptsUpdates(t) {
		return nil, sql.Errorf(n.Start, "Table sink '%s' doesn't support consuming update changes which is produced by node %s", t.Name, firstUpdating(sink.Input))
	}
	if err := optionsErr(sink); err != nil {
		return nil, sql.Errorf(n.Table.Pos, "%v", err)
	}
	return sink, nil
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
		if in.Mode() != InsertOnly {
			return firstUpdating(in)
		}
	}
	return n.Describe()
}

func sinkAcceptsUpdates(t *Table) bool {
	switch t.Connector() {
	case "kafka":
		return t.KSQL != nil && t.Kind == sql.KindTable // a ksqlDB table's topic is a changelog
	case "print", "blackhole", "upsert-kafka":
		return true
	}
	return false
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
func (pl *Planner) jobSettings(spec *engine.JobSpec, id string) error {
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
	spec.Log = pl.Log
	return nil
}

func (pl *Planner) jobName(def string) string {
	if v, ok := pl.Setting("pipeline.name"); ok && v != "" {
		return v
	}
	return def
}

func (s *Session) execInsert(ctx context.Context, n *sql.Insert) (*Result, error) {
	pl := s.planner()
	plan, err := pl.planInsert(n)
	if err != nil {
		return nil, err
	}
	_, text := n.Span()
	id := s.newJobID(nil)
	info := &JobInfo{ID: id, Name: pl.jobName("insert-into_default_catalog.default_database." + plan.Table.Name), Statement: text, Dialect: s.Dialect, Sink: plan.Table.Name}
	if err := s.startPlan(ctx, pl, info, plan); err != nil {
		return nil, err
	}
	if v, _ := s.Setting("table.dml-sync"); strings.EqualFold(v, "true") {
		// The job has finished: Flink's client says so instead of the id.
		return &Result{Kind: ResultOK, Message: "Complete execution of the SQL update statement.", JobID: id}, nil
	}
	return &Result{Kind: ResultJob, JobID: id}, nil
}

// startPlan builds the sink and the job for a Sink plan and starts it. A
// job that restarts is rebuilt by pl, the planner of the statement that
// submitted it: the settings it was submitted with, not the session's
// settings of the moment.
func (s *Session) startPlan(ctx context.Context, pl *Planner, info *JobInfo, plan *Sink) error {
	spec, err := pl.buildSinkJob(info.ID, plan)
	if err != nil {
		return err
	}
	if !info.Transient {
		// A failed attempt restarts from the last checkpoint with fresh
		// sources and sinks built from the same plan.
		spec.Rebuild = func() (*engine.JobSpec, error) { return pl.buildSinkJob(info.ID, plan) }
	}
	if err := s.Jobs.Start(info, spec); err != nil {
		return err
	}
	if v, _ := s.Setting("table.dml-sync"); strings.EqualFold(v, "true") {
		select {
		case <-info.Job.Done():
		case <-ctx.Done():
			return ctx.Err()
		}
		if err := info.Job.Err(); err != nil {
			return err
		}
	}
	return nil
}

// buildSinkJob creates the sink and compiles the plan into a job spec.
func (pl *Planner) buildSinkJob(id string, plan *Sink) (*engine.JobSpec, error) {
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
	spec, err := pl.build(plan, sink, plan.Table.Name)
	if err != nil {
		sink.Close()
		return nil, err
	}
	if err := pl.jobSettings(spec, id); err != nil {
		sink.Close()
		return nil, err
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
func (pl *Planner) planQuery(sel *sql.Select) (Node, error) {
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

func (s *Session) execQuery(ctx context.Context, n *sql.Query) (*Result, error) {
	pl := s.planner()
	node, err := pl.planQuery(n.Select)
	if err != nil {
		return nil, err
	}
	return s.startStream(pl, node, n)
}

// startStream runs a plan whose rows go to the client.
func (s *Session) startStream(pl *Planner, node Node, n sql.Statement) (*Result, error) {
	rows := make(chan engine.Rec, 1024)
	streamCtx, cancel := context.WithCancel(context.Background())
	sink := &engine.CollectSink{Fn: func(ctx context.Context, recs []engine.Rec) error {
		for _, r := range recs {
			select {
			case rows <- r:
			case <-ctx.Done():
				return ctx.Err()
			case <-streamCtx.Done():
				return streamCtx.Err()
			}
		}
		return nil
	}}
	spec, err := pl.build(&Sink{Input: node}, sink, "*client*")
	if err != nil {
		cancel()
		return nil, err
	}
	id := NewJobID()
	if err := pl.jobSettings(spec, id); err != nil {
		cancel()
		return nil, err
	}
	spec.CheckpointDir = ""
	_, text := n.Span()
	info := &JobInfo{ID: id, Name: "collect", Statement: text, Dialect: s.Dialect, Transient: true}
	if err := s.Jobs.Start(info, spec); err != nil {
		cancel()
		return nil, err
	}
	go func() {
		<-info.Job.Done()
		cancel()
		s.Jobs.Remove(id)
		close(rows)
	}()
	st := &Stream{Columns: node.Fields(), Rows: rows, Job: info.Job, Changelog: node.Mode(), Cancel: func() {
		cancel()
		info.Job.Stop()
	}}
	st.Display(pl.Settings)
	return &Result{Kind: ResultRows, Stream: st, JobID: id}, nil
}

// Explain returns the plan text of an INSERT or SELECT (and, in
// ksqlDB, CREATE ... AS SELECT).
func (s *Session) Explain(st sql.Statement) (string, error) {
	node, err := s.statementsOf().plan(st)
	if err != nil {
		return "", err
	}
	return "== Physical Plan ==\n" + Explain(node), nil
}

// flinkPlan is the plan of a Flink INSERT or SELECT.
func (pl *Planner) flinkPlan(st sql.Statement) (Node, error) {
	switch n := st.(type) {
	case *sql.Insert:
		return pl.planInsert(n)
	case *sql.Query:
		in, err := pl.planQuery(n.Select)
		if err != nil {
			return nil, err
		}
		return &Sink{Input: in}, nil
	}
	pos, _ := st.Span()
	return nil, sql.Errorf(pos, "EXPLAIN supports INSERT and SELECT statements")
}

func (s *Session) execExplain(n *sql.Explain) (*Result, error) {
	if n.Stmt == nil {
		return s.statementsOf().explainQuery(n)
	}
	text, err := s.Explain(n.Stmt)
	if err != nil {
		return nil, err
	}
	return &Result{Kind: ResultExplain, Message: text}, nil
}

func (s *Session) execSet(n *sql.Set) (*Result, error) {
	if n.Key == "" {
		return SettingsTable(s.Dialect, s.Settings()), nil
	}
	warnings, err := s.Apply(n.Key, n.Value)
	if err != nil {
		return nil, sql.Errorf(n.Start, "%v", err)
	}
	r := s.statementsOf().setDone(n.Key, n.Value)
	r.Warnings = warnings
	return r, nil
}

func (s *Session) execShow(n *sql.Show) (*Result, error) {
	switch n.What {
	case "TABLES", "VIEWS":
		// SHOW TABLES lists views too, as Flink's does.
		r := &Result{Kind: ResultTable, Columns: []string{"table name"}}
		if n.What == "VIEWS" {
			r.Columns = []string{"view name"}
		}
		like := likeMatcher(n)
		for _, t := range s.Catalog.List() {
			if (n.What == "TABLES" || t.Kind == sql.KindView) && (like == nil || like(t.Name)) {
				r.Rows = append(r.Rows, []string{t.Name})
			}
		}
		return r, nil
	case "COLUMNS":
		return s.planner().showColumns(n)
	case "CREATE TABLE", "CREATE VIEW":
		return s.planner().showCreate(n)
	case "JOBS":
		// SHOW JOBS EXTENDED adds the job's counters (Flink shows them in its
		// web UI; the REPL has no other place).
		r := &Result{Kind: ResultTable, Columns: []string{"job id", "job name", "status", "start time"}}
		if n.Extended {
			r.Columns = append(r.Columns, "records in", "records out", "skipped", "late dropped", "watermark", "checkpoints", "restarts", "error")
		}
		for _, j := range s.Jobs.List() {
			row := []string{j.ID, j.Name, string(j.Job.Status()), statusTime(j.Job.Started())}
			if n.Extended {
				m := j.Job.Metrics.Snapshot()
				wm := ""
				if m.Watermark != engine.MinWatermark && m.Watermark != engine.MaxWatermark {
					wm = types.FormatTimestamp(m.Watermark, 3, ' ')
				}
				errText := ""
				if err := j.Job.Err(); err != nil {
					errText = err.Error()
				}
				row = append(row, strconv.FormatInt(m.RecordsIn, 10), strconv.FormatInt(m.RecordsOut, 10),
					strconv.FormatInt(m.Skipped, 10), strconv.FormatInt(m.LateDropped, 10), wm,
					strconv.FormatInt(m.Checkpoints, 10), strconv.FormatInt(j.Job.Restarts(), 10), errText)
			}
			r.Rows = append(r.Rows, row)
		}
		return r, nil
	case "FUNCTIONS":
		r := &Result{Kind: ResultTable, Columns: []string{"function name"}}
		names := append(expr.FunctionNames(), "AVG", "COUNT", "MAX", "MIN", "SUM")
		sort.Strings(names)
		for _, f := range names {
			r.Rows = append(r.Rows, []string{f})
		}
		return r, nil
	case "CATALOGS":
		return &Result{Kind: ResultTable, Columns: []string{"catalog name"}, Rows: [][]string{{"default_catalog"}}}, nil
	case "DATABASES":
		return &Result{Kind: ResultTable, Columns: []string{"database name"}, Rows: [][]string{{"default_database"}}}, nil
	}
	return nil, sql.Errorf(n.Start, "SHOW %s is not supported", n.What)
}

func (s *Session) execDescribe(n *sql.Describe) (*Result, error) {
	t, err := s.planner().flinkObject(n.Name)
	if err != nil {
		return nil, err
	}
	return describe(t, nil), nil
}

func (s *Session) execStopJob(n *sql.StopJob) (*Result, error) {
	if n.All {
		for _, j := range s.Jobs.List() {
			if err := s.Jobs.Stop(j.ID, true); err != nil {
				return nil, err
			}
		}
		return ok("Execute statement succeeded."), nil
	}
	j, found := s.Jobs.Get(n.ID)
	if !found {
		for _, cand := range s.Jobs.List() {
			if strings.EqualFold(cand.ID, n.ID) {
				j, found = cand, true
			}
		}
	}
	if !found {
		return nil, sql.Errorf(n.Start, "Could not stop job %s: no such job", n.ID)
	}
	if err := s.Jobs.Stop(j.ID, s.statementsOf().stopRemoves()); err != nil {
		return nil, err
	}
	return ok("Execute statement succeeded."), nil
}

const helpText = `The following commands are available:

CREATE TABLE		Create table under current catalog and database.
CREATE VIEW		Create view under current catalog and database.
DESCRIBE		Describe the schema of a table with the given name.
DROP TABLE		Drop table with the given name.
DROP VIEW		Drop view with the given name.
EXPLAIN		Describes the execution plan of a query or table with the given name.
HELP		Prints the available commands.
INSERT INTO		Inserts the results of a SQL SELECT query into a declared table sink.
QUIT		Quits the SQL CLI client.
RESET		Resets a session configuration property. Syntax: "RESET '<key>';". Use "RESET;" for reset all session properties.
SELECT		Executes a SQL SELECT query and streams its rows ('+I' row kinds) until Ctrl-C.
SET		Sets a session configuration property. Syntax: "SET '<key>'='<value>';". Use "SET;" for listing all properties.
SHOW JOBS		Shows the jobs of this process (SHOW JOBS EXTENDED: with their counters).
SHOW TABLES		Shows all registered tables.
SHOW VIEWS		Shows all registered views.
STOP JOB		Stops a running job. Syntax: "STOP JOB '<job id>';".

"SET;" lists the settings Tumble reads, with the values in force and their defaults.

Hint: Make sure that a statement ends with ";" for finalizing (multi-line) statements.`

// flinkStatements is Flink SQL's executor (and that of a dialect without
// one of its own).
type flinkStatements struct{ s *Session }

func init() { registerStatements("flink", func(s *Session) statements { return flinkStatements{s} }) }

func (x flinkStatements) createTable(n *sql.CreateTable) (*Result, error) {
	return x.s.planner().execCreateTable(n)
}
func (x flinkStatements) createAs(_ context.Context, n *sql.CreateAs) (*Result, error) {
	return nil, sql.Errorf(n.Start, "CREATE TABLE AS SELECT is not supported yet")
}
func (x flinkStatements) insert(ctx context.Context, n *sql.Insert) (*Result, error) {
	return x.s.execInsert(ctx, n)
}
func (x flinkStatements) query(ctx context.Context, n *sql.Query) (*Result, error) {
	return x.s.execQuery(ctx, n)
}
func (x flinkStatements) drop(_ context.Context, n *sql.Drop) (*Result, error) {
	return x.s.planner().flinkDrop(n)
}
func (x flinkStatements) show(_ context.Context, n *sql.Show) (*Result, error) {
	return x.s.execShow(n)
}
func (x flinkStatements) describe(n *sql.Describe) (*Result, error) { return x.s.execDescribe(n) }
func (x flinkStatements) plan(st sql.Statement) (Node, error)       { return x.s.planner().flinkPlan(st) }
func (x flinkStatements) explainQuery(n *sql.Explain) (*Result, error) {
	return x.s.explainQueryID(n) // as ksqlDB's: Flink has no EXPLAIN <id>
}
func (x flinkStatements) setDone(string, string) *Result { return ok("Execute statement succeeded.") }
func (x flinkStatements) stopRemoves() bool              { return false }
