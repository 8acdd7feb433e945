package plan

import (
	"fmt"
	"strings"

	"github.com/tumble/tumble/connectors/kafka"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/sql"
)

// Sink is a streaming query's sink: the plan that writes the frame.
type Sink struct {
	Plan *planner.Sink
	// CheckpointLocation is the checkpointLocation option ("" when absent).
	CheckpointLocation string
}

var kafkaSinkOptions = map[string]bool{"kafka.bootstrap.servers": true, "topic": true, "checkpointlocation": true}

// StreamSink plans writeStream.format(format).options(opts) over f.
// Formats: kafka (a value column, string or binary, and optional key and
// topic columns), console (rows printed by the server) and noop.
// Warnings go to t.Warn.
func (t *Translator) StreamSink(f *Frame, format string, opts map[string]string) (*Sink, error) {
	o := map[string]string{}
	for k, v := range opts {
		o[strings.ToLower(k)] = v
	}
	out := &Sink{CheckpointLocation: o["checkpointlocation"]}
	switch strings.ToLower(format) {
	case "kafka":
		for k := range o {
			if !kafkaSinkOptions[k] && !strings.HasPrefix(k, "kafka.") {
				return nil, analysisErr("UNSUPPORTED_FEATURE", "Unknown Kafka sink option '%s' (Tumble writes with: kafka.bootstrap.servers, kafka.*, topic, checkpointLocation).", k)
			}
		}
		return out, kafkaSink(out, f, o, opts)
	case "console", "noop":
		connector := map[string]string{"console": "print", "noop": "blackhole"}[strings.ToLower(format)]
		for k := range o {
			if k != "checkpointlocation" && !(format == "console" && (k == "truncate" || k == "numrows")) {
				return nil, analysisErr("UNSUPPORTED_FEATURE", "Unknown %s sink option '%s'.", format, k)
			}
			if k == "truncate" || k == "numrows" {
				t.warn("the console sink's option '%s' is not applied: Tumble's console sink prints every row as it comes, not a table per micro-batch", k)
			}
		}
		tbl := &planner.Table{Name: format, Kind: sql.KindTable, Dialect: sql.Spark, Options: map[string]string{"connector": connector}}
		for _, c := range f.Cols {
			tbl.Columns = append(tbl.Columns, planner.Column{Name: c.Name, Type: c.Type, Kind: sql.Physical})
		}
		out.Plan = &planner.Sink{Input: f.Node, Table: tbl}
		return out, nil
	case "":
		return nil, unsupported("A streaming sink without a format")
	}
	return nil, analysisErr("DATA_SOURCE_NOT_FOUND", "Failed to find the data source: %s. Tumble's streaming sinks are kafka, console and noop.", format)
}

// kafkaSink writes the frame as Spark's Kafka sink does: a value column
// (string or binary) and, optionally, key (string or binary), topic
// (string: each row's topic, unless the topic option is set), partition
// (int: NULL lets the partitioner choose) and headers
// (array<struct<key: string, value: binary>>); other columns are ignored.
// Names match exactly, as Spark's writer finds them.
func kafkaSink(out *Sink, f *Frame, o, raw map[string]string) error {
	find := func(name string) int {
		for i, c := range f.Cols {
			if c.Name == name {
				return i
			}
		}
		return -1
	}
	bad := func(name, want string, t types.Type) error {
		return &Error{Exception: AnalysisException, ErrorClass: "_LEGACY_ERROR_TEMP_3080",
			Msg: fmt.Sprintf("%s attribute unsupported type %s. %s must be a(n) %s", name, TypeName(t), name, want)}
	}
	legacy := func(msg string) error {
		return &Error{Exception: AnalysisException, ErrorClass: "_LEGACY_ERROR_TEMP_3080", Msg: msg}
	}
	topic := strings.TrimSpace(o["topic"])
	_, topicSet := o["topic"]
	ti := find("topic")
	switch {
	case topicSet:
		ti = -1 // the option wins over the column
	case ti < 0:
		return legacy("topic option required when no 'topic' attribute is present. Use the topic option for setting a topic.")
	case f.Cols[ti].Type.Kind != types.String:
		return bad("topic", "string", f.Cols[ti].Type)
	}
	ki := find("key")
	if ki >= 0 && f.Cols[ki].Type.Kind != types.String && f.Cols[ki].Type.Kind != types.Bytes {
		return bad("key", "string or binary", f.Cols[ki].Type)
	}
	vi := find("value")
	if vi < 0 {
		return legacy("Required attribute 'value' not found")
	}
	if k := f.Cols[vi].Type.Kind; k != types.String && k != types.Bytes {
		return bad("value", "string or binary", f.Cols[vi].Type)
	}
	hi := find("headers")
	if hi >= 0 && !sameType(f.Cols[hi].Type, headersType) {
		return bad("headers", "array<struct<key:string,value:binary>>", f.Cols[hi].Type)
	}
	pi := find("partition")
	if pi >= 0 && f.Cols[pi].Type.Kind != types.Int {
		return bad("partition", "int", f.Cols[pi].Type)
	}
	name := topic
	if name == "" {
		name = "kafka"
	}
	tbl := &planner.Table{Name: name, Kind: sql.KindTable, Dialect: sql.Spark,
		Options:  map[string]string{"connector": "kafka", "format": "raw"},
		Defaults: map[string]string{kafka.DefaultRowTopic: "true"}}
	if topicSet {
		tbl.Options["topic"] = topic
	}
	for k, v := range raw {
		if p, ok := strings.CutPrefix(k, "kafka."); ok {
			tbl.Options["properties."+p] = v
		}
	}
	xs := []expr.Expr{&expr.Col{Idx: vi, T: f.Cols[vi].Type, Name: "value"}}
	names := []string{"value"}
	tbl.Columns = []planner.Column{{Name: "value", Type: f.Cols[vi].Type, Kind: sql.Physical}}
	meta := func(i int, key string, x expr.Expr) {
		xs, names = append(xs, x), append(names, key)
		tbl.Columns = append(tbl.Columns, planner.Column{Name: key, Type: x.Type(), Kind: sql.Metadata, MetadataKey: key})
	}
	col := func(i int) expr.Expr { return &expr.Col{Idx: i, T: f.Cols[i].Type, Name: f.Cols[i].Name} }
	if ki >= 0 {
		meta(ki, "key", col(ki))
	}
	if ti >= 0 {
		meta(ti, engine.MetaTopic, col(ti))
	}
	if pi >= 0 {
		meta(pi, engine.MetaPartition, col(pi))
	}
	if hi >= 0 {
		// The connector writes headers from a map whose entries keep their
		// order (and repeated keys).
		meta(hi, engine.MetaHeaders, &fn{name: "headers", args: []expr.Expr{col(hi)}, t: types.MapOf(types.TString, types.TBytes), strict: true,
			eval: func(v []types.Value) types.Value {
				m := &types.MapValue{}
				for _, e := range v[0].Elems() {
					if e.IsNull() {
						continue
					}
					kv := e.Elems()
					m.Keys, m.Vals = append(m.Keys, kv[0]), append(m.Vals, kv[1])
				}
				return types.MapV(m)
			}})
	}
	node := planner.NewCalc(f.Node, nil, xs, names)
	out.Plan = &planner.Sink{Input: node, Table: tbl}
	return nil
}

// sameType compares types as Spark's writer does (names and kinds; not
// nullability).
func sameType(a, b types.Type) bool {
	if a.Kind != b.Kind || len(a.Fields) != len(b.Fields) {
		return false
	}
	for i := range a.Fields {
		if a.Fields[i].Name != b.Fields[i].Name || !sameType(a.Fields[i].Type, b.Fields[i].Type) {
			return false
		}
	}
	if (a.Elem == nil) != (b.Elem == nil) || a.Elem != nil && !sameType(*a.Elem, *b.Elem) {
		return false
	}
	return (a.Key == nil) == (b.Key == nil) && (a.Key == nil || sameType(*a.Key, *b.Key))
}

func (e *Error) withClass(c string) *Error { e.ErrorClass = c; e.SQLState = sqlStates[c]; return e }
