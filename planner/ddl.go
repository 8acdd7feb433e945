package planner

import (
	"fmt"
	"strings"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/sql"
)

// metadataTypes are the Kafka metadata keys a Flink table can declare,
// with the type Flink gives them.
var metadataTypes = map[string]types.Kind{
	"timestamp":      types.TimestampLTZ,
	"partition":      types.Int,
	"offset":         types.BigInt,
	"topic":          types.String,
	"headers":        types.Map,
	"timestamp-type": types.String,
	"leader-epoch":   types.Int,
	"key":            types.Bytes,
	"value":          types.Bytes,
}

// createTable validates a Flink CREATE TABLE and returns the catalog entry.
func (pl *Planner) createTable(st *sql.CreateTable) (*Table, error) {
	return pl.createTableChecked(st, true)
}

// createTableChecked is createTable; checkConnector says whether the
// connector's options are checked too.
func (pl *Planner) createTableChecked(st *sql.CreateTable, checkConnector bool) (*Table, error) {
	pos, text := st.Span()
	id, err := pl.objectID(st.Name)
	if err != nil {
		return nil, err
	}
	t := &Table{
		Name:      id.Name,
		Path:      id.Path(),
		Kind:      sql.KindTable,
		Dialect:   pl.Syntax,
		Options:   map[string]string{},
		Statement: text,
		Comment:   st.Comment,
		Temporary: st.Temporary,
	}
	like, err := pl.likeBase(st)
	if err != nil {
		return nil, err
	}
	if like != nil {
		like.inherit(t)
	}
	fromBase := map[string]bool{}
	for _, c := range t.Columns {
		fromBase[c.Name] = true
	}
	seen := map[string]bool{}
	var derivedPK []string
	for _, cd := range st.Columns {
		if seen[cd.Name] {
			return nil, sql.Errorf(cd.Pos, "A column named '%s' already exists in the table", cd.Name)
		}
		seen[cd.Name] = true
		c := Column{Name: cd.Name, Kind: cd.Kind, Virtual: cd.Virtual, Comment: cd.Comment, Def: cd}
		switch cd.Kind {
		case sql.Computed:
			c.Expr = cd.Expr
		default:
			ct, err := convertType(cd.Type, pl.Dialect.Rules())
			if err != nil {
				return nil, err
			}
			c.Type = ct
			if cd.Kind == sql.Metadata {
				c.MetadataKey = cd.MetadataKey
				if c.MetadataKey == "" {
					c.MetadataKey = cd.Name
				}
			}
		}
		if cd.PrimaryKey {
			derivedPK = append(derivedPK, cd.Name)
		}
		if fromBase[cd.Name] {
			at, err := like.overwrite(t, cd)
			if err != nil {
				return nil, err
			}
			t.Columns[at] = c
			continue
		}
		t.Columns = append(t.Columns, c)
	}
	if len(st.PrimaryKey) > 0 {
		derivedPK = st.PrimaryKey
	}
	if len(derivedPK) > 0 {
		if len(t.PrimaryKey) > 0 {
			return nil, sql.Errorf(pos, "The base table already has a primary key. You might want to specify EXCLUDING CONSTRAINTS.")
		}
		t.PrimaryKey = append([]string(nil), derivedPK...)
		t.PrimaryKeyName = st.PrimaryKeyName
	}
	for _, pk := range t.PrimaryKey {
		if t.Column(pk) == nil {
			return nil, sql.Errorf(pos, "Primary key column '%s' is not defined in the schema", pk)
		}
	}
	if len(st.PartitionedBy) > 0 {
		if len(t.PartitionedBy) > 0 {
			return nil, sql.Errorf(pos, "The base table already has partitions defined. You might want to specify EXCLUDING PARTITIONS.")
		}
		t.PartitionedBy = st.PartitionedBy
	}
	for _, o := range st.Options {
		old, dup := t.Options[o.Key]
		if dup && like != nil && like.strategy["OPTIONS"] == likeIncluding {
			return nil, sql.Errorf(o.Pos, "There already exists an option ['%s' -> '%s'] in the base table. You might want to specify EXCLUDING OPTIONS or OVERWRITING OPTIONS.", o.Key, old)
		}
		if !dup {
			t.OptionKeys = append(t.OptionKeys, o.Key)
		}
		t.Options[o.Key] = o.Value
	}
	if err := translateLegacyOptions(t, st); err != nil {
		return nil, err
	}
	if st.Watermark != nil && t.Watermark != nil {
		if t.Watermark.Column != st.Watermark.Column {
			return nil, sql.Errorf(st.Watermark.Pos, "Multiple watermark definition is not supported yet.")
		}
		if like.strategy["WATERMARKS"] != likeOverwriting {
			return nil, sql.Errorf(st.Watermark.Pos, "There already exists a watermark spec for column '%s' in the base table. You might want to specify EXCLUDING WATERMARKS or OVERWRITING WATERMARKS.", st.Watermark.Column)
		}
	}
	// Resolve computed column types and check the watermark by binding a scan.
	b := newBinder(pl)
	if err := pl.checkMetadata(t, st); err != nil {
		return nil, err
	}
	if st.Watermark != nil {
		t.Watermark = &WatermarkDef{Column: st.Watermark.Column, Expr: st.Watermark.Expr}
		c := t.Column(st.Watermark.Column)
		if c == nil {
			return nil, sql.Errorf(st.Watermark.Pos, "The rowtime attribute field '%s' is not defined in the table schema", st.Watermark.Column)
		}
	}
	node, err := b.scan(t, t.Name)
	if err != nil {
		return nil, err
	}
	fields := node.Fields()
	for i := range t.Columns {
		if t.Columns[i].Kind == sql.Computed {
			t.Columns[i].Type = fields[i].Type
		}
	}
	if wa, ok := node.(*WatermarkAssigner); ok && st.Watermark != nil {
		// (A watermark inherited through LIKE was checked with its table.)
		rt := fields[wa.Rowtime].Type
		if (rt.Kind != types.Timestamp && rt.Kind != types.TimestampLTZ) || rt.Precision > 3 {
			return nil, sql.Errorf(st.Watermark.Pos, "Invalid data type of time field for watermark definition. The field must be of type TIMESTAMP(p) or TIMESTAMP_LTZ(p), the supported precision 'p' is from 0 to 3, but the time field type is %s", rt)
		}
		wt := wa.Expr.Type()
		if wt.Kind != types.Timestamp && wt.Kind != types.TimestampLTZ {
			return nil, sql.Errorf(st.Watermark.Pos, "Watermark strategy %s must be of type TIMESTAMP or TIMESTAMP_LTZ but is of type '%s'", wa.Expr, wt)
		}
		t.Watermark.Text = sql.SQL(st.Watermark.Expr)
	}
	if checkConnector {
		if err := pl.validateConnector(t, st); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// Merging strategies of CREATE TABLE ... LIKE.
const (
	likeIncluding   = "INCLUDING"
	likeExcluding   = "EXCLUDING"
	likeOverwriting = "OVERWRITING"
)

// likeMerge is the base table of CREATE TABLE ... LIKE and how each of
// its features merges into the new table, as Flink merges them.
type likeMerge struct {
	base     *Table
	strategy map[string]string // feature -> strategy
}

// likeBase resolves the LIKE clause of st (nil without one): its base
// table and the strategy of each feature — Flink's defaults (INCLUDING,
// OVERWRITING for OPTIONS), then ALL, then each feature the clause names.
func (pl *Planner) likeBase(st *sql.CreateTable) (*likeMerge, error) {
	if st.Like == nil {
		return nil, nil
	}
	likeID, err := pl.objectID(*st.Like)
	if err != nil {
		return nil, err
	}
	base, ok := pl.Catalog.Find(likeID)
	if !ok {
		return nil, sql.Errorf(st.Like.Pos, "Source table '%s' of the LIKE clause not found in the catalog", st.Like.Last())
	}
	if base.Kind == sql.KindView {
		return nil, sql.Errorf(st.Like.Pos, "Source table '%s' of the LIKE clause can not be a VIEW", st.Like.Last())
	}
	m := &likeMerge{base: base, strategy: map[string]string{"CONSTRAINTS": likeIncluding, "GENERATED": likeIncluding,
		"METADATA": likeIncluding, "OPTIONS": likeOverwriting, "PARTITIONS": likeIncluding, "WATERMARKS": likeIncluding}}
	for _, o := range st.LikeOptions {
		if o.Feature == "ALL" {
			for f := range m.strategy {
				m.strategy[f] = o.Strategy
			}
		}
	}
	for _, o := range st.LikeOptions {
		if o.Feature != "ALL" {
			m.strategy[o.Feature] = o.Strategy
		}
	}
	return m, nil
}

// inherit copies into t what it takes of the base table: every physical
// column, and the computed and metadata columns, watermark, primary key,
// partitions and options that are not excluded.
func (m *likeMerge) inherit(t *Table) {
	b := m.base
	for _, c := range b.Columns {
		switch {
		case c.Kind == sql.Computed && m.strategy["GENERATED"] == likeExcluding,
			c.Kind == sql.Metadata && m.strategy["METADATA"] == likeExcluding:
			continue
		}
		t.Columns = append(t.Columns, c)
	}
	if b.Watermark != nil && m.strategy["WATERMARKS"] != likeExcluding {
		wm := *b.Watermark
		t.Watermark = &wm
	}
	if len(b.PrimaryKey) > 0 && m.strategy["CONSTRAINTS"] == likeIncluding {
		t.PrimaryKey = append([]string(nil), b.PrimaryKey...)
		t.PrimaryKeyName = b.PrimaryKeyName
	}
	if m.strategy["PARTITIONS"] != likeExcluding {
		t.PartitionedBy = append([]string(nil), b.PartitionedBy...)
	}
	if m.strategy["OPTIONS"] != likeExcluding {
		for _, k := range b.OptionKeys {
			t.Options[k] = b.Options[k]
			t.OptionKeys = append(t.OptionKeys, k)
		}
	}
}

// overwrite checks that column cd of the new table may replace the
// inherited column of its name, and returns that column's position: only
// a computed column replaces a computed one, a metadata column a metadata
// one, and only with OVERWRITING GENERATED / METADATA.
func (m *likeMerge) overwrite(t *Table, cd sql.ColumnDef) (int, error) {
	at := -1
	for i := range t.Columns {
		if t.Columns[i].Name == cd.Name {
			at = i
		}
	}
	old := t.Columns[at]
	switch cd.Kind {
	case sql.Computed, sql.Metadata:
		what, feature := "Computed columns", "GENERATED"
		kind := "generated"
		if cd.Kind == sql.Metadata {
			what, feature, kind = "Metadata columns", "METADATA", "metadata"
		}
		if old.Kind != cd.Kind {
			return 0, sql.Errorf(cd.Pos, "A column named '%s' already exists in the base table. %s can only overwrite other %s.", cd.Name, what, strings.ToLower(what))
		}
		if m.strategy[feature] != likeOverwriting {
			return 0, sql.Errorf(cd.Pos, "A %s column named '%s' already exists in the base table. You might want to specify EXCLUDING %s or OVERWRITING %s.", kind, cd.Name, feature, feature)
		}
		return at, nil
	}
	return 0, sql.Errorf(cd.Pos, "A column named '%s' already exists in the base table.", cd.Name)
}

func (pl *Planner) checkMetadata(t *Table, st *sql.CreateTable) error {
	if t.Connector() != "kafka" && t.Connector() != "upsert-kafka" {
		return nil
	}
	for i, c := range t.Columns {
		if c.Kind != sql.Metadata {
			continue
		}
		k, ok := metadataTypes[c.MetadataKey]
		pos := st.Start
		if i < len(st.Columns) {
			pos = st.Columns[i].Pos
		}
		if !ok {
			keys := make([]string, 0, len(metadataTypes))
			for k := range metadataTypes {
				keys = append(keys, "'"+k+"'")
			}
			return sql.Errorf(pos, "Invalid metadata key '%s' in column '%s' of table '%s'. The kafka connector supports: %s", c.MetadataKey, c.Name, t.Name, strings.Join(sortedStrings(keys), ", "))
		}
		if k == types.TimestampLTZ && c.Type.Kind != types.Timestamp && c.Type.Kind != types.TimestampLTZ {
			return sql.Errorf(pos, "Invalid data type for metadata column '%s': %s cannot hold 'timestamp' (TIMESTAMP_LTZ(3))", c.Name, c.Type)
		}
	}
	return nil
}

func sortedStrings(s []string) []string {
	out := append([]string(nil), s...)
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j] < out[j-1]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// validateConnector checks the connector exists and accepts the options.
func (pl *Planner) validateConnector(t *Table, st *sql.CreateTable) error {
	name := t.Connector()
	optPos := func(key string) sql.Pos {
		for _, o := range st.Options {
			if o.Key == key {
				return o.Pos
			}
		}
		return st.Start
	}
	if name == "" {
		return sql.Errorf(st.Start, "Table options do not contain an option key 'connector' for discovering a connector. Table '%s'", t.Name)
	}
	c, err := pl.Registry.Lookup(name)
	if err != nil {
		return sql.Errorf(optPos("connector"), "Could not find any factory for identifier '%s' that implements DynamicTableFactory: %v", name, err)
	}
	if len(c.Options) > 0 {
		var unknown []string
		for _, k := range t.OptionKeys {
			if k == "connector" || c.AcceptsOption(k) {
				continue
			}
			unknown = append(unknown, k)
		}
		if len(unknown) > 0 {
			return sql.Errorf(optPos(unknown[0]), "%s", unsupportedOptions(name, unknown))
		}
	}
	if c.Validate != nil {
		spec := pl.tableSpec(t, nil)
		if err := c.Validate(spec); err != nil {
			// As Flink, a table whose options are incomplete can be
			// created (and altered); using it fails.
			t.OptionsErr = fmt.Errorf("Invalid options for table '%s': %v", t.Name, err)
		}
	}
	return nil
}

// unusedOptions are the warnings about the options of t that its
// connector accepts (Flink's tables set them) but does not act on.
// Tumble runs each job as one task, so every connector's parallelism
// options have no effect.
func (pl *Planner) unusedOptions(t *Table) []string {
	c, err := pl.Registry.Lookup(t.Connector())
	if err != nil {
		return nil
	}
	spec := pl.tableSpec(t, nil)
	spec.Options = t.Options // as written (batch mode adds options for its own use)
	out := engine.NoEffect(spec, engine.OneTask, "sink.parallelism", "scan.parallelism")
	if c.Unused != nil {
		out = append(out, c.Unused(spec)...)
	}
	return out
}

// HintWarnings are the warnings about the options that the OPTIONS hints
// of the plan's tables set and that have no effect.
func (pl *Planner) HintWarnings(n Node) []string {
	var out []string
	seen := map[string]bool{}
	var walk func(Node)
	walk = func(n Node) {
		var t *Table
		switch x := n.(type) {
		case *Scan:
			t = x.Table
		case *Sink:
			t = x.Table
		}
		if t != nil && len(t.Hints) > 0 {
			for _, w := range pl.unusedOptions(t) {
				for _, h := range t.Hints {
					if strings.Contains(w, "'"+h.Key+"'") && !seen[w] {
						seen[w] = true
						out = append(out, w)
					}
				}
			}
		}
		for _, in := range n.Inputs() {
			walk(in)
		}
	}
	walk(n)
	return out
}

func unsupportedOptions(connector string, keys []string) string {
	return fmt.Sprintf("Unsupported options found for '%s'.\n\nUnsupported options:\n\n%s", connector, strings.Join(keys, "\n"))
}

// tableSpec builds the connector's view of a table. cols limits the
// columns (nil: all non-computed columns).
func (pl *Planner) tableSpec(t *Table, cols []Column) *engine.TableSpec {
	if cols == nil {
		for _, c := range t.Columns {
			if c.Kind != sql.Computed {
				cols = append(cols, c)
			}
		}
	}
	spec := &engine.TableSpec{
		Name:          t.Name,
		Options:       map[string]string{},
		Rules:         DialectOf(t.Dialect).Rules().Tables,
		PrimaryKey:    t.PrimaryKey,
		PartitionKeys: t.PartitionedBy,
		Defaults:      pl.connectorDefaults(),
	}
	for k, v := range t.Options {
		spec.Options[k] = v
	}
	for k, v := range t.Defaults {
		spec.Defaults[k] = v
	}
	// A ksqlDB table's topic holds the latest row per key: ksqlDB creates
	// it compacted, and a windowed one also deleted by retention.
	if t.KSQL != nil && t.Kind == sql.KindTable {
		spec.Defaults[engine.DefaultTopicCleanupPolicy] = "compact"
		if t.KSQL != nil && t.KSQL.Windowed != nil {
			spec.Defaults[engine.DefaultTopicCleanupPolicy] = "compact,delete"
		}
	}
	// Sinks that commit with checkpoints (filesystem) need to know when
	// there are none: they then commit on every flush. A filesystem source
	// in batch mode holds the watermark until every file is read.
	for _, k := range []string{"execution.checkpointing.interval", "execution.runtime-mode"} {
		if v, ok := pl.Setting(k); ok {
			spec.Defaults[k] = v
		}
	}
	// Batch mode reads each Kafka topic up to its end at start.
	if m, _ := pl.Setting("execution.runtime-mode"); strings.EqualFold(m, "batch") && (t.Connector() == "kafka" || t.Connector() == "upsert-kafka") {
		if _, set := spec.Options["scan.bounded.mode"]; !set {
			spec.Options["scan.bounded.mode"] = "latest-offset"
		}
		if t.Connector() == "kafka" {
			spec.Options["scan.startup.mode"] = "earliest-offset"
		}
		delete(spec.Options, "properties.group.id")
	}
	for _, c := range cols {
		cs := engine.ColumnSpec{Name: c.Name, Type: c.Type, Virtual: c.Virtual, Key: c.Key}
		if c.Kind == sql.Metadata {
			cs.Metadata = c.MetadataKey
		}
		spec.Columns = append(spec.Columns, cs)
	}
	return spec
}

// describeColumns are the columns of Flink's DESCRIBE / SHOW COLUMNS;
// a "comment" column follows when a column has a comment.
var describeColumns = []string{"name", "type", "null", "key", "extras", "watermark"}

// describe renders DESCRIBE output for the columns whose names pass keep
// (nil: all), as Flink's client shows it.
func Describe(t *Table, keep func(string) bool) *Result {
	rows := describeRows(t)
	r := &Result{Kind: ResultTable, Columns: describeColumns}
	withComment := false
	for _, c := range t.Columns {
		withComment = withComment || c.Comment != ""
	}
	if withComment {
		r.Columns = append(append([]string(nil), describeColumns...), "comment")
	}
	for i, row := range rows {
		if keep != nil && !keep(t.Columns[i].Name) {
			continue
		}
		if withComment {
			row = append(row, t.Columns[i].Comment)
		}
		r.Rows = append(r.Rows, row)
	}
	return r
}

// describeRows renders DESCRIBE output: name, type, null, key, extras, watermark.
func describeRows(t *Table) [][]string {
	var rows [][]string
	pk := map[string]bool{}
	for _, k := range t.PrimaryKey {
		pk[k] = true
	}
	for _, c := range t.Columns {
		null := "TRUE"
		if c.Type.NotNull || pk[c.Name] {
			null = "FALSE"
		}
		key := ""
		if pk[c.Name] {
			key = fmt.Sprintf("PRI(%s)", strings.Join(t.PrimaryKey, ", "))
		}
		extras := ""
		switch c.Kind {
		case sql.Metadata:
			extras = "METADATA"
			if c.MetadataKey != c.Name {
				extras += fmt.Sprintf(" FROM '%s'", c.MetadataKey)
			}
			if c.Virtual {
				extras += " VIRTUAL"
			}
		case sql.Computed:
			if c.Expr != nil && t.Kind != sql.KindView {
				extras = "AS " + exprText(c)
			}
		}
		typ := c.Type.Nullable().String()
		if t.Watermark != nil && t.Watermark.Column == c.Name {
			typ += " *ROWTIME*"
		} else if isProctime(c) {
			typ += " *PROCTIME*"
		}
		wm := ""
		if t.Watermark != nil && t.Watermark.Column == c.Name {
			wm = t.Watermark.Text
		}
		rows = append(rows, []string{c.Name, typ, null, key, extras, wm})
	}
	return rows
}

// isProctime reports a processing-time attribute: a column computed as
// PROCTIME() (or a view column that comes from one).
func isProctime(c Column) bool {
	if call, ok := c.Expr.(*sql.Call); ok && call.Name == "PROCTIME" && len(call.Args) == 0 {
		return true
	}
	return c.Proctime
}

func exprText(c Column) string {
	if c.Expr != nil {
		return sql.SQL(c.Expr)
	}
	if c.ExprText != "" {
		return c.ExprText
	}
	return "<expr>"
}

var _ = expr.Col{}
