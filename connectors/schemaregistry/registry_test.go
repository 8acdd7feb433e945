package schemaregistry_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/tumble/tumble/connectors/kafka"
	"github.com/tumble/tumble/connectors/schemaregistry"
)

// startRegistry starts a broker and a registry on free loopback ports.
func startRegistry(t *testing.T, dataDir string) (*kafka.Broker, *schemaregistry.Registry) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := kafka.StartBroker(ctx, kafka.BrokerConfig{Listen: "127.0.0.1:0", DataDir: dataDir, Partitions: 1})
	if err != nil {
		t.Fatal(err)
	}
	r, err := schemaregistry.Start(ctx, schemaregistry.Config{Bootstrap: []string{b.Addr()}, Listen: "127.0.0.1:0"})
	if err != nil {
		b.Close()
		t.Fatal(err)
	}
	return b, r
}

type client struct {
	t   *testing.T
	url string
}

// do sends a request and returns the status and the decoded answer.
func (c client) do(method, path string, body any) (int, any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.url+path, rd)
	req.Header.Set("Content-Type", "application/vnd.schemaregistry.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out any
	if json.Unmarshal(raw, &out) != nil {
		out = string(raw)
	}
	return resp.StatusCode, out
}

// want checks status and, for errors, Confluent's error_code.
func (c client) want(method, path string, body any, status int, code int) any {
	c.t.Helper()
	st, out := c.do(method, path, body)
	if st != status {
		c.t.Fatalf("%s %s: status %d, want %d (%v)", method, path, st, status, out)
	}
	if code != 0 {
		m, _ := out.(map[string]any)
		if got, _ := m["error_code"].(float64); int(got) != code {
			c.t.Fatalf("%s %s: error_code %v, want %d (%v)", method, path, m["error_code"], code, out)
		}
		if msg, _ := m["message"].(string); msg == "" {
			c.t.Fatalf("%s %s: no message in %v", method, path, out)
		}
	}
	return out
}

func avroRec(fields ...string) map[string]any {
	return map[string]any{"schema": `{"type":"record","name":"r","fields":[` + strings.Join(fields, ",") + `]}`}
}

func TestRegistryAPI(t *testing.T) {
	b, r := startRegistry(t, "")
	defer b.Close()
	defer r.Close()
	c := client{t, r.URL()}

	c.want("GET", "/subjects", nil, 200, 0)
	c.want("GET", "/subjects/s-value/versions", nil, 404, 40401)
	c.want("GET", "/schemas/ids/1", nil, 404, 40403)
	c.want("POST", "/subjects/s-value/versions", map[string]any{"schema": `{"type":"record"`}, 422, 42201)
	c.want("POST", "/subjects/s-value/versions", map[string]any{"schema": `syntax = "proto3"; message M { strin a = 1; }`, "schemaType": "PROTOBUF"}, 422, 42201)

	v1 := avroRec(`{"name":"a","type":"int"}`)
	out := c.want("POST", "/subjects/s-value/versions", v1, 200, 0)
	if out.(map[string]any)["id"].(float64) != 1 {
		t.Fatalf("first id: %v", out)
	}
	// the same schema again: the same id, no new version
	out = c.want("POST", "/subjects/s-value/versions", v1, 200, 0)
	if out.(map[string]any)["id"].(float64) != 1 {
		t.Fatalf("same schema: %v", out)
	}
	c.want("GET", "/subjects/s-value/versions/2", nil, 404, 40402)
	c.want("GET", "/subjects/s-value/versions/x", nil, 422, 42202)
	got := c.want("GET", "/subjects/s-value/versions/latest", nil, 200, 0).(map[string]any)
	if got["version"].(float64) != 1 || got["subject"] != "s-value" || !strings.Contains(got["schema"].(string), `"name":"a"`) {
		t.Fatalf("latest: %v", got)
	}
	if _, ok := got["schemaType"]; ok {
		t.Fatalf("AVRO schemas leave schemaType out: %v", got)
	}

	// BACKWARD (the default): a new field without a default is refused
	c.want("POST", "/subjects/s-value/versions", avroRec(`{"name":"a","type":"int"}`, `{"name":"b","type":"string"}`), 409, 409)
	chk := c.want("POST", "/compatibility/subjects/s-value/versions/latest?verbose=true", avroRec(`{"name":"a","type":"int"}`, `{"name":"b","type":"string"}`), 200, 0).(map[string]any)
	if chk["is_compatible"] != false || len(chk["messages"].([]any)) == 0 {
		t.Fatalf("check: %v", chk)
	}
	// with a default it is accepted
	v2 := avroRec(`{"name":"a","type":"int"}`, `{"name":"b","type":"string","default":"x"}`)
	out = c.want("POST", "/subjects/s-value/versions", v2, 200, 0)
	if out.(map[string]any)["id"].(float64) != 2 {
		t.Fatalf("second id: %v", out)
	}
	// int -> long is a promotion: BACKWARD accepts it, FORWARD does not
	v3 := avroRec(`{"name":"a","type":"long"}`, `{"name":"b","type":"string","default":"x"}`)
	chk = c.want("POST", "/compatibility/subjects/s-value/versions/latest", v3, 200, 0).(map[string]any)
	if chk["is_compatible"] != true {
		t.Fatalf("int->long backward: %v", chk)
	}
	c.want("PUT", "/config/s-value", map[string]string{"compatibility": "FORWARD"}, 200, 0)
	c.want("POST", "/subjects/s-value/versions", v3, 409, 409)
	c.want("PUT", "/config/s-value", map[string]string{"compatibility": "SIDEWAYS"}, 422, 42203)
	cfg := c.want("GET", "/config/s-value", nil, 200, 0).(map[string]any)
	if cfg["compatibilityLevel"] != "FORWARD" {
		t.Fatalf("config: %v", cfg)
	}
	c.want("GET", "/config/other", nil, 404, 40408)
	if c.want("GET", "/config", nil, 200, 0).(map[string]any)["compatibilityLevel"] != "BACKWARD" {
		t.Fatal("global default is BACKWARD")
	}
	c.want("PUT", "/config/s-value", map[string]string{"compatibility": "NONE"}, 200, 0)
	c.want("POST", "/subjects/s-value/versions", avroRec(`{"name":"z","type":"boolean"}`), 200, 0)
	// FULL_TRANSITIVE compares with every version
	c.want("PUT", "/config/s-value", map[string]string{"compatibility": "FULL_TRANSITIVE"}, 200, 0)
	chk = c.want("POST", "/compatibility/subjects/s-value/versions", avroRec(`{"name":"z","type":"boolean","default":true}`), 200, 0).(map[string]any)
	if chk["is_compatible"] != false {
		t.Fatalf("full transitive against v1 (a int without default): %v", chk)
	}

	// lookups
	found := c.want("POST", "/subjects/s-value", v2, 200, 0).(map[string]any)
	if found["version"].(float64) != 2 || found["id"].(float64) != 2 {
		t.Fatalf("lookup: %v", found)
	}
	c.want("POST", "/subjects/s-value", avroRec(`{"name":"q","type":"int"}`), 404, 40403)
	c.want("POST", "/subjects/nope", v2, 404, 40401)
	if ids := c.want("GET", "/schemas/ids/2/versions", nil, 200, 0).([]any); len(ids) != 1 {
		t.Fatalf("ids/2/versions: %v", ids)
	}

	// soft and hard deletes
	c.want("DELETE", "/subjects/s-value/versions/1?permanent=true", nil, 404, 40407)
	c.want("DELETE", "/subjects/s-value/versions/1", nil, 200, 0)
	c.want("DELETE", "/subjects/s-value/versions/1", nil, 404, 40406)
	c.want("GET", "/subjects/s-value/versions/1", nil, 404, 40402)
	c.want("GET", "/subjects/s-value/versions/1?deleted=true", nil, 200, 0)
	c.want("DELETE", "/subjects/s-value/versions/1?permanent=true", nil, 200, 0)
	c.want("GET", "/subjects/s-value/versions/1?deleted=true", nil, 404, 40402)
	c.want("DELETE", "/subjects/s-value?permanent=true", nil, 404, 40405)
	vs := c.want("DELETE", "/subjects/s-value", nil, 200, 0).([]any)
	if len(vs) != 2 {
		t.Fatalf("soft delete answers the versions: %v", vs)
	}
	c.want("DELETE", "/subjects/s-value", nil, 404, 40404)
	c.want("GET", "/subjects/s-value/versions", nil, 404, 40401)
	if l := c.want("GET", "/subjects?deleted=true", nil, 200, 0).([]any); len(l) != 1 {
		t.Fatalf("deleted subjects: %v", l)
	}
	c.want("DELETE", "/subjects/s-value?permanent=true", nil, 200, 0)
	c.want("GET", "/subjects/s-value/versions?deleted=true", nil, 404, 40401)

	// modes: read-only refuses writes; import keeps ids and versions
	c.want("PUT", "/mode/ro", map[string]string{"mode": "READONLY"}, 200, 0)
	c.want("POST", "/subjects/ro/versions", v1, 422, 42205)
	c.want("PUT", "/mode", map[string]string{"mode": "SOMETIMES"}, 422, 42204)
	c.want("POST", "/subjects/imp/versions", map[string]any{"schema": v1["schema"], "id": 100}, 422, 42205)
	c.want("PUT", "/mode/imp", map[string]string{"mode": "IMPORT"}, 200, 0)
	out = c.want("POST", "/subjects/imp/versions", map[string]any{"schema": `"int"`, "id": 100, "version": 7}, 200, 0)
	if out.(map[string]any)["id"].(float64) != 100 {
		t.Fatalf("import id: %v", out)
	}
	c.want("POST", "/subjects/imp/versions", map[string]any{"schema": `"long"`, "id": 100}, 422, 42207)
	c.want("GET", "/subjects/imp/versions/7", nil, 200, 0)
	if c.want("GET", "/mode/imp", nil, 200, 0).(map[string]any)["mode"] != "IMPORT" {
		t.Fatal("subject mode")
	}
	c.want("GET", "/mode/other", nil, 404, 40409)
	c.want("GET", "/nowhere", nil, 404, 404)
}

func TestRegistryReferencesAndTypes(t *testing.T) {
	b, r := startRegistry(t, "")
	defer b.Close()
	defer r.Close()
	c := client{t, r.URL()}

	// Protobuf with a reference
	c.want("POST", "/subjects/common.proto/versions", map[string]any{"schemaType": "PROTOBUF",
		"schema": `syntax = "proto3"; package common; message Money { int64 units = 1; string currency = 2; }`}, 200, 0)
	order := map[string]any{"schemaType": "PROTOBUF",
		"schema":     `syntax = "proto3"; import "common.proto"; message Order { string id = 1; common.Money paid = 2; }`,
		"references": []map[string]any{{"name": "common.proto", "subject": "common.proto", "version": 1}}}
	out := c.want("POST", "/subjects/orders-value/versions", order, 200, 0).(map[string]any)
	id := int(out["id"].(float64))
	by := c.want("GET", "/subjects/common.proto/versions/1/referencedby", nil, 200, 0).([]any)
	if len(by) != 1 || int(by[0].(float64)) != id {
		t.Fatalf("referencedby: %v", by)
	}
	c.want("DELETE", "/subjects/common.proto/versions/1", nil, 422, 42206)
	got := c.want("GET", "/schemas/ids/"+strconv.Itoa(id), nil, 200, 0).(map[string]any)
	if got["schemaType"] != "PROTOBUF" || len(got["references"].([]any)) != 1 {
		t.Fatalf("by id: %v", got)
	}
	// a missing reference is an invalid schema
	c.want("POST", "/subjects/x-value/versions", map[string]any{"schemaType": "PROTOBUF",
		"schema": `syntax = "proto3"; import "nope.proto"; message X { int32 a = 1; }`}, 422, 42201)
	// changing a field's type breaks compatibility; adding one does not
	c.want("POST", "/subjects/orders-value/versions", map[string]any{"schemaType": "PROTOBUF",
		"schema":     `syntax = "proto3"; import "common.proto"; message Order { int64 id = 1; common.Money paid = 2; }`,
		"references": order["references"]}, 409, 409)
	c.want("POST", "/subjects/orders-value/versions", map[string]any{"schemaType": "PROTOBUF",
		"schema":     `syntax = "proto3"; import "common.proto"; message Order { string id = 1; common.Money paid = 2; string note = 3; }`,
		"references": order["references"]}, 200, 0)
	// removing a message breaks it
	c.want("POST", "/subjects/orders-value/versions", map[string]any{"schemaType": "PROTOBUF",
		"schema": `syntax = "proto3"; message Other { string id = 1; }`}, 409, 409)

	// JSON Schema: a new required property breaks BACKWARD; an optional one
	// on a closed model does not
	js := func(props, required string, open bool) map[string]any {
		return map[string]any{"schemaType": "JSON", "schema": `{"type":"object","properties":{` + props + `},"required":[` + required + `],"additionalProperties":` + map[bool]string{true: "true", false: "false"}[open] + `}`}
	}
	c.want("POST", "/subjects/j-value/versions", js(`"a":{"type":"integer"}`, `"a"`, false), 200, 0)
	c.want("POST", "/subjects/j-value/versions", js(`"a":{"type":"integer"},"b":{"type":"string"}`, `"a","b"`, false), 409, 409)
	c.want("POST", "/subjects/j-value/versions", js(`"a":{"type":"number"},"b":{"type":"string"}`, `"a"`, false), 200, 0)
	c.want("POST", "/subjects/j-value/versions", js(`"a":{"type":"string"},"b":{"type":"string"}`, `"a"`, false), 409, 409)
	c.want("POST", "/subjects/j-value/versions", map[string]any{"schemaType": "JSON", "schema": `{"type":"object","properties":{"a":{"type":"integer","minimum":"x"}}}`}, 422, 42201)
	types := c.want("GET", "/schemas/types", nil, 200, 0).([]any)
	if len(types) != 3 {
		t.Fatalf("types: %v", types)
	}
}

// TestRegistryPersists: the schemas live in '_schemas' and come back when
// the broker and the registry restart on the same data directory.
func TestRegistryPersists(t *testing.T) {
	dir := t.TempDir()
	b, r := startRegistry(t, dir)
	c := client{t, r.URL()}
	c.want("POST", "/subjects/a-value/versions", avroRec(`{"name":"a","type":"int"}`), 200, 0)
	c.want("POST", "/subjects/b-value/versions", map[string]any{"schema": `"string"`}, 200, 0)
	c.want("PUT", "/config/a-value", map[string]string{"compatibility": "NONE"}, 200, 0)
	c.want("DELETE", "/subjects/b-value", nil, 200, 0)
	r.Close()
	b.Close()

	b, r = startRegistry(t, dir)
	defer b.Close()
	defer r.Close()
	c = client{t, r.URL()}
	got := c.want("GET", "/subjects/a-value/versions/1", nil, 200, 0).(map[string]any)
	if got["id"].(float64) != 1 {
		t.Fatalf("after restart: %v", got)
	}
	c.want("GET", "/subjects/b-value/versions", nil, 404, 40401)
	if c.want("GET", "/config/a-value", nil, 200, 0).(map[string]any)["compatibilityLevel"] != "NONE" {
		t.Fatal("config lost")
	}
	out := c.want("POST", "/subjects/c-value/versions", map[string]any{"schema": `"long"`}, 200, 0)
	if out.(map[string]any)["id"].(float64) != 3 {
		t.Fatalf("ids continue after restart: %v", out)
	}
}

// TestProtobufDescriptorSchema: Confluent's Python and Go serializers
// register a Protobuf schema as the base64 of a FileDescriptorProto
// (without json_name when built at run time); it parses to the same
// message as its .proto text.
func TestProtobufDescriptorSchema(t *testing.T) {
	fdp := &descriptorpb.FileDescriptorProto{
		Name:    proto.String("order.proto"),
		Package: proto.String("shop"),
		Syntax:  proto.String("proto3"),
		MessageType: []*descriptorpb.DescriptorProto{{
			Name: proto.String("Order"),
			Field: []*descriptorpb.FieldDescriptorProto{
				{Name: proto.String("ID"), Number: proto.Int32(1), Type: descriptorpb.FieldDescriptorProto_TYPE_STRING.Enum(), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()},
				{Name: proto.String("order_total"), Number: proto.Int32(2), Type: descriptorpb.FieldDescriptorProto_TYPE_INT64.Enum(), Label: descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum()},
			},
		}},
	}
	raw, err := proto.Marshal(fdp)
	if err != nil {
		t.Fatal(err)
	}
	p, err := schemaregistry.Parse(context.Background(), schemaregistry.Source{Type: "PROTOBUF", Text: base64.StdEncoding.EncodeToString(raw)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	md, idx, err := schemaregistry.FindMessage(p.Proto, "Order")
	if err != nil || md.FullName() != "shop.Order" || len(idx) != 1 || idx[0] != 0 || md.Fields().Len() != 2 {
		t.Fatalf("message %v %v %v", md, idx, err)
	}
	if got := md.Fields().Get(1).JSONName(); got != "orderTotal" {
		t.Fatalf("json name %q, want protoc's orderTotal", got)
	}
	if _, err := schemaregistry.Parse(context.Background(), schemaregistry.Source{Type: "PROTOBUF", Text: "bm90IGEgZGVzY3JpcHRvcg=="}, nil); !errors.Is(err, schemaregistry.ErrInvalidSchema) {
		t.Fatalf("base64 that is no descriptor: %v", err)
	}
}
