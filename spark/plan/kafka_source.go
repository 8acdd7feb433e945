package plan

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tumble/tumble/connectors/kafka"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/sql"
)

// kafkaSourceOptions are the options of Spark's Kafka source Tumble acts on
// (kafka.* are the client's properties).
var kafkaSourceOptions = map[string]bool{"subscribe": true, "subscribepattern": true, "assign": true,
	"startingoffsets": true, "endingoffsets": true, "failondataloss": true, "includeheaders": true, "maxoffsetspertrigger": true}

// kafkaClientRefused are Kafka client properties Spark refuses on its
// source, with its reasons.
var kafkaClientRefused = map[string]string{
	"auto.offset.reset":   "Kafka option 'auto.offset.reset' is not supported.\nInstead set the source option 'startingoffsets' to 'earliest' or 'latest'\nto specify where to start. Structured Streaming manages which offsets are consumed\ninternally, rather than relying on the kafkaConsumer to do it.",
	"key.deserializer":    "Kafka option 'key.deserializer' is not supported as keys are deserialized as byte arrays with ByteArrayDeserializer. Use DataFrame operations to explicitly deserialize the keys.",
	"value.deserializer":  "Kafka option 'value.deserializer' is not supported as values are deserialized as byte arrays with ByteArrayDeserializer. Use DataFrame operations to explicitly deserialize the values.",
	"enable.auto.commit":  "Kafka option 'enable.auto.commit' is not supported",
	"interceptor.classes": "Kafka option 'interceptor.classes' is not supported",
}

func illegalArg(format string, args ...any) *Error {
	return &Error{Exception: IllegalArgument, Msg: fmt.Sprintf(format, args...)}
}

// headersType is the type of Spark's Kafka headers column.
var headersType = types.ArrayOf(types.Type{Kind: types.Struct, Fields: []types.Field{{Name: "key", Type: types.TString}, {Name: "value", Type: types.TBytes}}})

// kafka is Spark's Kafka source: columns key, value (binary), topic,
// partition, offset, timestamp, timestampType (and headers); one scan per
// topic, in a union when there are several.
func (t *Translator) kafka(opts map[string]string, streaming bool) (*Frame, error) {
	o := map[string]string{}
	props := map[string]string{} // kafka.* with their case (Kafka's names)
	for k, v := range opts {
		lk := strings.ToLower(k)
		if p, ok := strings.CutPrefix(k, "kafka."); ok || strings.HasPrefix(lk, "kafka.") {
			if !ok {
				p = k[len("kafka."):]
			}
			if msg, refused := kafkaClientRefused[strings.ToLower(p)]; refused {
				return nil, illegalArg("%s", msg)
			}
			props[p] = v
			continue
		}
		if !kafkaSourceOptions[lk] {
			switch lk {
			case "minoffsetspertrigger", "maxtriggerdelay", "startingoffsetsbytimestamp", "startingtimestamp", "endingoffsetsbytimestamp", "endingtimestamp",
				"groupidprefix", "minpartitions", "maxrecordsperpartition", "startingoffsetsbytimestampstrategy":
				return nil, unsupported("The Kafka source option '%s'", k)
			}
			return nil, analysisErr("UNSUPPORTED_FEATURE", "Unknown Kafka source option '%s' (Tumble reads: kafka.*, subscribe, subscribePattern, assign, startingOffsets, endingOffsets, failOnDataLoss, includeHeaders, maxOffsetsPerTrigger).", k)
		}
		o[lk] = v
	}
	topics, assigned, err := t.kafkaTopics(o, props)
	if err != nil {
		return nil, err
	}
	start, err := kafkaOffsets(o, "startingoffsets", streaming)
	if err != nil {
		return nil, err
	}
	end, err := kafkaOffsets(o, "endingoffsets", streaming)
	if err != nil {
		return nil, err
	}
	failOnDataLoss := true
	if v, ok := o["failondataloss"]; ok {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return nil, illegalArg("failOnDataLoss must be true or false, not '%s'", v)
		}
		failOnDataLoss = b
	}
	if v, ok := o["maxoffsetspertrigger"]; ok {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n <= 0 {
			return nil, illegalArg("Invalid value '%s' for option 'maxOffsetsPerTrigger', must be a positive integer", v)
		}
		if streaming {
			t.MaxOffsetsPerTrigger = n
		}
	}
	headers := strings.EqualFold(strings.TrimSpace(o["includeheaders"]), "true")
	var frames []planner.Node
	for _, topic := range topics {
		tbl := &planner.Table{Name: "kafka_" + topic, Kind: sql.KindTable, Dialect: sql.Spark,
			Options:  map[string]string{"connector": "kafka", "topic": topic, "format": "raw"},
			Defaults: map[string]string{kafka.DefaultSpecialOffsets: "true", kafka.DefaultOnDataLoss: "earliest"}}
		if failOnDataLoss {
			tbl.Defaults[kafka.DefaultOnDataLoss] = "none"
		}
		if ps, ok := assigned[topic]; ok {
			tbl.Defaults[kafka.DefaultPartitions] = joinInts(ps)
		}
		for k, v := range props {
			tbl.Options["properties."+k] = v
		}
		start.apply(tbl.Options, "scan.startup", topic)
		if !streaming {
			end.apply(tbl.Options, "scan.bounded", topic)
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
			// array<struct<key: string, value: binary>>, in the record's order
			hs := &fn{name: "headers", args: []expr.Expr{col(7)}, t: headersType, strict: true, eval: func(v []types.Value) types.Value {
				m := v[0].MapVal()
				out := make([]types.Value, len(m.Keys))
				for i := range m.Keys {
					out[i] = types.StructV([]types.Value{m.Keys[i], m.Vals[i]})
				}
				return types.ArrayV(out)
			}}
			xs, names = append(xs, hs), append(names, "headers")
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

// kafkaTopics reads the source's one strategy: subscribe (topics),
// subscribePattern (the topics whose whole name matches, when the query
// starts) or assign (topics and their partitions).
func (t *Translator) kafkaTopics(o, props map[string]string) ([]string, map[string][]int32, error) {
	const keys = "subscribe, subscribepattern, assign"
	n := 0
	for _, k := range []string{"subscribe", "subscribepattern", "assign"} {
		if _, ok := o[k]; ok {
			n++
		}
	}
	switch {
	case n == 0:
		return nil, nil, illegalArg("One of the following options must be specified for Kafka source: %s. See the docs for more details.", keys)
	case n > 1:
		return nil, nil, illegalArg("Only one of the following options can be specified for Kafka source: %s. See the docs for more details.", keys)
	}
	if v, ok := o["subscribe"]; ok {
		topics := splitList(v)
		if len(topics) == 0 {
			return nil, nil, illegalArg("No topics to subscribe to as specified value for option 'subscribe' is '%s'", v)
		}
		return topics, nil, nil
	}
	if v, ok := o["assign"]; ok {
		var m map[string][]int32
		if !strings.HasPrefix(strings.TrimSpace(v), "{") {
			return nil, nil, illegalArg("No topicpartitions to assign as specified value for option 'assign' is '%s'", v)
		}
		if err := json.Unmarshal([]byte(v), &m); err != nil || len(m) == 0 {
			return nil, nil, illegalArg(`Expected e.g. {"topicA":[0,1],"topicB":[0,1]}, got %s`, v)
		}
		var topics []string
		for tp, ps := range m {
			if len(ps) > 0 {
				topics = append(topics, tp)
				slices.Sort(ps)
			}
		}
		sort.Strings(topics)
		if len(topics) == 0 {
			return nil, nil, illegalArg("No topicpartitions to assign as specified value for option 'assign' is '%s'", v)
		}
		return topics, m, nil
	}
	v := o["subscribepattern"]
	pat := strings.TrimSpace(v)
	if pat == "" {
		return nil, nil, illegalArg("Pattern to subscribe is empty as specified value for option 'subscribePattern' is '%s'", v)
	}
	re, err := regexp.Compile("^(?:" + pat + ")$")
	if err != nil {
		return nil, nil, illegalArg("Invalid pattern '%s' for option 'subscribePattern': %v", v, err)
	}
	all, err := t.listTopics(props)
	if err != nil {
		return nil, nil, err
	}
	var topics []string
	for _, tp := range all {
		if re.MatchString(tp) {
			topics = append(topics, tp)
		}
	}
	if len(topics) == 0 {
		return nil, nil, unsupported("Waiting for topics that match subscribePattern '%s' (none does now; Tumble reads the topics that match when the query starts)", v)
	}
	if t.OutputMode != "" {
		t.warn("subscribePattern '%s' reads the topics that match now (%s); topics created later are not read, as they would be by Spark", v, strings.Join(topics, ", "))
	}
	return topics, nil, nil
}

// listTopics lists the cluster's topics with the source's client
// properties over the server's.
func (t *Translator) listTopics(props map[string]string) ([]string, error) {
	admin, err := t.Planner.Admin()
	if err != nil {
		return nil, AsError(err)
	}
	client := t.Planner.KafkaClient()
	for k, v := range props {
		client[k] = v
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	infos, err := admin.ListTopics(ctx, client)
	if err != nil {
		return nil, &Error{Exception: SparkException, Msg: fmt.Sprintf("Listing the topics of %s: %v", client["bootstrap.servers"], err)}
	}
	out := make([]string, len(infos))
	for i, ti := range infos {
		out[i] = ti.Name
	}
	return out, nil
}

// offsetSpec is startingOffsets or endingOffsets: earliest, latest, or
// offsets per topic and partition (-1 latest, -2 earliest).
type offsetSpec struct {
	key      string
	word     string // "earliest", "latest" or "" (json)
	specific map[string]map[string]int64
}

func kafkaOffsets(o map[string]string, key string, streaming bool) (*offsetSpec, error) {
	v, set := o[key]
	s := &offsetSpec{key: key}
	switch w := strings.ToLower(strings.TrimSpace(v)); {
	case key == "endingoffsets" && streaming && set:
		return nil, illegalArg("ending offset not valid in streaming queries")
	case !set && key == "startingoffsets" && streaming:
		s.word = "latest"
	case !set && key == "startingoffsets":
		s.word = "earliest"
	case !set:
		s.word = "latest"
	case w == "earliest" || w == "latest":
		s.word = w
	default:
		if err := json.Unmarshal([]byte(v), &s.specific); err != nil {
			return nil, illegalArg(`Expected e.g. {"topicA":{"0":23,"1":-1},"topicB":{"0":-2}}, got %s`, v)
		}
		for tp, ps := range s.specific {
			for p, off := range ps {
				if _, err := strconv.ParseInt(p, 10, 32); err != nil || off < -2 {
					return nil, illegalArg(`Expected e.g. {"topicA":{"0":23,"1":-1},"topicB":{"0":-2}}, got %s`, v)
				}
				switch {
				case !streaming && key == "startingoffsets" && off == -1:
					return nil, illegalArg("startingOffsets for %s-%s can't be latest for batch queries on Kafka", tp, p)
				case !streaming && key == "endingoffsets" && off == -2:
					return nil, illegalArg("ending offset for %s-%s can't be earliest for batch queries on Kafka", tp, p)
				}
			}
		}
	}
	switch {
	case !streaming && key == "startingoffsets" && s.word == "latest":
		return nil, illegalArg("starting offset can't be latest for batch queries on Kafka")
	case !streaming && key == "endingoffsets" && s.word == "earliest":
		return nil, illegalArg("ending offset can't be earliest for batch queries on Kafka")
	}
	return s, nil
}

// apply sets the kafka connector's options for topic under prefix
// (scan.startup or scan.bounded). A topic or partition the offsets do not
// name starts at its earliest offset, or ends at its latest.
func (s *offsetSpec) apply(opts map[string]string, prefix, topic string) {
	word := s.word
	var parts map[string]int64
	if s.specific != nil {
		var ok bool
		if parts, ok = s.specific[topic]; !ok {
			word = map[string]string{"scan.startup": "earliest", "scan.bounded": "latest"}[prefix]
		}
	}
	if word != "" {
		opts[prefix+".mode"] = word + "-offset"
		return
	}
	var keys []string
	for p := range parts {
		keys = append(keys, p)
	}
	sort.Slice(keys, func(i, j int) bool { a, _ := strconv.Atoi(keys[i]); b, _ := strconv.Atoi(keys[j]); return a < b })
	var out []string
	for _, p := range keys {
		out = append(out, fmt.Sprintf("partition:%s,offset:%d", p, parts[p]))
	}
	opts[prefix+".mode"] = "specific-offsets"
	opts[prefix+".specific-offsets"] = strings.Join(out, ";")
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

func joinInts(ps []int32) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = strconv.Itoa(int(p))
	}
	return strings.Join(s, ",")
}
