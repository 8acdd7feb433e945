package plan

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/spark/connect/pb"
	"github.com/tumble/tumble/sql"
)

// read translates spark.read / spark.readStream: the kafka source, or a
// table of the catalog (or a temporary view) by name.
func (t *Translator) read(r *pb.Read) (*Frame, error) {
	switch k := r.ReadType.(type) {
	case *pb.Read_NamedTable_:
		return t.table(k.NamedTable.UnparsedIdentifier, r.IsStreaming)
	case *pb.Read_DataSource_:
		ds := k.DataSource
		format := strings.ToLower(ds.GetFormat())
		switch format {
		case "kafka":
			if ds.Schema != nil && *ds.Schema != "" {
				return nil, analysisErr("UNSUPPORTED_FEATURE", "Kafka source has a fixed schema and cannot be set with a custom one")
			}
			return t.kafka(ds.Options, r.IsStreaming)
		case "":
			return nil, unsupported("A data source without a format (spark.sql.sources.default)")
		}
		return nil, analysisErr("DATA_SOURCE_NOT_FOUND", "Failed to find the data source: %s. Tumble reads the 'kafka' source and the tables of its catalog.", format)
	}
	return nil, unsupported("This kind of read")
}

// table reads a catalog table (Flink's or ksqlDB's) or a temporary view.
func (t *Translator) table(name string, streaming bool) (*Frame, error) {
	parts := splitIdent(name)
	short := parts[len(parts)-1]
	if v, ok := t.Views[strings.ToLower(short)]; ok {
		f, err := t.Relation(v)
		if err != nil {
			return nil, err
		}
		if streaming && !f.Streaming {
			return nil, analysisErr("UNSUPPORTED_FEATURE", "The view %s is not a streaming DataFrame.", quoteIdent(short))
		}
		out := *f
		out.Cols = make([]Col, len(f.Cols))
		for i, c := range f.Cols {
			out.Cols[i] = Col{Name: c.Name, Type: c.Type, Quals: []string{short}}
		}
		return &out, nil
	}
	tbl, ok := t.Planner.Catalog.Lookup(short, true)
	if !ok {
		return nil, analysisErr("TABLE_OR_VIEW_NOT_FOUND", "The table or view %s cannot be found. Verify the spelling and correctness of the schema and catalog.", quoteIdent(name))
	}
	if tbl.Kind == sql.KindView {
		return nil, unsupported("Reading the Flink view %s", quoteIdent(tbl.Name))
	}
	read := tbl
	if !streaming && tbl.Connector() == "kafka" {
		// A batch read takes the topic from its start to its end now.
		cp := *tbl
		cp.Options = map[string]string{}
		for k, v := range tbl.Options {
			cp.Options[k] = v
		}
		cp.Options["scan.startup.mode"] = "earliest-offset"
		cp.Options["scan.bounded.mode"] = "latest-offset"
		delete(cp.Options, "properties.group.id")
		read = &cp
	}
	node, err := t.Planner.TableScan(read)
	if err != nil {
		return nil, AsError(err)
	}
	f := &Frame{Node: node, Streaming: streaming}
	for _, fl := range node.Fields() {
		f.Cols = append(f.Cols, Col{Name: fl.Name, Type: fl.Type, Quals: []string{tbl.Name}})
	}
	return f, nil
}

// kafkaOptions are the options of Spark's Kafka source Tumble acts on.
var kafkaSourceOptions = map[string]bool{"kafka.bootstrap.servers": true, "subscribe": true, "startingoffsets": true,
	"endingoffsets": true, "failondataloss": true, "includeheaders": true, "maxoffsetspertrigger": true}

// kafka is Spark's Kafka source: key, value (binary), topic, partition,
// offset, timestamp, timestampType; one scan per subscribed topic.
func (t *Translator) kafka(opts map[string]string, streaming bool) (*Frame, error) {
	o := map[string]string{}
	for k, v := range opts {
		lk := strings.ToLower(k)
		if !kafkaSourceOptions[lk] && !strings.HasPrefix(lk, "kafka.") {
			switch lk {
			case "subscribepattern", "assign", "minoffsetspertrigger", "startingoffsetsbytimestamp", "groupidprefix":
				return nil, unsupported("The Kafka source option '%s'", k)
			}
			return nil, analysisErr("UNSUPPORTED_FEATURE", "Unknown Kafka source option '%s' (Tumble reads: kafka.bootstrap.servers, kafka.*, subscribe, startingOffsets, endingOffsets, failOnDataLoss, includeHeaders).", k)
		}
		o[lk] = v
	}
	topics := splitList(o["subscribe"])
	if len(topics) == 0 {
		return nil, analysisErr("UNSUPPORTED_FEATURE", "Option 'subscribe' is required: Tumble subscribes to topics by name ('subscribePattern' and 'assign' are not supported).")
	}
	start := o["startingoffsets"]
	if start == "" {
		start = "latest"
		if !streaming {
			start = "earliest"
		}
	}
	end := strings.ToLower(o["endingoffsets"])
	if end == "" {
		end = "latest"
	}
	if streaming && o["endingoffsets"] != "" {
		return nil, analysisErr("UNSUPPORTED_FEATURE", "Option 'endingOffsets' is only for batch queries.")
	}
	if !streaming && end != "latest" {
		return nil, unsupported("endingOffsets other than 'latest'")
	}
	if !streaming && strings.EqualFold(start, "latest") {
		return nil, analysisErr("UNSUPPORTED_FEATURE", "Option 'startingOffsets' = 'latest' is not allowed for batch queries.")
	}
	if v := strings.ToLower(o["failondataloss"]); v != "" && v != "true" && v != "false" {
		return nil, analysisErr("UNSUPPORTED_FEATURE", "Option 'failOnDataLoss' must be true or false, not '%s'.", o["failondataloss"])
	}
	if v, ok := o["maxoffsetspertrigger"]; ok {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n <= 0 {
			return nil, &Error{Exception: IllegalArgument, Msg: fmt.Sprintf("Invalid value '%s' for option 'maxOffsetsPerTrigger', must be a positive integer", v)}
		}
		if streaming {
			t.MaxOffsetsPerTrigger = n
		}
	}
	headers := strings.EqualFold(o["includeheaders"], "true")
	var frames []planner.Node
	for _, topic := range topics {
		tbl := &planner.Table{Name: "kafka_" + topic, Kind: sql.KindTable, Dialect: sql.Flink, Options: map[string]string{
			"connector": "kafka", "topic": topic, "format": "raw",
		}}
		for k, v := range o {
			if p, ok := strings.CutPrefix(k, "kafka."); ok {
				tbl.Options["properties."+p] = v
			}
		}
		for k, v := range opts { // kafka.* keep their case (Kafka's property names)
			if p, ok := strings.CutPrefix(k, "kafka."); ok {
				delete(tbl.Options, "properties."+strings.ToLower(p))
				tbl.Options["properties."+p] = v
			}
		}
		switch strings.ToLower(start) {
		case "latest":
			tbl.Options["scan.startup.mode"] = "latest-offset"
		case "earliest":
			tbl.Options["scan.startup.mode"] = "earliest-offset"
		default:
			spec, err := specificOffsets(start, topic)
			if err != nil {
				return nil, err
			}
			tbl.Options["scan.startup.mode"] = "specific-offsets"
			tbl.Options["scan.startup.specific-offsets"] = spec
		}
		if !streaming {
			tbl.Options["scan.bounded.mode"] = "latest-offset"
		}
		tbl.Columns = []planner.Column{
			{Name: "value", Type: types.TBytes, Kind: sql.Physical},
			{Name: "key", Type: types.TBytes, Kind: sql.Metadata, MetadataKey: "key", Virtual: true},
			{Name: "topic", Type: types.TString, Kind: sql.Metadata, MetadataKey: engine.MetaTopic, Virtual: true},
			{Name: "partition", Type: types.TInt, Kind: sql.Metadata, MetadataKey: engine.MetaPartition, Virtual: true},
			{Name: "offset", Type: types.TBigInt, Kind: sql.Metadata, MetadataKey: engine.MetaOffset, Virtual: true},
			{Name: "timestamp", Type: types.TTSLTZ3, Kind: sql.Metadata, MetadataKey: engine.MetaTimestamp, Virtual: true},
			{Name: "timestampType", Type: types.TString, Kind: sql.Metadata, MetadataKey: "timestamp-type", Virtual: true},
		}
		if headers {
			tbl.Columns = append(tbl.Columns, planner.Column{Name: "headers", Type: types.MapOf(types.TString, types.TBytes), Kind: sql.Metadata, MetadataKey: engine.MetaHeaders, Virtual: true})
		}
		scan := planner.NewScan(tbl)
		// Spark's column order and types: key, value, topic, partition,
		// offset, timestamp, timestampType (0 CreateTime, 1 LogAppendTime).
		f := scan.Fields()
		col := func(i int) expr.Expr { return &expr.Col{Idx: i, T: f[i].Type, Name: f[i].Name} }
		ts := &fn{name: "CAST", args: []expr.Expr{col(5)}, t: tTimestamp, strict: true, eval: func(v []types.Value) types.Value {
			return types.TimestampLTZV(v[0].I)
		}}
		tt := &fn{name: "timestampType", args: []expr.Expr{col(6)}, t: types.TInt, strict: true, eval: func(v []types.Value) types.Value {
			if v[0].S == "LogAppendTime" {
				return types.IntV(1)
			}
			return types.IntV(0)
		}}
		xs := []expr.Expr{col(1), col(0), col(2), col(3), col(4), ts, tt}
		names := []string{"key", "value", "topic", "partition", "offset", "timestamp", "timestampType"}
		if headers {
			xs, names = append(xs, col(7)), append(names, "headers")
		}
		frames = append(frames, planner.NewCalc(scan, nil, xs, names))
	}
	node := frames[0]
	if len(frames) > 1 {
		node = planner.NewUnion(frames...)
	}
	out := &Frame{Node: node, Streaming: streaming}
	for _, fl := range node.Fields() {
		out.Cols = append(out.Cols, Col{Name: fl.Name, Type: fl.Type})
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// specificOffsets reads startingOffsets as JSON ({"topic":{"0":23,"1":-2}},
// -2 earliest, -1 latest) into the kafka connector's specific offsets.
func specificOffsets(js, topic string) (string, error) {
	var m map[string]map[string]int64
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		return "", analysisErr("UNSUPPORTED_FEATURE", "Option 'startingOffsets' must be 'latest', 'earliest' or JSON such as {\"topic\":{\"0\":23}}, not '%s'.", js)
	}
	parts, ok := m[topic]
	if !ok {
		return "", analysisErr("UNSUPPORTED_FEATURE", "Option 'startingOffsets' does not name the topic '%s'.", topic)
	}
	var keys []string
	for p := range parts {
		keys = append(keys, p)
	}
	sort.Strings(keys)
	var out []string
	for _, p := range keys {
		if parts[p] < 0 {
			return "", unsupported("-1 and -2 (latest, earliest) per partition in 'startingOffsets'")
		}
		out = append(out, fmt.Sprintf("partition:%s,offset:%d", p, parts[p]))
	}
	return strings.Join(out, ";"), nil
}
