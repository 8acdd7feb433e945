package planner

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/sql"
)

// The ksqlDB dialect: streams and tables over Kafka topics, CSAS/CTAS
// persistent queries, push and pull queries, and the utility statements.
// Everything compiles to the same plan nodes and engine operators as Flink
// SQL; what differs is the key handling (ksqlDB keys live in the record
// key), the pseudo columns (ROWTIME, ROWPARTITION, ROWOFFSET, WINDOWSTART,
// WINDOWEND), stream-time windows with a grace period, and emitting a new
// value after every input row.

// Pseudo column names.
const (
	colRowtime      = "ROWTIME"
	colRowPartition = "ROWPARTITION"
	colRowOffset    = "ROWOFFSET"
	colWindowStart  = "WINDOWSTART"
	colWindowEnd    = "WINDOWEND"
	// colEventTime is a hidden TIMESTAMP_LTZ copy of ROWTIME that windows use.
	colEventTime = "$ROWTIME"
)

var ksqlFormats = map[string]bool{"JSON": true, "KAFKA": true, "DELIMITED": true, "NONE": true,
	"AVRO": true, "PROTOBUF": true, "JSON_SR": true, "PROTOBUF_NOSR": true}

// ksqlOptions reads a ksqlDB WITH clause (keys are lower-case).
type ksqlOptions map[string]string

func optionsOf(opts []sql.Option) ksqlOptions {
	out := ksqlOptions{}
	for _, o := range opts {
		out[strings.ToLower(o.Key)] = o.Value
	}
	return out
}

func (o ksqlOptions) get(k string) (string, bool) { v, ok := o[k]; return v, ok }

var ksqlKnownOptions = map[string]bool{
	"kafka_topic": true, "value_format": true, "key_format": true, "format": true, "partitions": true,
	"replicas": true, "timestamp": true, "timestamp_format": true, "value_delimiter": true,
	"key_delimiter": true, "wrap_single_value": true, "window_type": true, "window_size": true,
	"value_avro_schema_full_name": true, "value_schema_id": true, "key_schema_id": true,
	"value_schema_full_name": true, "key_schema_full_name": true, "retention_ms": true,
	"source_connector": true, "key_protobuf_nullable_representation": true, "value_protobuf_nullable_representation": true,
}

// ksqlCheckOptions refuses, as ksqlDB does when it prepares a statement,
// WITH options it does not know and delimiters that are not one
// character, TAB or SPACE.
func ksqlCheckOptions(options []sql.Option) error {
	for _, o := range options {
		key := strings.ToLower(o.Key)
		if !ksqlKnownOptions[key] {
			return sql.Errorf(o.Pos, "Invalid config variable(s) in the WITH clause: %s", strings.ToUpper(o.Key))
		}
		if key != "value_delimiter" && key != "key_delimiter" {
			continue
		}
		why := ""
		switch {
		case strings.TrimSpace(o.Value) == "":
			why = "Delimiter cannot be empty, if you meant to have a tab or space for delimiter, please use the special values 'TAB' or 'SPACE'"
		case len([]rune(o.Value)) == 1, o.Value == "TAB", o.Value == "SPACE":
		default:
			why = "Invalid delimiter value: '" + o.Value + "'. Delimiter must be a single character or TAB,SPACE"
		}
		if why != "" {
			return sql.Errorf(o.Pos, "Failed to prepare statement: Configuration %s is invalid: %s\nExample valid value: ';'", strings.ToUpper(o.Key), why)
		}
	}
	return nil
}

func KindWord(k sql.ObjectKind) string {
	if k == sql.KindStream {
		return "stream"
	}
	return "table"
}

func title(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// ksqlCreateSource is CREATE [OR REPLACE] STREAM|TABLE name (cols) WITH (...).
func (pl *Planner) KSQLCreateSource(n *sql.CreateTable) (*Result, error) {
	_, text := n.Span()
	name := n.Name.Last()
	word := KindWord(n.Kind)
	if n.Source && n.OrReplace {
		return nil, sql.Errorf(n.Name.Pos, "Cannot add %s '%s': CREATE OR REPLACE is not supported on source %ss.", word, name, word)
	}
	if old, exists := pl.Catalog.Lookup(name, false); exists {
		switch {
		case n.OrReplace && old.KSQL != nil && old.KSQL.ReadOnly:
			return nil, sql.Errorf(n.Name.Pos, "Cannot add %s '%s': CREATE OR REPLACE is not supported on source %ss.", word, name, word)
		case n.IfNotExists:
			return KSQLStatus(word, name, "create", title(word)+" already exists.", ""), nil
		case !n.OrReplace:
			return nil, sql.Errorf(n.Name.Pos, "Cannot add %s '%s': A %s with the same name already exists", word, name, KindWord(old.Kind))
		}
	}
	opts := optionsOf(n.Options)
	if err := ksqlCheckOptions(n.Options); err != nil {
		return nil, err
	}
	topic, ok := opts.get("kafka_topic")
	if !ok {
		return nil, sql.Errorf(n.Start, "Missing required property \"KAFKA_TOPIC\" which has no default value.")
	}
	t := &Table{Name: name, Kind: n.Kind, Dialect: pl.Syntax, Statement: text, Options: map[string]string{}}
	var keys, vals []Column
	seen := map[string]bool{}
	for _, cd := range n.Columns {
		if seen[cd.Name] {
			return nil, sql.Errorf(cd.Pos, "Duplicate column names: %s", cd.Name)
		}
		seen[cd.Name] = true
		switch strings.ToUpper(cd.Name) {
		case colRowtime, colRowPartition, colRowOffset, colWindowStart, colWindowEnd:
			return nil, sql.Errorf(cd.Pos, "'%s' is a reserved column name. You cannot use it as a name for a column.", cd.Name)
		}
		ct, err := convertType(cd.Type, pl.Dialect.Rules())
		if err != nil {
			return nil, err
		}
		c := Column{Name: cd.Name, Type: ct}
		if cd.Kind == sql.Metadata {
			return nil, sql.Errorf(cd.Pos, "HEADERS columns are not supported")
		}
		switch {
		case cd.PrimaryKey && n.Kind == sql.KindStream:
			return nil, sql.Errorf(cd.Pos, "Column `%s` is a 'PRIMARY KEY' column: please use 'KEY' for streams.\nTables have PRIMARY KEYs, which are unique and NON NULL.\nStreams have KEYs, which have no uniqueness or NON NULL constraints.", cd.Name)
		case cd.Key && n.Kind == sql.KindTable:
			return nil, sql.Errorf(cd.Pos, "Column `%s` is a 'KEY' column: please use 'PRIMARY KEY' for tables.\nTables have PRIMARY KEYs, which are unique and NON NULL.\nStreams have KEYs, which have no uniqueness or NON NULL constraints.", cd.Name)
		case cd.Key || cd.PrimaryKey:
			c.Key = true
			keys = append(keys, c)
			t.PrimaryKey = append(t.PrimaryKey, c.Name)
		default:
			vals = append(vals, c)
		}
	}
	t.Columns = append(keys, vals...)
	info, err := pl.ksqlFormats(t, opts, n.Start, nil)
	if err != nil {
		return nil, err
	}
	info.Topic = topic
	info.ReadOnly = n.Source
	t.KSQL = info
	if wt, ok := opts.get("window_type"); ok {
		w, err := parseWindowType(wt, opts["window_size"])
		if err != nil {
			return nil, sql.Errorf(n.Start, "%v", err)
		}
		t.KSQL.Windowed = w
	}
	pl.ksqlConnectorOptions(t, opts)
	if err := ksqlFormatChecks(t, opts, n.Start); err != nil {
		return nil, err
	}
	// a schema id names the columns: the format must infer them, and the
	// statement must not declare them (ksqlDB's rules and words)
	for _, part := range []struct {
		id, word, format string
		declared         bool
	}{{"key_schema_id", "KEY", info.KeyFormat, len(keys) > 0}, {"value_schema_id", "VALUE", info.ValueFormat, len(vals) > 0}} {
		if _, ok := opts.get(part.id); !ok {
			continue
		}
		switch part.format {
		case "AVRO", "PROTOBUF", "JSON_SR":
		default:
			return nil, sql.Errorf(n.Start, "%s_FORMAT should support schema inference when %s_SCHEMA_ID is provided. Current format is %s.", part.word, part.word, part.format)
		}
		if part.declared {
			return nil, sql.Errorf(n.Start, "Table elements and %s_SCHEMA_ID cannot both exist for create statement.", part.word)
		}
	}
	if err := pl.ksqlInferColumns(t, len(keys) > 0, len(vals) > 0, n.Start); err != nil {
		return nil, err
	}
	if len(t.Columns) == 0 {
		return nil, sql.Errorf(n.Start, "No columns supplied.")
	}
	if n.Kind == sql.KindTable && len(t.PrimaryKey) == 0 {
		return nil, sql.Errorf(n.Start, "Tables require a PRIMARY KEY. Please define the PRIMARY KEY.")
	}
	if ts, ok := opts.get("timestamp"); ok {
		if err := pl.ksqlTimestampColumn(t, ts, opts, n.Start); err != nil {
			return nil, err
		}
	}
	if err := ksqlSerdeChecks(t, opts, n.Start); err != nil {
		return nil, err
	}
	if err := pl.validateKSQL(t, n.Start); err != nil {
		return nil, err
	}
	if err := pl.ksqlRegisterSchemas(t, true, n.Start); err != nil {
		return nil, err
	}
	pl.Catalog.Put(t)
	r := KSQLStatus(word, name, "create", title(word)+" created", "")
	r.Warnings = KSQLUnusedOptions(n.Options)
	return r, nil
}

// KSQLUnusedOptions warns about the WITH properties of CREATE STREAM /
// TABLE [AS SELECT] that Tumble accepts, as ksqlDB does, but does not act
// on.
func KSQLUnusedOptions(options []sql.Option) []string {
	opts := optionsOf(options)
	var out []string
	if _, ok := opts.get("source_connector"); ok {
		out = append(out, "The property SOURCE_CONNECTOR is not used by Tumble: it only names the connector that writes the topic, and has no effect.")
	}
	without := func(prop, needs string) {
		_, has := opts.get(prop)
		_, needed := opts.get(needs)
		if has && !needed {
			out = append(out, fmt.Sprintf("The property %s has no effect without %s.", strings.ToUpper(prop), strings.ToUpper(needs)))
		}
	}
	without("timestamp_format", "timestamp")
	without("window_size", "window_type")
	return out
}

// ksqlFormats resolves KEY_FORMAT / VALUE_FORMAT / FORMAT, inheriting
// from a source when given.
func (pl *Planner) ksqlFormats(t *Table, opts ksqlOptions, pos sql.Pos, from *KSQLSource) (*KSQLSource, error) {
	info := &KSQLSource{KeyFormat: "KAFKA"}
	if v, ok := pl.Setting("ksql.persistence.default.format.key"); ok && v != "" {
		info.KeyFormat = strings.ToUpper(v)
	}
	if from != nil {
		info.KeyFormat, info.ValueFormat = from.KeyFormat, from.ValueFormat
	}
	if v, ok := pl.Setting("ksql.persistence.default.format.value"); ok && info.ValueFormat == "" {
		info.ValueFormat = strings.ToUpper(v)
	}
	if v, ok := opts.get("format"); ok {
		if _, k := opts.get("key_format"); k {
			return nil, sql.Errorf(pos, "Cannot supply both 'KEY_FORMAT' and 'FORMAT' properties, as 'FORMAT' sets both key and value formats.")
		}
		if _, k := opts.get("value_format"); k {
			return nil, sql.Errorf(pos, "Cannot supply both 'VALUE_FORMAT' and 'FORMAT' properties, as 'FORMAT' sets both key and value formats.")
		}
		info.KeyFormat, info.ValueFormat = strings.ToUpper(v), strings.ToUpper(v)
	}
	if v, ok := opts.get("key_format"); ok {
		info.KeyFormat = strings.ToUpper(v)
	}
	if v, ok := opts.get("value_format"); ok {
		info.ValueFormat = strings.ToUpper(v)
	}
	if info.ValueFormat == "" {
		return nil, sql.Errorf(pos, "Statement is missing the 'VALUE_FORMAT' property from the WITH clause. Either provide one or set a default via the 'ksql.persistence.default.format.value' config.")
	}
	for _, f := range []string{info.KeyFormat, info.ValueFormat} {
		if !ksqlFormats[f] {
			return nil, sql.Errorf(pos, "Unknown format: %s", f)
		}
	}
	var nkeys, nvals int
	for _, c := range t.Columns {
		if c.Key {
			nkeys++
		} else {
			nvals++
		}
	}
	if info.ValueFormat == "NONE" && nvals == 0 {
		return nil, sql.Errorf(pos, "The 'NONE' format can only be used for the key")
	}
	_, explicitKey := opts.get("key_format")
	if _, ok := opts.get("format"); ok {
		explicitKey = true
	}
	if info.KeyFormat == "NONE" && nkeys > 0 && from != nil && !explicitKey {
		// A result with key columns from a source without: the default
		// key format (ksql.persistence.default.format.key).
		info.KeyFormat = "KAFKA"
		if v, ok := pl.Setting("ksql.persistence.default.format.key"); ok && v != "" {
			info.KeyFormat = strings.ToUpper(v)
		}
	}
	if v, ok := opts.get("partitions"); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, sql.Errorf(pos, "Invalid number of partitions: %s", v)
		}
		info.Partitions = n
	}
	return info, nil
}

// ksqlConnectorOptions maps ksqlDB options to the kafka connector's.
func (pl *Planner) ksqlConnectorOptions(t *Table, opts ksqlOptions) {
	t.Options["connector"] = "kafka"
	t.Options["topic"] = t.KSQL.Topic
	t.Options["key.format"] = strings.ToLower(t.KSQL.KeyFormat)
	t.Options["value.format"] = strings.ToLower(t.KSQL.ValueFormat)
	for k, ck := range map[string]string{"value_delimiter": "value.delimiter", "key_delimiter": "key.delimiter", "wrap_single_value": "wrap.single.value", "replicas": "replicas", "retention_ms": "retention.ms",
		"key_schema_id": "key.schema.id", "value_schema_id": "value.schema.id", "key_schema_full_name": "key.schema.full.name",
		"value_schema_full_name": "value.schema.full.name", "value_avro_schema_full_name": "value.schema.full.name",
		"key_protobuf_nullable_representation": "key.protobuf.nullable.representation", "value_protobuf_nullable_representation": "value.protobuf.nullable.representation"} {
		if v, ok := opts.get(k); ok {
			t.Options[ck] = v
		}
	}
	if t.KSQL.Partitions > 0 {
		t.Options["partitions"] = strconv.Itoa(t.KSQL.Partitions)
	}
	if _, set := opts.get("wrap_single_value"); !set {
		vals := 0
		for _, c := range t.Columns {
			if !c.Key {
				vals++
			}
		}
		if v, ok := pl.Setting("ksql.persistence.wrap.single.values"); ok && vals == 1 {
			t.Options["wrap.single.value"] = v
		}
	}
	if t.KSQL.ValueFormat == "JSON" {
		// ksqlDB writes a NULL map key as "null"
		t.Options["json.map-null-key.mode"] = "LITERAL"
		t.Options["json.map-null-key.literal"] = "null"
	}
	if w := t.KSQL.Windowed; w != nil {
		switch w.Kind {
		case engine.Session:
			t.Options["window.type"] = "SESSION"
		case engine.Hop:
			t.Options["window.type"] = "HOPPING"
			t.Options["window.size"] = strconv.FormatInt(w.Size/types.MicrosPerMilli, 10) + " ms"
		default:
			t.Options["window.type"] = "TUMBLING"
			t.Options["window.size"] = strconv.FormatInt(w.Size/types.MicrosPerMilli, 10) + " ms"
		}
	}
	t.OptionKeys = SortedKeys(t.Options)
}

// ksqlFormatChecks refuses what ksqlDB refuses of a source's formats: a
// schema full name for a format without record names, and key columns
// holding maps (their serialization is not stable).
func ksqlFormatChecks(t *Table, opts ksqlOptions, pos sql.Pos) error {
	for _, part := range []struct {
		keys   []string
		format string
	}{{[]string{"key_schema_full_name"}, t.KSQL.KeyFormat}, {[]string{"value_schema_full_name", "value_avro_schema_full_name"}, t.KSQL.ValueFormat}} {
		for _, k := range part.keys {
			if _, ok := opts.get(k); !ok {
				continue
			}
			switch part.format {
			case "AVRO", "PROTOBUF", "PROTOBUF_NOSR":
			default:
				return sql.Errorf(pos, "%s does not support the following configs: [fullSchemaName]", part.format)
			}
		}
	}
	for _, part := range [][2]string{{"key_delimiter", t.KSQL.KeyFormat}, {"value_delimiter", t.KSQL.ValueFormat}} {
		if _, ok := opts.get(part[0]); ok && part[1] != "DELIMITED" {
			return sql.Errorf(pos, "%s does not support the following configs: [delimiter]", part[1])
		}
	}
	return ksqlMapKeyCheck(t.Columns, pos)
}

// ksqlMapKeyCheck refuses, as ksqlDB does, key columns whose type is or
// holds a MAP: their serialized form is not stable.
func ksqlMapKeyCheck(cols []Column, pos sql.Pos) error {
	for _, c := range cols {
		if c.Key && containsMap(c.Type) {
			return sql.Errorf(pos, "Map keys, including types that contain maps, are not supported as they may lead to unexpected behavior due to inconsistent serialization. Key column name: `%s`. Column type: %s. See https://github.com/confluentinc/ksql/issues/6621 for more.", c.Name, c.Type.KSQLString())
		}
	}
	return nil
}

// ksqlInferColumns gives a ksqlDB source the key and value columns its
// statement leaves out from the schema registry, when its formats can
// (AVRO, PROTOBUF, JSON_SR), as ksqlDB's schema inference does. A key is
// inferred only when the statement declares no key column, values only
// when it declares no value column; a key subject that does not exist is
// an error only when the statement declares no column at all.
func (pl *Planner) ksqlInferColumns(t *Table, hasKeys, hasVals bool, pos sql.Pos) error {
	c, err := pl.Registry.Lookup("kafka")
	if err != nil || c.Schemas == nil {
		return err
	}
	spec := pl.tableSpec(t, ksqlSinkColumns(t))
	var keys, vals []Column
	for _, key := range []bool{true, false} {
		if (key && hasKeys) || (!key && hasVals) || !c.Schemas.Infers(spec, key) {
			continue
		}
		if key && t.KSQL.Windowed != nil {
			continue
		}
		cols, wrapped, err := c.Schemas.InferColumns(spec, key)
		if err != nil {
			if key && t.Options["key.schema.id"] == "" && (hasVals || c.Schemas.Infers(spec, false)) {
				continue // no key schema: the stream has no key columns
			}
			return sql.Errorf(pos, "%v", err)
		}
		for _, cs := range cols {
			col := Column{Name: cs.Name, Type: cs.Type.Nullable(), Key: key}
			if key {
				keys = append(keys, col)
				t.PrimaryKey = append(t.PrimaryKey, col.Name)
			} else {
				vals = append(vals, col)
			}
		}
		if key && wrapped && len(cols) == 1 {
			t.Options["key.wrap.single.value"] = "true"
			t.OptionKeys = SortedKeys(t.Options)
		}
	}
	if len(keys)+len(vals) == 0 {
		return nil
	}
	var ks, vs []Column
	for _, col := range t.Columns {
		if col.Key {
			ks = append(ks, col)
		} else {
			vs = append(vs, col)
		}
	}
	t.Columns = append(append(append(ks, keys...), vs...), vals...)
	return nil
}

// ksqlRegisterSchemas registers the schemas a ksqlDB source's formats
// write, as ksqlDB does on CREATE (ifAbsent: where the subject has none)
// and CREATE ... AS SELECT.
func (pl *Planner) ksqlRegisterSchemas(t *Table, ifAbsent bool, pos sql.Pos) error {
	c, err := pl.Registry.Lookup("kafka")
	if err != nil || c.Schemas == nil {
		return err
	}
	if err := c.Schemas.RegisterSchemas(pl.tableSpec(t, ksqlSinkColumns(t)), ifAbsent); err != nil {
		return sql.Errorf(pos, "%v", err)
	}
	return nil
}

func (pl *Planner) validateKSQL(t *Table, pos sql.Pos) error {
	c, err := pl.Registry.Lookup("kafka")
	if err != nil {
		return err
	}
	if c.Validate != nil {
		if err := c.Validate(pl.tableSpec(t, ksqlSinkColumns(t))); err != nil {
			return sql.Errorf(pos, "%v", err)
		}
	}
	return nil
}

func parseWindowType(wt, size string) (*engine.Window, error) {
	w := &engine.Window{}
	switch strings.ToUpper(wt) {
	case "SESSION":
		if size != "" {
			return nil, fmt.Errorf("'WINDOW_SIZE' should not be set for SESSION windows.")
		}
		w.Kind = engine.Session
		return w, nil
	case "TUMBLING":
		w.Kind = engine.Tumble
	case "HOPPING":
		w.Kind = engine.Hop
	default:
		return nil, fmt.Errorf("WINDOW_TYPE must be one of SESSION, HOPPING or TUMBLING, not '%s'", wt)
	}
	if size == "" {
		return nil, fmt.Errorf("%s windows require 'WINDOW_SIZE' to be provided in the WITH clause", strings.ToUpper(wt))
	}
	d, err := parseDuration(size)
	if err != nil {
		return nil, fmt.Errorf("invalid WINDOW_SIZE '%s': %v", size, err)
	}
	w.Size = d.Microseconds()
	w.Slide = w.Size
	return w, nil
}

// ksqlTimestampColumn checks TIMESTAMP / TIMESTAMP_FORMAT.
func (pl *Planner) ksqlTimestampColumn(t *Table, col string, opts ksqlOptions, pos sql.Pos) error {
	name := strings.ToUpper(strings.Trim(col, "`\""))
	if strings.HasPrefix(col, "`") || strings.HasPrefix(col, "\"") {
		name = strings.Trim(col, "`\"")
	}
	c := t.Column(name)
	if c == nil {
		return sql.Errorf(pos, "The TIMESTAMP column set in the WITH clause does not exist in the schema: '%s'", name)
	}
	format, hasFormat := opts.get("timestamp_format")
	switch c.Type.Kind {
	case types.BigInt, types.Timestamp, types.TimestampLTZ:
	case types.String:
		if !hasFormat {
			return sql.Errorf(pos, "A String timestamp field has been specified without also specifying the TIMESTAMP_FORMAT property.")
		}
		if _, err := types.CompileJavaLayout(format); err != nil {
			return sql.Errorf(pos, "Invalid TIMESTAMP_FORMAT '%s': %v", format, err)
		}
	default:
		return sql.Errorf(pos, "Timestamp column, `%s`, should be LONG(INT64), TIMESTAMP, or a String with a timestamp_format specified", name)
	}
	t.KSQL.TimestampColumn = name
	t.KSQL.TimestampFormat = format
	return nil
}

// ksqlSinkColumns are the columns a ksqlDB source reads / sink writes:
// keys, values, and the window bounds of a windowed key.
func ksqlSinkColumns(t *Table) []Column {
	cols := append([]Column(nil), t.Columns...)
	if t.KSQL != nil && t.KSQL.Windowed != nil {
		cols = append(cols,
			Column{Name: colWindowStart, Type: types.TBigInt, Kind: sql.Metadata, MetadataKey: "windowstart", Key: true},
			Column{Name: colWindowEnd, Type: types.TBigInt, Kind: sql.Metadata, MetadataKey: "windowend", Key: true})
	}
	return cols
}

// ksqlScan reads a ksqlDB stream or table: its columns, then the hidden
// pseudo columns; a table's changelog is normalized into changes.
func (b *binder) ksqlScan(t *Table, qual string) (Node, error) {
	cols := ksqlSinkColumns(t)
	read := append([]Column(nil), cols...)
	read = append(read,
		Column{Name: colRowtime, Type: types.TBigInt, Kind: sql.Metadata, MetadataKey: "timestamp"},
		Column{Name: colRowPartition, Type: types.TInt, Kind: sql.Metadata, MetadataKey: "partition"},
		Column{Name: colRowOffset, Type: types.TBigInt, Kind: sql.Metadata, MetadataKey: "offset"})
	s := &Scan{Table: t, Alias: qual, Columns: read}
	var phys []Field
	for _, c := range read {
		phys = append(phys, Field{Name: c.Name, Qual: qual, Type: c.Type, Hidden: c.Kind == sql.Metadata, Key: c.Key && c.Kind != sql.Metadata})
	}
	rowtimeIdx := len(cols)
	// ROWTIME from the timestamp column when the source names one.
	var rowtime expr.Expr = &expr.Col{Idx: rowtimeIdx, T: types.TBigInt, Name: colRowtime}
	if tc := t.KSQL.TimestampColumn; tc != "" {
		idx := -1
		for i, c := range read {
			if c.Name == tc {
				idx = i
			}
		}
		col := &expr.Col{Idx: idx, T: read[idx].Type, Name: tc}
		rowtime = timestampMillis(col, t.KSQL.TimestampFormat)
	}
	for i, f := range phys {
		s.Prep = append(s.Prep, &expr.Col{Idx: i, T: f.Type, Name: f.Name})
	}
	s.Prep[rowtimeIdx] = rowtime
	s.Ts = rowtime
	// $ROWTIME: the event time as a timestamp, for windows.
	s.Prep = append(s.Prep, &expr.Call{Name: "TO_TIMESTAMP_LTZ", Args: []expr.Expr{rowtime}, T: types.Type{Kind: types.TimestampLTZ, Precision: 3}, Strict: true,
		Fn: func(a []types.Value) types.Value { return types.TimestampLTZV(a[0].I * types.MicrosPerMilli) }})
	s.fields = append(phys, Field{Name: colEventTime, Qual: qual, Type: types.Type{Kind: types.TimestampLTZ, Precision: 3}, Hidden: true, Rowtime: true})
	var node Node = s
	if t.Kind == sql.KindTable {
		var keys []int
		for i, c := range cols {
			if c.Key {
				keys = append(keys, i)
			}
		}
		node = &ChangelogNormalize{Input: s, Keys: keys}
	}
	return node, nil
}

// timestampMillis converts a ksqlDB timestamp column into epoch millis
// (NULL when it cannot be parsed).
func timestampMillis(col expr.Expr, format string) expr.Expr {
	t := col.Type()
	name := "TIMESTAMP_MILLIS"
	switch t.Kind {
	case types.String:
		layout, _ := types.CompileJavaLayout(format)
		return &expr.Call{Name: name, Args: []expr.Expr{col}, T: types.TBigInt, Strict: true, Fn: func(a []types.Value) types.Value {
			us, zoned, err := layout.Parse(a[0].S)
			if err != nil {
				return types.NullValue
			}
			_ = zoned // without a zone the text is read as UTC, as ksqlDB does
			return types.BigIntV(expr.FloorDiv(us, types.MicrosPerMilli))
		}}
	case types.Timestamp, types.TimestampLTZ:
		return &expr.Call{Name: name, Args: []expr.Expr{col}, T: types.TBigInt, Strict: true, Fn: func(a []types.Value) types.Value {
			return types.BigIntV(expr.FloorDiv(a[0].I, types.MicrosPerMilli))
		}}
	}
	return col
}

// ksqlStatus builds ksqlDB's currentStatus answer.
func KSQLStatus(word, name, action, msg, queryID string) *Result {
	return &Result{Kind: ResultOK, Message: msg, KSQL: &KSQLEntity{
		Type: "currentStatus", CommandID: word + "/`" + name + "`/" + action, Status: "SUCCESS", Message: msg, QueryID: queryID,
	}}
}

func ReadsFrom(stmt, name string) bool {
	up := strings.ToUpper(stmt)
	return strings.Contains(up, "FROM "+strings.ToUpper(name)+" ") || strings.HasSuffix(strings.TrimRight(up, "; \n"), "FROM "+strings.ToUpper(name)) || strings.Contains(up, "JOIN "+strings.ToUpper(name))
}

func (pl *Planner) Admin() (engine.TopicAdmin, error) {
	c, err := pl.Registry.Lookup("kafka")
	if err != nil {
		return nil, err
	}
	if c.Admin == nil {
		return nil, fmt.Errorf("the kafka connector offers no topic administration")
	}
	return c.Admin, nil
}

// kafkaClient is the Kafka client configuration of the session's default
// cluster: bootstrap.servers and the process's security properties.
func (pl *Planner) KafkaClient() map[string]string {
	d := map[string]string{"bootstrap.servers": "localhost:9092"}
	if pl.Bootstrap != "" {
		d["bootstrap.servers"] = pl.Bootstrap
	}
	for k, v := range pl.KafkaProperties {
		d[k] = v
	}
	return d
}

func (pl *Planner) DeleteTopic(ctx context.Context, t *Table) error {
	a, err := pl.Admin()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return a.DeleteTopic(ctx, pl.KafkaClient(), t.KSQL.Topic)
}

func KindTitle(k sql.ObjectKind) string { return title(KindWord(k)) }

// ksqlQueryID names a persistent query as ksqlDB does: CSAS_<SINK>_<n>,
// CTAS_<SINK>_<n>, INSERTQUERY_<n>.
func (pl *Planner) KSQLQueryID(prefix, sink string) string {
	n := pl.Catalog.nextQueryNumber()
	if sink == "" {
		return fmt.Sprintf("%s_%d", prefix, n)
	}
	return fmt.Sprintf("%s_%s_%d", prefix, strings.ToUpper(sink), n)
}

// ksqlPlan is the plan of a ksqlDB INSERT, query or CREATE ... AS
// SELECT.
func (pl *Planner) KSQLPlan(st sql.Statement) (Node, error) {
	switch n := st.(type) {
	case *sql.CreateAs:
		return pl.ksqlPlanCreateAs(n)
	case *sql.Query:
		return pl.KSQLPlanQuery(n.Select)
	case *sql.Insert:
		return pl.KSQLPlanInsert(n)
	}
	pos, _ := st.Span()
	return nil, sql.Errorf(pos, "EXPLAIN supports INSERT and SELECT statements")
}
