package qtt

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/tumble/tumble/connectors/format"
	"github.com/tumble/tumble/connectors/kafka"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/session"
	"github.com/tumble/tumble/sql"
)

// Post is what a case expects of the catalog and the topics once its
// statements have run (ksqlDB's "post" conditions).
type Post struct {
	Sources []PostSource `json:"sources"`
	Topics  *PostTopics  `json:"topics"`
}

// PostSource is a stream or table that must exist, with the given
// properties (those absent are not checked).
type PostSource struct {
	Name          string         `json:"name"`
	Type          string         `json:"type"`
	Schema        *string        `json:"schema"`
	KeyFormat     *PostKeyFormat `json:"keyFormat"`
	ValueFormat   *string        `json:"valueFormat"`
	KeyFeatures   *[]string      `json:"keyFeatures"`
	ValueFeatures *[]string      `json:"valueFeatures"`
	IsSource      *bool          `json:"isSource"`
}

// PostKeyFormat is a source's key format. As in ksqlDB, the window type
// and size are compared whenever a key format is given: absent, the key
// must not be windowed.
type PostKeyFormat struct {
	Format     *string `json:"format"`
	WindowType *string `json:"windowType"`
	WindowSize *int64  `json:"windowSize"`
}

// PostTopics says which topics must not exist (Blacklist, a regular
// expression found anywhere in the name) and which must, with their formats.
type PostTopics struct {
	Blacklist *string     `json:"blacklist"`
	Topics    []PostTopic `json:"topics"`
}

// PostTopic is a topic that must exist.
type PostTopic struct {
	Name        string          `json:"name"`
	KeySchema   json.RawMessage `json:"keySchema"`
	ValueSchema json.RawMessage `json:"valueSchema"`
	KeyFormat   formatSpec      `json:"keyFormat"`
	ValueFormat formatSpec      `json:"valueFormat"`
	Partitions  *int            `json:"partitions"`
}

// formatSpec is a topic's format: {"format": "JSON", "features": [...]}.
type formatSpec struct {
	Format   string   `json:"format"`
	Features []string `json:"features"`
}

// checkPost checks the post conditions; "" means they hold.
func checkPost(ctx context.Context, addr string, s *session.Session, p *Post) string {
	if p == nil {
		return ""
	}
	for _, want := range p.Sources {
		if why := checkSource(s, want); why != "" {
			return "post: source " + want.Name + ": " + why
		}
	}
	if p.Topics == nil {
		return ""
	}
	topics, err := listTopics(ctx, addr)
	if err != nil {
		return "post: list topics: " + err.Error()
	}
	if p.Topics.Blacklist != nil {
		re, err := regexp.Compile(*p.Topics.Blacklist)
		if err != nil {
			return fmt.Sprintf("post: the topic blacklist %q is not a regular expression Go reads: %v", *p.Topics.Blacklist, err)
		}
		for _, t := range sortedNames(topics) {
			if re.MatchString(t) {
				return fmt.Sprintf("post: topic %s exists, the blacklist %q forbids it", t, *p.Topics.Blacklist)
			}
		}
	}
	for _, want := range p.Topics.Topics {
		parts, ok := topics[want.Name]
		if !ok {
			return "post: topic " + want.Name + " does not exist"
		}
		if want.Partitions != nil && *want.Partitions != parts {
			return fmt.Sprintf("post: topic %s has %d partitions, want %d", want.Name, parts, *want.Partitions)
		}
		t := sinkFor(s, want.Name)
		if t == nil {
			return "post: topic " + want.Name + ": no stream or table reads or writes it"
		}
		if !strings.EqualFold(want.KeyFormat.Format, t.KSQL.KeyFormat) || !strings.EqualFold(want.ValueFormat.Format, t.KSQL.ValueFormat) {
			return fmt.Sprintf("post: topic %s has formats %s/%s, want %s/%s", want.Name, t.KSQL.KeyFormat, t.KSQL.ValueFormat, want.KeyFormat.Format, want.ValueFormat.Format)
		}
		if why := sameFeatures("key features of topic "+want.Name, keyFeatures(t), want.KeyFormat.Features); why != "" {
			return "post: " + why
		}
		if why := sameFeatures("value features of topic "+want.Name, valueFeatures(t), want.ValueFormat.Features); why != "" {
			return "post: " + why
		}
		if why := checkTopicSchemas(ctx, s.KafkaProperties[format.RegistryURLKey], want); why != "" {
			return why
		}
	}
	return ""
}

func checkSource(s *session.Session, want PostSource) string {
	var t *planner.Table
	for _, c := range s.Catalog.List() {
		if c.Name == want.Name && c.KSQL != nil {
			t = c
		}
	}
	if t == nil {
		return "not in the catalog"
	}
	kind := "TABLE"
	if t.Kind == sql.KindStream {
		kind = "STREAM"
	}
	if !strings.EqualFold(want.Type, kind) {
		return fmt.Sprintf("is a %s, want a %s", kind, strings.ToUpper(want.Type))
	}
	if want.Schema != nil {
		got := sourceSchema(t)
		exp, err := normalizeSchema(*want.Schema)
		if err != nil {
			return fmt.Sprintf("cannot read the expected schema %q: %v", *want.Schema, err)
		}
		if got != exp {
			return fmt.Sprintf("schema %s, want %s", got, exp)
		}
	}
	if kf := want.KeyFormat; kf != nil {
		if kf.Format != nil && !strings.EqualFold(*kf.Format, t.KSQL.KeyFormat) {
			return fmt.Sprintf("key format %s, want %s", t.KSQL.KeyFormat, *kf.Format)
		}
		gotType, gotSize := "", int64(0)
		if w := t.KSQL.Windowed; w != nil {
			gotType = windowTypeName(w.Kind)
			if w.Kind != engine.Session {
				gotSize = w.Size / types.MicrosPerMilli
			}
		}
		wantType, wantSize := "", int64(0)
		if kf.WindowType != nil {
			wantType = strings.ToUpper(*kf.WindowType)
		}
		if kf.WindowSize != nil {
			wantSize = *kf.WindowSize
		}
		if gotType != wantType || gotSize != wantSize {
			return fmt.Sprintf("key window %s, want %s", showWindow(gotType, gotSize), showWindow(wantType, wantSize))
		}
	}
	if want.ValueFormat != nil && !strings.EqualFold(*want.ValueFormat, t.KSQL.ValueFormat) {
		return fmt.Sprintf("value format %s, want %s", t.KSQL.ValueFormat, *want.ValueFormat)
	}
	if want.KeyFeatures != nil {
		if why := sameFeatures("key features", keyFeatures(t), *want.KeyFeatures); why != "" {
			return why
		}
	}
	if want.ValueFeatures != nil {
		if why := sameFeatures("value features", valueFeatures(t), *want.ValueFeatures); why != "" {
			return why
		}
	}
	if want.IsSource != nil {
		if got := isSourceObject(t); got != *want.IsSource {
			return fmt.Sprintf("is a read-only source (CREATE SOURCE): %v, want %v", got, *want.IsSource)
		}
	}
	return ""
}

// sourceSchema renders a source's columns as ksqlDB's schemas read: key
// columns with KEY, types in ksqlDB's words, names quoted.
func sourceSchema(t *planner.Table) string {
	var parts []string
	for _, c := range t.Columns {
		if c.Kind != sql.Physical {
			continue
		}
		p := "`" + c.Name + "` " + c.Type.KSQLString()
		if c.Key {
			p += " KEY"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

// normalizeSchema reads a schema as ksqlDB's tests write it ("ID INT KEY,
// `v` STRING, S STRUCT<A INT>") through Tumble's own parser of ksqlDB's
// column definitions, and renders it as sourceSchema does.
func normalizeSchema(text string) (string, error) {
	stmt := "CREATE STREAM POST_SCHEMA (" + strings.ReplaceAll(text, "PRIMARY KEY", "KEY") + ") WITH (kafka_topic='post', value_format='JSON');"
	stmts, err := session.Parse(stmt, sql.KSQL)
	if err != nil {
		return "", err
	}
	ct, ok := stmts[0].(*sql.CreateTable)
	if !ok || len(stmts) != 1 {
		return "", fmt.Errorf("not a list of columns")
	}
	var parts []string
	for _, c := range ct.Columns {
		typ, err := planner.ConvertType(c.Type, sql.KSQL)
		if err != nil {
			return "", err
		}
		p := "`" + c.Name + "` " + typ.KSQLString()
		if c.Key || c.PrimaryKey {
			p += " KEY"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", "), nil
}

func windowTypeName(k engine.WindowKind) string {
	switch k {
	case engine.Tumble:
		return "TUMBLING"
	case engine.Hop:
		return "HOPPING"
	case engine.Session:
		return "SESSION"
	}
	return fmt.Sprint(int(k))
}

func showWindow(typ string, size int64) string {
	switch {
	case typ == "":
		return "none"
	case size == 0:
		return typ
	}
	return fmt.Sprintf("%s of %d ms", typ, size)
}

// keyFeatures are the serde features ksqlDB gives a source's key: a single
// key column in a format that can wrap it or not is unwrapped.
func keyFeatures(t *planner.Table) []string {
	keys := 0
	for _, c := range t.Columns {
		if c.Key {
			keys++
		}
	}
	switch strings.ToUpper(t.KSQL.KeyFormat) {
	case "JSON", "AVRO", "PROTOBUF", "JSON_SR", "PROTOBUF_NOSR":
		if keys == 1 {
			return []string{"UNWRAP_SINGLES"}
		}
	}
	return nil
}

// valueFeatures are the serde features of a source's value: what
// wrap_single_value set.
func valueFeatures(t *planner.Table) []string {
	switch t.Option("wrap.single.value") {
	case "false":
		return []string{"UNWRAP_SINGLES"}
	case "true":
		return []string{"WRAP_SINGLES"}
	}
	return nil
}

func sameFeatures(what string, got, want []string) string {
	g, w := append([]string(nil), got...), append([]string(nil), want...)
	for i := range w {
		w[i] = strings.ToUpper(w[i])
	}
	sort.Strings(g)
	sort.Strings(w)
	if strings.Join(g, ",") != strings.Join(w, ",") {
		return fmt.Sprintf("%s [%s], want [%s]", what, strings.Join(g, ", "), strings.Join(w, ", "))
	}
	return ""
}

// isSourceObject tells a read-only source (CREATE SOURCE STREAM|TABLE).
func isSourceObject(t *planner.Table) bool {
	stmts, err := session.Parse(t.Statement, sql.KSQL)
	if err != nil || len(stmts) != 1 {
		return false
	}
	ct, ok := stmts[0].(*sql.CreateTable)
	return ok && ct.Source
}

// listTopics returns the broker's topics and their partition counts.
func listTopics(ctx context.Context, addr string) (map[string]int, error) {
	ts, err := kafka.Admin{}.ListTopics(ctx, map[string]string{"bootstrap.servers": addr})
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, t := range ts {
		out[t.Name] = t.Partitions
	}
	return out, nil
}

func sortedNames(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
