package format

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/tumble/tumble/connectors/schemaregistry"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// JSON_SR: ksqlDB's JSON with a JSON Schema in the registry. The payload
// after Confluent's wire header (magic byte, schema id) is the JSON that
// ksqlDB's JSON format reads and writes, so the JSON decoder and encoder
// do the work; the schema says which columns a table has (inference) and
// is registered for sinks as Kafka Connect's JSON Schema converter
// writes it.

// jsonSchemaText is the JSON Schema of cols (a single unwrapped column's
// type itself).
func jsonSchemaText(cols []Column, unwrapped bool) string {
	var s any
	if unwrapped && len(cols) == 1 {
		s = jsonSchemaType(cols[0].Type, true)
	} else {
		s = jsonSchemaObject(cols)
	}
	b, _ := json.Marshal(s)
	return string(b)
}

func jsonSchemaObject(cols []Column) any {
	props := orderedMap{}
	for i, c := range cols {
		t := jsonSchemaType(c.Type, false).(orderedMap)
		props = append(props, [2]any{c.Name, append(orderedMap{{"connect.index", i}}, t...)})
	}
	return orderedMap{{"type", "object"}, {"properties", props}}
}

func jsonSchemaType(t types.Type, top bool) any {
	var s orderedMap
	switch t.Kind {
	case types.Boolean:
		s = orderedMap{{"type", "boolean"}}
	case types.TinyInt, types.SmallInt, types.Int:
		s = orderedMap{{"type", "integer"}, {"connect.type", "int32"}}
	case types.BigInt:
		s = orderedMap{{"type", "integer"}, {"connect.type", "int64"}}
	case types.Float, types.Double:
		s = orderedMap{{"type", "number"}, {"connect.type", "float64"}}
	case types.Bytes:
		s = orderedMap{{"type", "string"}, {"connect.type", "bytes"}}
	case types.Decimal:
		s = orderedMap{{"type", "number"}, {"title", "org.apache.kafka.connect.data.Decimal"}, {"connect.version", 1},
			{"connect.type", "bytes"}, {"connect.parameters", orderedMap{{"scale", fmt.Sprint(t.Scale)}, {"connect.decimal.precision", fmt.Sprint(t.Precision)}}}}
	case types.Date:
		s = orderedMap{{"type", "integer"}, {"title", "org.apache.kafka.connect.data.Date"}, {"connect.version", 1}, {"connect.type", "int32"}}
	case types.Time:
		s = orderedMap{{"type", "integer"}, {"title", "org.apache.kafka.connect.data.Time"}, {"connect.version", 1}, {"connect.type", "int32"}}
	case types.Timestamp, types.TimestampLTZ:
		s = orderedMap{{"type", "integer"}, {"title", "org.apache.kafka.connect.data.Timestamp"}, {"connect.version", 1}, {"connect.type", "int64"}}
	case types.Array:
		s = orderedMap{{"type", "array"}, {"items", jsonSchemaType(*t.Elem, false)}}
	case types.Map:
		s = orderedMap{{"type", "object"}, {"additionalProperties", jsonSchemaType(*t.Elem, false)}, {"connect.type", "map"}}
	case types.Struct:
		cols := make([]Column, len(t.Fields))
		for i, f := range t.Fields {
			cols[i] = Column{Name: f.Name, Type: f.Type}
		}
		s = jsonSchemaObject(cols).(orderedMap)
	default:
		s = orderedMap{{"type", "string"}}
	}
	if top {
		return s
	}
	return orderedMap{{"oneOf", []any{orderedMap{{"type", "null"}}, s}}}
}

// jsonSRDecoder strips the wire header and reads the JSON.
type jsonSRDecoder struct {
	inner Decoder
	cols  []Column
}

func newJSONSRDecoder(p *schemaPart) (Decoder, error) {
	in, err := newJSONDecoder(opts{spec: p.o.spec, prefix: p.o.prefix, name: JSON}, p.cols)
	if err != nil {
		return nil, err
	}
	return &jsonSRDecoder{inner: in, cols: p.cols}, nil
}

func (d *jsonSRDecoder) Decode(data []byte, row []types.Value) error {
	if data == nil {
		setNull(d.cols, row)
		return nil
	}
	_, payload, err := wireHeader(data)
	if err != nil {
		return err
	}
	return d.inner.Decode(payload, row)
}

type jsonSREncoder struct {
	inner Encoder
	id    int
}

func newJSONSREncoder(p *schemaPart, _ *schemaregistry.Parsed, id int) (Encoder, error) {
	in, err := newJSONEncoder(opts{spec: p.o.spec, prefix: p.o.prefix, name: JSON}, p.cols)
	if err != nil {
		return nil, err
	}
	return &jsonSREncoder{inner: in, id: id}, nil
}

func (e *jsonSREncoder) Encode(dst []byte, row []types.Value) ([]byte, bool, error) {
	start := len(dst)
	dst = appendWireHeader(dst, e.id)
	out, null, err := e.inner.Encode(dst, row)
	if null {
		return out[:start], true, err
	}
	return out, false, err
}

// jsonColumns turns a JSON Schema into columns: an object's properties
// (in connect.index order, else as written), or one column named single.
func jsonColumns(doc any, single string) ([]engine.ColumnSpec, bool, error) {
	m, ok := doc.(map[string]any)
	if ok {
		m = nonNull(m)
	}
	if ok && jsonIsObject(m) {
		if props, ok := m["properties"].(map[string]any); ok {
			names := jsonPropertyOrder(props)
			var out []engine.ColumnSpec
			for _, n := range names {
				t, err := jsonToType(props[n])
				if err != nil {
					return nil, false, fmt.Errorf("property %s: %w", n, err)
				}
				out = append(out, engine.ColumnSpec{Name: n, Type: t})
			}
			return out, true, nil
		}
	}
	t, err := jsonToType(doc)
	if err != nil {
		return nil, false, err
	}
	return []engine.ColumnSpec{{Name: single, Type: t}}, false, nil
}

func jsonIsObject(m map[string]any) bool {
	t, _ := m["type"].(string)
	_, props := m["properties"]
	return (t == "object" || t == "") && props
}

// nonNull picks the non-null branch of a oneOf/anyOf of null and a type.
func nonNull(m map[string]any) map[string]any {
	for _, k := range []string{"oneOf", "anyOf"} {
		if alts, ok := m[k].([]any); ok {
			var pick map[string]any
			for _, a := range alts {
				am, _ := a.(map[string]any)
				if am != nil && am["type"] != "null" {
					pick = am
				}
			}
			if pick != nil {
				return pick
			}
		}
	}
	return m
}

func jsonPropertyOrder(props map[string]any) []string {
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	idx := func(n string) float64 {
		if pm, ok := props[n].(map[string]any); ok {
			if i, ok := pm["connect.index"].(json.Number); ok {
				f, _ := i.Float64()
				return f
			}
			if i, ok := pm["connect.index"].(float64); ok {
				return i
			}
		}
		return 1e18
	}
	sort.SliceStable(names, func(i, j int) bool {
		a, b := idx(names[i]), idx(names[j])
		if a != b {
			return a < b
		}
		return names[i] < names[j]
	})
	return names
}

// jsonToType maps a JSON Schema to the SQL type ksqlDB gives it.
func jsonToType(v any) (types.Type, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return types.Type{}, fmt.Errorf("a schema that is not an object")
	}
	m = nonNull(m)
	typ, _ := m["type"].(string)
	if arr, ok := m["type"].([]any); ok {
		for _, x := range arr {
			if s, _ := x.(string); s != "null" {
				typ = s
			}
		}
	}
	ct, _ := m["connect.type"].(string)
	title, _ := m["title"].(string)
	switch typ {
	case "boolean":
		return types.TBool, nil
	case "integer":
		switch {
		case title == "org.apache.kafka.connect.data.Date":
			return types.TDate, nil
		case title == "org.apache.kafka.connect.data.Time":
			return types.Type{Kind: types.Time, Precision: 3}, nil
		case title == "org.apache.kafka.connect.data.Timestamp":
			return types.TTS3, nil
		case ct == "int32" || ct == "int16" || ct == "int8":
			return types.TInt, nil
		}
		return types.TBigInt, nil
	case "number":
		if title == "org.apache.kafka.connect.data.Decimal" {
			scale := 0
			if ps, ok := m["connect.parameters"].(map[string]any); ok {
				fmt.Sscan(fmt.Sprint(ps["scale"]), &scale)
				p := 64
				fmt.Sscan(fmt.Sprint(ps["connect.decimal.precision"]), &p)
				return types.Type{Kind: types.Decimal, Precision: p, Scale: scale}, nil
			}
		}
		return types.TDouble, nil
	case "string":
		if ct == "bytes" {
			return types.TBytes, nil
		}
		return types.TString, nil
	case "array":
		e, err := jsonToType(m["items"])
		if err != nil {
			return types.Type{}, err
		}
		return types.Type{Kind: types.Array, Elem: &e}, nil
	case "object", "":
		if ap, ok := m["additionalProperties"].(map[string]any); ok && m["properties"] == nil {
			e, err := jsonToType(ap)
			if err != nil {
				return types.Type{}, err
			}
			k := types.TString
			return types.Type{Kind: types.Map, Key: &k, Elem: &e}, nil
		}
		props, ok := m["properties"].(map[string]any)
		if !ok {
			return types.Type{}, fmt.Errorf("an object without properties")
		}
		var fs []types.Field
		for _, n := range jsonPropertyOrder(props) {
			t, err := jsonToType(props[n])
			if err != nil {
				return types.Type{}, fmt.Errorf("property %s: %w", n, err)
			}
			fs = append(fs, types.Field{Name: n, Type: t})
		}
		return types.Type{Kind: types.Struct, Fields: fs}, nil
	}
	return types.Type{}, fmt.Errorf("JSON Schema type '%s' is not supported", strings.TrimSpace(typ))
}
