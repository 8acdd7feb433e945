package qtt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/tumble/tumble/connectors/format"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/sql"
)

// Schema-registry formats, as ksqlDB's test driver handles them: the
// schemas a case's "topics" give are registered (with their ids) under
// the topics' subjects before its statements run; inputs are written with
// the newest schema of their subject and outputs read with the schema
// their records name; "post" topics compare the registered schemas.

// schemaFormats are the formats whose records go through the registry.
var schemaFormats = map[string]bool{"AVRO": true, "PROTOBUF": true, "JSON_SR": true, "PROTOBUF_NOSR": true}

// needsRegistry reports whether a case uses a format with schemas.
func needsRegistry(c Case) bool {
	if m := schemaRegistryFormat.FindStringSubmatch(strings.ToUpper(strings.Join(c.Statements, " "))); m != nil {
		return true
	}
	for _, t := range c.Topics {
		if schemaFormats[strings.ToUpper(t.KeyFormat)] || schemaFormats[strings.ToUpper(t.ValueFormat)] {
			return true
		}
	}
	for _, p := range c.Properties {
		if s, ok := p.(string); ok && schemaFormats[strings.ToUpper(s)] {
			return true
		}
	}
	return false
}

// schemaText is a topic's schema as registry text: Protobuf's as written,
// Avro's and JSON Schema's JSON.
func schemaText(raw json.RawMessage, formatName string) (string, string) {
	typ := "AVRO"
	switch strings.ToUpper(formatName) {
	case "PROTOBUF", "PROTOBUF_NOSR":
		typ = "PROTOBUF"
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s, typ
		}
	case "JSON_SR", "JSON":
		// a topic's schema in JSON format is a JSON Schema
		typ = "JSON"
	}
	return string(raw), typ
}

// registerTopicSchemas registers the schemas of a case's topics, with
// their ids when given (the subject in IMPORT mode while it is written).
func registerTopicSchemas(ctx context.Context, url string, topics []Topic) error {
	for _, t := range topics {
		for _, part := range []struct {
			suffix string
			raw    json.RawMessage
			format string
			id     *int
			refs   []SchemaReference
		}{{"-key", t.KeySchema, t.KeyFormat, t.KeySchemaID, t.KeySchemaReferences}, {"-value", t.ValueSchema, t.ValueFormat, t.ValueSchemaID, t.ValueSchemaReferences}} {
			if isNull(part.raw) {
				continue
			}
			var refs []map[string]any
			for _, r := range part.refs {
				rt, rtyp := schemaText(r.Schema, r.Format)
				if err := srCall(ctx, url, "POST", "/subjects/"+r.Name+"/versions", map[string]any{"schema": rt, "schemaType": rtyp}); err != nil {
					return fmt.Errorf("registering the reference %s: %w", r.Name, err)
				}
				refs = append(refs, map[string]any{"name": r.Name, "subject": r.Name, "version": 1})
			}
			text, typ := schemaText(part.raw, part.format)
			subject := t.Name + part.suffix
			body := map[string]any{"schema": text, "schemaType": typ}
			if len(refs) > 0 {
				body["references"] = refs
			}
			if part.id != nil {
				body["id"] = *part.id
				if err := srCall(ctx, url, "PUT", "/mode/"+subject+"?force=true", map[string]string{"mode": "IMPORT"}); err != nil {
					return err
				}
			}
			if err := srCall(ctx, url, "POST", "/subjects/"+subject+"/versions", body); err != nil {
				return fmt.Errorf("registering the schema of %s: %w", subject, err)
			}
			if part.id != nil {
				if err := srCall(ctx, url, "DELETE", "/mode/"+subject, nil); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func srCall(ctx context.Context, url, method, path string, body any) error {
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(ctx, method, url+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		var e struct {
			Message string `json:"message"`
		}
		json.NewDecoder(resp.Body).Decode(&e)
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, e.Message)
	}
	return nil
}

// tableSpec is the connector's view of a ksqlDB source, for its formats.
func tableSpec(t *planner.Table, url string) *engine.TableSpec {
	spec := &engine.TableSpec{Name: t.Name, Options: map[string]string{}, Rules: planner.DialectOf(sql.KSQL).Rules().Tables,
		Defaults: map[string]string{format.RegistryURLKey: url}}
	for k, v := range t.Options {
		spec.Options[k] = v
	}
	for _, c := range t.Columns {
		spec.Columns = append(spec.Columns, engine.ColumnSpec{Name: c.Name, Type: c.Type, Key: c.Key})
	}
	return spec
}

func partCols(spec *engine.TableSpec, key bool) []format.Column {
	var cols []format.Column
	for i, c := range spec.Columns {
		if c.Key == key && c.Metadata == "" {
			cols = append(cols, format.Column{Name: c.Name, Type: c.Type, Pos: i})
		}
	}
	return cols
}

// unwrappedPart reports whether a part's single column is the whole
// payload (keys always, values with WRAP_SINGLE_VALUE=false).
func unwrappedPart(spec *engine.TableSpec, key bool, cols []format.Column) bool {
	if len(cols) != 1 {
		return false
	}
	if key {
		// Protobuf keys are always messages
		f := strings.ToLower(spec.Options["key.format"])
		return spec.Options["key.wrap.single.value"] != "true" &&
			(f != "protobuf" && f != "protobuf_nosr" || cols[0].Type.Kind == types.Struct)
	}
	return spec.Options["wrap.single.value"] == "false"
}

// encodeSchemaPart writes a key or value given as JSON with the newest
// schema of its subject, as ksqlDB's test driver does.
func encodeSchemaPart(t *planner.Table, url string, key bool, raw json.RawMessage) ([]byte, error) {
	spec := tableSpec(t, url)
	prefix, subject := "value.", t.KSQL.Topic+"-value"
	if key {
		prefix, subject = "key.", t.KSQL.Topic+"-key"
	}
	cols := partCols(spec, key)
	row := make([]types.Value, len(spec.Columns))
	js := tableSpec(t, url)
	js.Options[prefix+"format"] = "json"
	dec, err := format.NewDecoder(js, cols, prefix)
	if err != nil {
		return nil, err
	}
	in := []byte(raw)
	if key && len(cols) == 1 && !unwrappedPart(spec, key, cols) && isObject(raw) {
		// a key record of one field: Tumble's JSON key is the bare value
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) == nil {
			for k, v := range m {
				if strings.EqualFold(k, cols[0].Name) {
					in = v
				}
			}
		}
	}
	if err := dec.Decode(in, row); err != nil {
		return nil, fmt.Errorf("%s %s: %w", strings.TrimSuffix(prefix, "."), raw, err)
	}
	if _, ok := spec.Options[prefix+"schema.id"]; !ok && !strings.EqualFold(spec.Options[prefix+"format"], "protobuf_nosr") {
		cl, err := sr.NewClient(sr.URLs(url))
		if err != nil {
			return nil, err
		}
		if s, err := cl.SchemaByVersion(context.Background(), subject, -1); err == nil {
			spec.Options[prefix+"schema.id"] = strconv.Itoa(s.ID)
		}
	}
	enc, err := format.NewEncoder(spec, cols, prefix)
	if err != nil {
		return nil, err
	}
	out, null, err := enc.Encode(nil, row)
	if null && err == nil && key && strings.HasPrefix(strings.ToLower(spec.Options[prefix+"format"]), "protobuf") {
		// {"F1": null} is a key message with F1 unset, not a null key
		// (Tumble's encoders write a key whose columns are all NULL as
		// none): the empty message
		out = []byte{}
		if id, err := strconv.Atoi(spec.Options[prefix+"schema.id"]); err == nil {
			out = append(out, 0, byte(id>>24), byte(id>>16), byte(id>>8), byte(id), 0)
		}
		return out, nil
	}
	if null {
		return nil, err
	}
	return out, err
}

func isObject(raw json.RawMessage) bool {
	b := bytes.TrimSpace(raw)
	return len(b) > 0 && b[0] == '{'
}

// decodeSchemaPart reads a key or value written with a schema into JSON
// terms (json.Number for numbers), as ksqlDB's test driver shows them.
func decodeSchemaPart(t *planner.Table, url string, key bool, data []byte) (any, error) {
	spec := tableSpec(t, url)
	prefix := "value."
	if key {
		prefix = "key."
	}
	cols := partCols(spec, key)
	dec, err := format.NewDecoder(spec, cols, prefix)
	if err != nil {
		return nil, err
	}
	row := make([]types.Value, len(spec.Columns))
	if err := dec.Decode(data, row); err != nil {
		return nil, err
	}
	js := tableSpec(t, url)
	js.Options[prefix+"format"] = "json"
	enc, err := format.NewEncoder(js, cols, prefix)
	if err != nil {
		return nil, err
	}
	b, _, err := enc.Encode(nil, row)
	if err != nil {
		return nil, err
	}
	v, err := decodeAny(b)
	if err != nil {
		return nil, err
	}
	if key && len(cols) == 1 && !unwrappedPart(spec, key, cols) {
		return map[string]any{cols[0].Name: v}, nil
	}
	return v, nil
}

// checkTopicSchemas compares the schemas registered for a topic's
// subjects with the expected ones (as JSON values; Protobuf as text with
// its spacing collapsed).
func checkTopicSchemas(ctx context.Context, url string, want PostTopic) string {
	for _, part := range []struct {
		suffix string
		raw    json.RawMessage
		format string
	}{{"-key", want.KeySchema, want.KeyFormat.Format}, {"-value", want.ValueSchema, want.ValueFormat.Format}} {
		if isNull(part.raw) {
			continue
		}
		if url == "" {
			return "post: topic " + want.Name + ": no schema registry"
		}
		cl, err := sr.NewClient(sr.URLs(url))
		if err != nil {
			return err.Error()
		}
		subject := want.Name + part.suffix
		got, err := cl.SchemaByVersion(ctx, subject, -1)
		if err != nil {
			return fmt.Sprintf("post: topic %s: subject %s: %v", want.Name, subject, err)
		}
		text, typ := schemaText(part.raw, part.format)
		if typ == "PROTOBUF" {
			if strings.Join(strings.Fields(text), " ") != strings.Join(strings.Fields(got.Schema.Schema), " ") {
				return fmt.Sprintf("post: topic %s: schema of %s is %q, want %q", want.Name, subject, got.Schema.Schema, text)
			}
			continue
		}
		var w, g any
		if json.Unmarshal([]byte(text), &w) != nil || json.Unmarshal([]byte(got.Schema.Schema), &g) != nil || !reflect.DeepEqual(w, g) {
			return fmt.Sprintf("post: topic %s: schema of %s is %s, want %s", want.Name, subject, got.Schema.Schema, text)
		}
	}
	return ""
}

// expectedThroughSchema reads an expected key or value of a format with
// schemas as the columns' types read it, and shows it as the records
// read back are shown, as ksqlDB's test driver converts the expected
// value through the schema (the string "005.4" is the DECIMAL 5.4). On
// any error the expected value stays as written.
func expectedThroughSchema(t *planner.Table, key bool, raw json.RawMessage, asIs any) any {
	spec := tableSpec(t, "")
	prefix := "value."
	if key {
		prefix = "key."
	}
	spec.Options[prefix+"format"] = "json"
	cols := partCols(spec, key)
	in := []byte(raw)
	if key && len(cols) == 1 && !unwrappedPart(tableSpec(t, ""), key, cols) && isObject(raw) {
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			return asIs
		}
		for k, v := range m {
			if strings.EqualFold(k, cols[0].Name) {
				in = v
			}
		}
	}
	dec, err := format.NewDecoder(spec, cols, prefix)
	if err != nil {
		return asIs
	}
	row := make([]types.Value, len(spec.Columns))
	if dec.Decode(in, row) != nil {
		return asIs
	}
	enc, err := format.NewEncoder(spec, cols, prefix)
	if err != nil {
		return asIs
	}
	b, _, err := enc.Encode(nil, row)
	if err != nil {
		return asIs
	}
	v, err := decodeAny(b)
	if err != nil {
		return asIs
	}
	if key && len(cols) == 1 && !unwrappedPart(tableSpec(t, ""), key, cols) {
		return map[string]any{cols[0].Name: v}
	}
	return v
}

var (
	createSource = regexp.MustCompile(`(?is)^\s*CREATE\s+(OR\s+REPLACE\s+)?(SOURCE\s+)?(STREAM|TABLE)\b`)
	asSelect     = regexp.MustCompile(`(?is)\bAS\s+SELECT\b`)
	kafkaTopic   = regexp.MustCompile(`(?i)kafka_topic\s*=\s*'([^']*)'`)
)

// sourceStatements are the CREATE STREAM|TABLE statements (not AS
// SELECT) of a case whose topic the case does not give a schema: ksqlDB's
// test driver registers the schemas of their columns before the case's
// topics (so the ids of those follow), which running them first does.
func sourceStatements(c Case) []string {
	given := map[string]bool{}
	for _, t := range c.Topics {
		if !isNull(t.KeySchema) || !isNull(t.ValueSchema) {
			given[t.Name] = true
		}
	}
	var out []string
	for _, st := range c.Statements {
		if !createSource.MatchString(st) || asSelect.MatchString(st) {
			continue
		}
		if m := kafkaTopic.FindStringSubmatch(st); m == nil || given[m[1]] {
			continue
		}
		out = append(out, st)
	}
	return out
}
