package format_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hamba/avro/v2"
	"github.com/twmb/franz-go/pkg/sr"

	"github.com/tumble/tumble/connectors/format"
	"github.com/tumble/tumble/connectors/kafka"
	"github.com/tumble/tumble/connectors/schemaregistry"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner/dialect/ksql"
)

// registryURL starts a broker and a Schema Registry on free ports.
func registryURL(tb testing.TB) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := kafka.StartBroker(ctx, kafka.BrokerConfig{Listen: "127.0.0.1:0", Partitions: 1})
	if err != nil {
		tb.Fatal(err)
	}
	r, err := schemaregistry.Start(ctx, schemaregistry.Config{Bootstrap: []string{b.Addr()}, Listen: "127.0.0.1:0"})
	if err != nil {
		b.Close()
		tb.Fatal(err)
	}
	tb.Cleanup(func() { r.Close(); b.Close() })
	return r.URL()
}

// seedColumns are the ksqlDB seed stream's value columns.
func seedColumns() []format.Column {
	return []format.Column{
		{Name: "EVENT_TIMESTAMP", Type: types.TString, Pos: 0},
		{Name: "USER_ID", Type: types.TString, Pos: 1},
		{Name: "TRANSACTION_ID", Type: types.TInt, Pos: 2},
		{Name: "TOTAL_PAID", Type: types.TInt, Pos: 3},
		{Name: "STATUS", Type: types.TString, Pos: 4},
	}
}

func seedRow() []types.Value {
	return []types.Value{types.StringV("2026-11-23 23:09:46.153"), types.StringV("245d2676-04f8-4036-bc25-1a9b02bb75f1"),
		types.IntV(393722), types.IntV(20), types.StringV("Paid")}
}

func ksqlSpec(url string, kv ...string) *engine.TableSpec {
	s := &engine.TableSpec{Name: "SEED", Rules: ksql.Dialect{}.Rules().Tables, Options: map[string]string{"topic": "transactions"},
		Defaults: map[string]string{format.RegistryURLKey: url}}
	for i := 0; i+1 < len(kv); i += 2 {
		s.Options[kv[i]] = kv[i+1]
	}
	return s
}

func TestAvroKsqlRoundTrip(t *testing.T) {
	url := registryURL(t)
	spec := ksqlSpec(url, "value.format", "avro")
	enc, err := format.NewEncoder(spec, seedColumns(), "value.")
	if err != nil {
		t.Fatal(err)
	}
	data, null, err := enc.Encode(nil, seedRow())
	if err != nil || null {
		t.Fatalf("encode: %v %v", err, null)
	}
	if data[0] != 0 || len(data) < 6 {
		t.Fatalf("not the wire format: %x", data)
	}
	// the encoder registered ksqlDB's value schema under the subject
	cl, _ := sr.NewClient(sr.URLs(url))
	s, err := cl.SchemaByVersion(context.Background(), "transactions-value", -1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.Schema.Schema, `"name":"KsqlDataSourceSchema","namespace":"io.confluent.ksql.avro_schemas"`) ||
		!strings.Contains(s.Schema.Schema, `{"name":"TOTAL_PAID","type":["null","int"],"default":null}`) {
		t.Fatalf("registered schema: %s", s.Schema.Schema)
	}
	dec, err := format.NewDecoder(spec, seedColumns(), "value.")
	if err != nil {
		t.Fatal(err)
	}
	row := make([]types.Value, 5)
	if err := dec.Decode(data, row); err != nil {
		t.Fatal(err)
	}
	for i, want := range seedRow() {
		if row[i].String() != want.String() {
			t.Errorf("column %d: %v, want %v", i, row[i], want)
		}
	}

	// a reader with other columns: fields matched by name, others skipped
	two := []format.Column{{Name: "status", Type: types.TString, Pos: 0}, {Name: "TOTAL_PAID", Type: types.TBigInt, Pos: 1}}
	dec2, err := format.NewDecoder(spec, two, "value.")
	if err != nil {
		t.Fatal(err)
	}
	row2 := make([]types.Value, 2)
	if err := dec2.Decode(data, row2); err != nil {
		t.Fatal(err)
	}
	if row2[0].S != "Paid" || row2[1].I != 20 || row2[1].K != types.BigInt {
		t.Fatalf("projected: %v", row2)
	}

	// bad input is an error wrapping ErrMalformed, never a panic
	for name, bad := range map[string][]byte{
		"unknown id":  {0, 0, 0, 0x7f, 0x7f, 2, 'a'},
		"magic byte":  append([]byte{1}, data[1:]...),
		"short":       {0, 0},
		"truncated":   data[:len(data)-3],
		"bad union":   append(append([]byte(nil), data[:5]...), 0x09, 0x09),
		"huge string": append(append([]byte(nil), data[:5]...), 2, 0xfe, 0xff, 0xff, 0xff, 0x0f),
	} {
		if err := dec.Decode(bad, row); !errors.Is(err, format.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

// TestAvroKeyUnwrapped: a single key column is the key's whole schema,
// registered as ksqlDB names it.
func TestAvroKeyUnwrapped(t *testing.T) {
	url := registryURL(t)
	spec := ksqlSpec(url, "key.format", "avro", "value.format", "avro")
	spec.Name = "MY_OUTPUT"
	spec.Columns = []engine.ColumnSpec{
		{Name: "K", Type: types.Type{Kind: types.Struct, Fields: []types.Field{{Name: "A", Type: types.TInt}}}, Key: true},
		{Name: "V", Type: types.Type{Kind: types.Decimal, Precision: 4, Scale: 1}},
	}
	if err := format.RegisterSchemas(spec, false); err != nil {
		t.Fatal(err)
	}
	cl, _ := sr.NewClient(sr.URLs(url))
	s, err := cl.SchemaByVersion(context.Background(), "transactions-key", -1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.Schema.Schema, `{"type":"record","name":"MyOutputKey","namespace":"io.confluent.ksql.avro_schemas","fields":[{"name":"A"`) {
		t.Fatalf("key schema: %s", s.Schema.Schema)
	}
	cols, wrapped, err := format.InferColumns(spec, false)
	if err != nil || wrapped != true || len(cols) != 1 || cols[0].Type.Kind != types.Decimal || cols[0].Type.Scale != 1 {
		t.Fatalf("inferred %v %v %v", cols, wrapped, err)
	}
	kc := []format.Column{{Name: "K", Type: spec.Columns[0].Type, Pos: 0}}
	enc, err := format.NewEncoder(spec, kc, "key.")
	if err != nil {
		t.Fatal(err)
	}
	data, _, err := enc.Encode(nil, []types.Value{types.StructV([]types.Value{types.IntV(7)})})
	if err != nil {
		t.Fatal(err)
	}
	dec, _ := format.NewDecoder(spec, kc, "key.")
	row := make([]types.Value, 1)
	if err := dec.Decode(data, row); err != nil || row[0].Elems()[0].I != 7 {
		t.Fatalf("key: %v %v", row, err)
	}
}

// TestAvroFlinkBare: Flink's avro format is the bare binary of the
// columns' schema.
func TestAvroFlinkBare(t *testing.T) {
	spec := &engine.TableSpec{Name: "t", Options: map[string]string{"format": "avro", "topic": "t"}}
	cols := []format.Column{{Name: "a", Type: types.TBigInt, Pos: 0}, {Name: "b", Type: types.TString, Pos: 1}}
	enc, err := format.NewEncoder(spec, cols, "value.")
	if err != nil {
		t.Fatal(err)
	}
	data, _, err := enc.Encode(nil, []types.Value{types.BigIntV(-3), types.NullValue})
	if err != nil {
		t.Fatal(err)
	}
	// union index 1 then zigzag(-3)=5; union index 0 (null)
	if string(data) != "\x02\x05\x00" {
		t.Fatalf("bytes %x", data)
	}
	dec, _ := format.NewDecoder(spec, cols, "value.")
	row := make([]types.Value, 2)
	if err := dec.Decode(data, row); err != nil || row[0].I != -3 || !row[1].IsNull() {
		t.Fatalf("decoded %v %v", row, err)
	}
}

// BenchmarkAvroDecodeSeed decodes the seed's record (Confluent's wire
// format) into the ksqlDB seed stream's columns. Target: 300 ns.
func BenchmarkAvroDecodeSeed(b *testing.B) {
	url := registryURL(b)
	spec := ksqlSpec(url, "value.format", "avro")
	enc, _ := format.NewEncoder(spec, seedColumns(), "value.")
	data, _, err := enc.Encode(nil, seedRow())
	if err != nil {
		b.Fatal(err)
	}
	dec, err := format.NewDecoder(spec, seedColumns(), "value.")
	if err != nil {
		b.Fatal(err)
	}
	row := make([]types.Value, 5)
	if err := dec.Decode(data, row); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu := threadCPU(b)
	for b.Loop() {
		if err := dec.Decode(data, row); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report()
}

// TestProtobufKsqlRoundTrip: ksqlDB's PROTOBUF writes ConnectDefault1
// with the columns and reads it back; bad bytes are ErrMalformed.
func TestProtobufKsqlRoundTrip(t *testing.T) {
	url := registryURL(t)
	spec := ksqlSpec(url, "value.format", "protobuf")
	enc, err := format.NewEncoder(spec, seedColumns(), "value.")
	if err != nil {
		t.Fatal(err)
	}
	data, _, err := enc.Encode(nil, seedRow())
	if err != nil {
		t.Fatal(err)
	}
	// magic byte, id, the message index shortcut 0
	if data[0] != 0 || data[5] != 0 {
		t.Fatalf("wire format: %x", data[:8])
	}
	cl, _ := sr.NewClient(sr.URLs(url))
	s, err := cl.SchemaByVersion(context.Background(), "transactions-value", -1)
	if err != nil {
		t.Fatal(err)
	}
	if s.Schema.Type != sr.TypeProtobuf || !strings.Contains(s.Schema.Schema, "message ConnectDefault1 {\n  string EVENT_TIMESTAMP = 1;") {
		t.Fatalf("registered: %v %s", s.Schema.Type, s.Schema.Schema)
	}
	dec, err := format.NewDecoder(spec, seedColumns(), "value.")
	if err != nil {
		t.Fatal(err)
	}
	row := make([]types.Value, 5)
	if err := dec.Decode(data, row); err != nil {
		t.Fatal(err)
	}
	for i, want := range seedRow() {
		if row[i].String() != want.String() {
			t.Errorf("column %d: %v, want %v", i, row[i], want)
		}
	}
	// a field left out reads as proto3's default
	empty := append([]byte(nil), data[:6]...)
	if err := dec.Decode(empty, row); err != nil || row[3].I != 0 || row[3].K != types.Int || row[4].S != "" || row[4].K != types.String {
		t.Fatalf("defaults: %v %v", row, err)
	}
	for name, bad := range map[string][]byte{
		"unknown id":   {0, 0, 0, 0x7f, 0x7f, 0, 8, 1},
		"bad tag":      append(append([]byte(nil), data[:6]...), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff),
		"wrong type":   append(append([]byte(nil), data[:6]...), 0x1d, 1, 2, 3, 4), // field 3 (INT) as fixed32
		"short string": append(append([]byte(nil), data[:6]...), 0x0a, 0x10, 'a'),
		"bad index":    {0, 0, 0, 0, byte(s.ID), 2, 8, 8},
	} {
		if err := dec.Decode(bad, row); !errors.Is(err, format.ErrMalformed) {
			t.Errorf("%s: %v, want ErrMalformed", name, err)
		}
	}
}

// TestJSONSRRoundTrip: JSON_SR is ksqlDB's JSON after the wire header,
// with Kafka Connect's JSON Schema registered.
func TestJSONSRRoundTrip(t *testing.T) {
	url := registryURL(t)
	spec := ksqlSpec(url, "value.format", "json_sr")
	enc, err := format.NewEncoder(spec, seedColumns(), "value.")
	if err != nil {
		t.Fatal(err)
	}
	data, _, err := enc.Encode(nil, seedRow())
	if err != nil {
		t.Fatal(err)
	}
	if data[0] != 0 || !strings.HasPrefix(string(data[5:]), `{"EVENT_TIMESTAMP":"2026-11-23 23:09:46.153"`) {
		t.Fatalf("payload %q", data)
	}
	spec.Columns = []engine.ColumnSpec{{Name: "X", Type: types.TString}}
	cols, wrapped, err := format.InferColumns(spec, false)
	if err != nil || !wrapped || len(cols) != 5 || cols[2].Name != "TRANSACTION_ID" || cols[2].Type.Kind != types.Int {
		t.Fatalf("inferred %v %v %v", cols, wrapped, err)
	}
	dec, _ := format.NewDecoder(spec, seedColumns(), "value.")
	row := make([]types.Value, 5)
	if err := dec.Decode(data, row); err != nil || row[2].I != 393722 {
		t.Fatalf("decoded %v %v", row, err)
	}
	if err := dec.Decode([]byte(`{"a":1}`), row); !errors.Is(err, format.ErrMalformed) {
		t.Fatalf("no header: %v", err)
	}
}

// BenchmarkProtobufDecodeSeed decodes the seed's record (Confluent's wire
// format) into the ksqlDB seed stream's columns. Target: 400 ns.
func BenchmarkProtobufDecodeSeed(b *testing.B) {
	url := registryURL(b)
	spec := ksqlSpec(url, "value.format", "protobuf")
	enc, _ := format.NewEncoder(spec, seedColumns(), "value.")
	data, _, err := enc.Encode(nil, seedRow())
	if err != nil {
		b.Fatal(err)
	}
	dec, err := format.NewDecoder(spec, seedColumns(), "value.")
	if err != nil {
		b.Fatal(err)
	}
	row := make([]types.Value, 5)
	if err := dec.Decode(data, row); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	cpu := threadCPU(b)
	for b.Loop() {
		if err := dec.Decode(data, row); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report()
}

// TestDebeziumAvroConfluent: Debezium's envelope written by Confluent's
// Avro converter gives -U/+U for an update and -D for a delete.
func TestDebeziumAvroConfluent(t *testing.T) {
	url := registryURL(t)
	schema := `{"type":"record","name":"Envelope","namespace":"dbserver1.inventory.products","fields":[
	  {"name":"before","type":["null",{"type":"record","name":"Value","fields":[{"name":"id","type":"int"},{"name":"name","type":"string"}]}],"default":null},
	  {"name":"after","type":["null","Value"],"default":null},
	  {"name":"source","type":{"type":"record","name":"Source","fields":[{"name":"db","type":"string"}]}},
	  {"name":"op","type":"string"},
	  {"name":"ts_ms","type":["null","long"],"default":null}]}`
	cl, _ := sr.NewClient(sr.URLs(url))
	ss, err := cl.CreateSchema(context.Background(), "products-value", sr.Schema{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	parsed, err := avro.Parse(schema)
	if err != nil {
		t.Fatal(err)
	}
	rec := func(before, after map[string]any, op string) []byte {
		m := map[string]any{"before": before, "after": after, "source": map[string]any{"db": "inventory"}, "op": op, "ts_ms": nil}
		if before != nil {
			m["before"] = map[string]any{"dbserver1.inventory.products.Value": before}
		}
		if after != nil {
			m["after"] = map[string]any{"dbserver1.inventory.products.Value": after}
		}
		b, err := avro.Marshal(parsed, m)
		if err != nil {
			t.Fatal(err)
		}
		return append([]byte{0, 0, 0, 0, byte(ss.ID)}, b...)
	}
	spec := &engine.TableSpec{Name: "products",
		Options: map[string]string{"topic": "products", "value.format": "debezium-avro-confluent", "value.debezium-avro-confluent.url": url}}
	cols := []format.Column{{Name: "id", Type: types.TInt, Pos: 0}, {Name: "name", Type: types.TString, Pos: 1}}
	dec, err := format.NewDecoder(spec, cols, "value.")
	if err != nil {
		t.Fatal(err)
	}
	cd := dec.(format.ChangeDecoder)
	var got []string
	collect := func(data []byte) {
		var rows [][]types.Value
		var kinds []engine.RowKind
		if err := cd.DecodeChanges(data, func(k engine.RowKind) []types.Value {
			r := make([]types.Value, 2)
			rows, kinds = append(rows, r), append(kinds, k)
			return r
		}); err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			got = append(got, fmt.Sprintf("%s %d %s", kinds[i], r[0].I, r[1].S))
		}
	}
	collect(rec(nil, map[string]any{"id": 1, "name": "scooter"}, "c"))
	collect(rec(map[string]any{"id": 1, "name": "scooter"}, map[string]any{"id": 1, "name": "bike"}, "u"))
	collect(rec(map[string]any{"id": 1, "name": "bike"}, nil, "d"))
	want := "+I 1 scooter|-U 1 scooter|+U 1 bike|-D 1 bike"
	if strings.Join(got, "|") != want {
		t.Fatalf("changes %s, want %s", strings.Join(got, "|"), want)
	}
	if err := cd.DecodeChanges(rec(nil, nil, "u"), func(engine.RowKind) []types.Value { return make([]types.Value, 2) }); !errors.Is(err, format.ErrMalformed) {
		t.Fatalf("an update without before: %v", err)
	}
}

// TestProtobufNoSR: the bare message of the columns' schema, no registry.
func TestProtobufNoSR(t *testing.T) {
	spec := ksqlSpec("", "value.format", "protobuf_nosr")
	enc, err := format.NewEncoder(spec, seedColumns(), "value.")
	if err != nil {
		t.Fatal(err)
	}
	data, _, err := enc.Encode(nil, seedRow())
	if err != nil {
		t.Fatal(err)
	}
	// field 1 (string) first: no wire header
	if data[0] != 0x0a {
		t.Fatalf("bytes %x", data[:4])
	}
	dec, err := format.NewDecoder(spec, seedColumns(), "value.")
	if err != nil {
		t.Fatal(err)
	}
	row := make([]types.Value, 5)
	if err := dec.Decode(data, row); err != nil {
		t.Fatal(err)
	}
	for i, want := range seedRow() {
		if row[i].String() != want.String() {
			t.Errorf("column %d: %v, want %v", i, row[i], want)
		}
	}
}

// TestProtobufNullable: with a nullable representation a NULL survives
// the round trip (without one it reads as proto3's default).
func TestProtobufNullable(t *testing.T) {
	for _, rep := range []string{"optional", "wrapper", ""} {
		spec := ksqlSpec("", "value.format", "protobuf_nosr")
		if rep != "" {
			spec.Options["value.protobuf.nullable.representation"] = rep
		}
		cols := []format.Column{{Name: "I", Type: types.TInt, Pos: 0}, {Name: "S", Type: types.TString, Pos: 1}}
		enc, err := format.NewEncoder(spec, cols, "value.")
		if err != nil {
			t.Fatal(err)
		}
		data, _, err := enc.Encode(nil, []types.Value{types.NullValue, types.StringV("x")})
		if err != nil {
			t.Fatal(err)
		}
		dec, err := format.NewDecoder(spec, cols, "value.")
		if err != nil {
			t.Fatal(err)
		}
		row := make([]types.Value, 2)
		if err := dec.Decode(data, row); err != nil {
			t.Fatal(err)
		}
		if row[0].IsNull() != (rep != "") || row[1].S != "x" {
			t.Errorf("%q: %v", rep, row)
		}
	}
	if _, err := format.NewDecoder(ksqlSpec("", "value.format", "protobuf_nosr", "value.protobuf.nullable.representation", "maybe"), nil, "value."); err == nil {
		t.Error("a bad representation must be refused")
	}
}

// threadCPU measures the benchmark goroutine's thread CPU time, which a
// machine shared with other work inflates less than the wall time
// (reported as cpu-ns/op beside ns/op).
type cpuMeter struct {
	b     *testing.B
	start int64
}

func threadCPU(b *testing.B) *cpuMeter {
	runtime.LockOSThread()
	b.Cleanup(runtime.UnlockOSThread)
	return &cpuMeter{b: b, start: threadNanos()}
}

func (m *cpuMeter) report() {
	if n := m.b.N; n > 0 {
		m.b.ReportMetric(float64(threadNanos()-m.start)/float64(n), "cpu-ns/op")
	}
}

func threadNanos() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(1 /* RUSAGE_THREAD */, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
