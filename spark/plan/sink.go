package plan

import (
	"strings"

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
func StreamSink(f *Frame, format string, opts map[string]string) (*Sink, error) {
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
		}
		tbl := &planner.Table{Name: format, Kind: sql.KindTable, Dialect: sql.Flink, Options: map[string]string{"connector": connector}}
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

func kafkaSink(out *Sink, f *Frame, o, raw map[string]string) error {
	find := func(name string) int {
		for i, c := range f.Cols {
			if strings.EqualFold(c.Name, name) {
				return i
			}
		}
		return -1
	}
	vi := find("value")
	if vi < 0 {
		return analysisErr("KAFKA_DATA_LOSS", "Required attribute 'value' not found").withClass("")
	}
	if k := f.Cols[vi].Type.Kind; k != types.String && k != types.Bytes {
		return analysisErr("", "Topic-level attribute 'value' must be of type string or binary, not %s.", TypeName(f.Cols[vi].Type))
	}
	topic := o["topic"]
	if topic == "" {
		if find("topic") >= 0 {
			return unsupported("Writing each row to the topic of its 'topic' column; set the 'topic' option")
		}
		return analysisErr("", "topic option required when no 'topic' attribute is present. Use the topic option for setting a topic.")
	}
	tbl := &planner.Table{Name: topic, Kind: sql.KindTable, Dialect: sql.Flink, Options: map[string]string{
		"connector": "kafka", "topic": topic, "format": "raw",
	}}
	for k, v := range raw {
		if p, ok := strings.CutPrefix(k, "kafka."); ok {
			tbl.Options["properties."+p] = v
		}
	}
	xs := []expr.Expr{&expr.Col{Idx: vi, T: f.Cols[vi].Type, Name: "value"}}
	names := []string{"value"}
	tbl.Columns = []planner.Column{{Name: "value", Type: f.Cols[vi].Type, Kind: sql.Physical}}
	if ki := find("key"); ki >= 0 {
		if k := f.Cols[ki].Type.Kind; k != types.String && k != types.Bytes {
			return analysisErr("", "Key attribute type must be a string or binary, not %s.", TypeName(f.Cols[ki].Type))
		}
		xs, names = append(xs, &expr.Col{Idx: ki, T: f.Cols[ki].Type, Name: "key"}), append(names, "key")
		tbl.Columns = append(tbl.Columns, planner.Column{Name: "key", Type: f.Cols[ki].Type, Kind: sql.Metadata, MetadataKey: "key"})
	}
	node := planner.NewCalc(f.Node, nil, xs, names)
	out.Plan = &planner.Sink{Input: node, Table: tbl}
	return nil
}

func (e *Error) withClass(c string) *Error { e.ErrorClass = c; e.SQLState = sqlStates[c]; return e }
