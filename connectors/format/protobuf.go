package format

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/sr"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/tumble/tumble/connectors/schemaregistry"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// Protobuf: ksqlDB's PROTOBUF reads and writes Confluent's wire format
// (magic byte, schema id, the message indexes, the message); PROTOBUF_NOSR
// the bare message of the schema its columns make. A record is read with
// the message its indexes name in the schema its id names: a program per
// message walks the wire format with protowire and reads each field into
// the column of the same name (exactly, else ignoring case); fields a
// message leaves out read as their proto3 defaults, as ksqlDB reads them.
// Records are written with dynamicpb messages.

// protoName is the message a part writes: *_SCHEMA_FULL_NAME, else
// ksqlDB's ConnectDefault1.
func (p *schemaPart) protoName() string {
	if p.fullName != "" {
		return p.fullName
	}
	return "ConnectDefault1"
}

// protoCols are the fields of the message a part writes: its columns, or
// the fields of its single STRUCT column when it is unwrapped (a key).
func (p *schemaPart) protoCols() []Column {
	if !p.unwrapped {
		return p.cols
	}
	t := p.cols[0].Type
	cols := make([]Column, len(t.Fields))
	for i, f := range t.Fields {
		cols[i] = Column{Name: f.Name, Type: f.Type, Pos: i}
	}
	return cols
}

// protoSchemaText is the .proto of the message that holds cols, as
// ksqlDB generates it (proto3, fields numbered in column order).
func protoSchemaText(cols []Column, _ bool, name string) string {
	return protoSchemaTextNullable(cols, name, "")
}

// protoSchemaTextNullable is protoSchemaText with scalars that can be
// NULL: proto3 'optional' fields or google.protobuf wrappers.
func protoSchemaTextNullable(cols []Column, name, nullable string) string {
	pkg, msg := "", name
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		pkg, msg = name[:i], name[i+1:]
	}
	imports := map[string]bool{}
	var body strings.Builder
	n := 1
	protoMessage(&body, msg, cols, "", imports, &n, nullable)
	var b strings.Builder
	b.WriteString("syntax = \"proto3\";\n\n")
	if pkg != "" {
		fmt.Fprintf(&b, "package %s;\n\n", pkg)
	}
	for _, imp := range []string{"confluent/type/decimal.proto", "google/protobuf/timestamp.proto", "google/protobuf/wrappers.proto", "google/type/date.proto", "google/type/timeofday.proto"} {
		if imports[imp] {
			fmt.Fprintf(&b, "import \"%s\";\n", imp)
		}
	}
	if len(imports) > 0 {
		b.WriteString("\n")
	}
	b.WriteString(body.String())
	return b.String()
}

func protoMessage(b *strings.Builder, name string, cols []Column, indent string, imports map[string]bool, n *int, nullable string) {
	fmt.Fprintf(b, "%smessage %s {\n", indent, name)
	var nested []func()
	for i, c := range cols {
		typ := protoFieldType(c.Type, imports, func(t types.Type) string {
			*n++
			nn := fmt.Sprintf("ConnectDefault%d", *n)
			fs := make([]Column, len(t.Fields))
			for j, f := range t.Fields {
				fs[j] = Column{Name: f.Name, Type: f.Type}
			}
			nested = append(nested, func() { protoMessage(b, nn, fs, indent+"  ", imports, n, nullable) })
			return nn
		})
		if w, ok := protoWrappers[typ]; ok && nullable == "wrapper" {
			imports["google/protobuf/wrappers.proto"] = true
			typ = w
		} else if ok && nullable == "optional" {
			typ = "optional " + typ
		}
		fmt.Fprintf(b, "%s  %s %s = %d;\n", indent, typ, c.Name, i+1)
	}
	for _, f := range nested {
		f()
	}
	fmt.Fprintf(b, "%s}\n", indent)
}

// protoWrappers are the google.protobuf wrappers of the scalar types.
var protoWrappers = map[string]string{"bool": "google.protobuf.BoolValue", "int32": "google.protobuf.Int32Value",
	"int64": "google.protobuf.Int64Value", "float": "google.protobuf.FloatValue", "double": "google.protobuf.DoubleValue",
	"string": "google.protobuf.StringValue", "bytes": "google.protobuf.BytesValue"}

func protoFieldType(t types.Type, imports map[string]bool, record func(types.Type) string) string {
	switch t.Kind {
	case types.Boolean:
		return "bool"
	case types.TinyInt, types.SmallInt, types.Int:
		return "int32"
	case types.BigInt:
		return "int64"
	case types.Float:
		return "float"
	case types.Double:
		return "double"
	case types.Bytes:
		return "bytes"
	case types.Decimal:
		imports["confluent/type/decimal.proto"] = true
		return "confluent.type.Decimal"
	case types.Date:
		imports["google/type/date.proto"] = true
		return "google.type.Date"
	case types.Time:
		imports["google/type/timeofday.proto"] = true
		return "google.type.TimeOfDay"
	case types.Timestamp, types.TimestampLTZ:
		imports["google/protobuf/timestamp.proto"] = true
		return "google.protobuf.Timestamp"
	case types.Array:
		return "repeated " + protoFieldType(*t.Elem, imports, record)
	case types.Map:
		return "map<" + protoFieldType(*t.Key, imports, record) + ", " + protoFieldType(*t.Elem, imports, record) + ">"
	case types.Struct:
		return record(t)
	}
	return "string"
}

// protoRead reads one value of wire type typ from b; it returns the
// bytes used, or a negative number when the bytes or the type are wrong.
type protoRead func(b []byte, typ protowire.Type) (types.Value, int)

// protoProgram decodes one message into columns.
type protoProgram struct {
	fields   []protoField // by field number
	defaults []protoDefault
}

type protoField struct {
	pos  int // <0: skip
	read protoRead
	wire protowire.Type // of one element
	list bool           // repeated (appends; packed when wire is not bytes)
	mp   *protoMap
}

type protoMap struct {
	key, val protoRead
}

type protoDefault struct {
	pos int
	v   types.Value
}

// maxFieldNumber bounds the table of fields by number; fields numbered
// above it are read through a map.
const maxFieldNumber = 1 << 12

// newProtoProgram builds the program of message md for cols.
func newProtoProgram(md protoreflect.MessageDescriptor, cols []Column) (*protoProgram, error) {
	p := &protoProgram{}
	fs := md.Fields()
	top := 0
	for i := 0; i < fs.Len(); i++ {
		if n := int(fs.Get(i).Number()); n > top && n <= maxFieldNumber {
			top = n
		}
	}
	p.fields = make([]protoField, top+1)
	for i := range p.fields {
		p.fields[i].pos = -1
	}
	for _, c := range cols {
		p.defaults = append(p.defaults, protoDefault{pos: c.Pos})
	}
	for i := 0; i < fs.Len(); i++ {
		f := fs.Get(i)
		c, ok := findColumn(cols, string(f.Name()))
		if !ok || int(f.Number()) > maxFieldNumber {
			continue
		}
		pf := &p.fields[f.Number()]
		switch {
		case f.IsMap():
			if c.Type.Kind != types.Map || c.Type.Key == nil || c.Type.Elem == nil {
				return nil, fmt.Errorf("field %s: cannot read a map as %s", f.Name(), c.Type.String())
			}
			k, _, err := protoReader(f.MapKey(), *c.Type.Key)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name(), err)
			}
			v, _, err := protoReader(f.MapValue(), *c.Type.Elem)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name(), err)
			}
			pf.mp, pf.wire = &protoMap{key: k, val: v}, protowire.BytesType
		case f.Cardinality() == protoreflect.Repeated:
			if c.Type.Kind != types.Array || c.Type.Elem == nil {
				return nil, fmt.Errorf("field %s: cannot read a repeated field as %s", f.Name(), c.Type.String())
			}
			rd, w, err := protoReader(f, *c.Type.Elem)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name(), err)
			}
			pf.read, pf.wire, pf.list = rd, w, true
		default:
			rd, w, err := protoReader(f, c.Type)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name(), err)
			}
			pf.read, pf.wire = rd, w
		}
		pf.pos = c.Pos
		for j := range p.defaults {
			if p.defaults[j].pos == c.Pos {
				p.defaults[j].v = protoDefaultValue(f, c.Type)
			}
		}
	}
	return p, nil
}

// protoDefaultValue is what ksqlDB reads for a field the message leaves
// out: proto3's zero value for scalars, an empty list or map, NULL for a
// message (and for a field with presence).
func protoDefaultValue(f protoreflect.FieldDescriptor, t types.Type) types.Value {
	if f.IsMap() {
		return types.MapV(&types.MapValue{})
	}
	if f.Cardinality() == protoreflect.Repeated {
		return types.ArrayV([]types.Value{})
	}
	if f.Kind() == protoreflect.MessageKind || f.Kind() == protoreflect.GroupKind || f.HasPresence() {
		return types.NullValue
	}
	switch t.Kind {
	case types.Boolean:
		return types.BoolV(false)
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		return types.IntOf(t.Kind, 0)
	case types.Double:
		return types.DoubleV(0)
	case types.Float:
		return types.FloatV(0)
	case types.String:
		if f.Kind() == protoreflect.EnumKind && f.Enum().Values().Len() > 0 {
			return types.StringV(string(f.Enum().Values().Get(0).Name()))
		}
		return types.StringV("")
	case types.Bytes:
		return types.BytesV([]byte{})
	}
	return types.NullValue
}

func (p *protoProgram) run(b []byte, row []types.Value) error {
	for _, d := range p.defaults {
		row[d.pos] = d.v
	}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return malformed("protobuf: %v", protowire.ParseError(n))
		}
		b = b[n:]
		if num <= 0 || int(num) >= len(p.fields) || p.fields[num].pos < 0 {
			n = protowire.ConsumeFieldValue(num, typ, b)
			if n < 0 {
				return malformed("protobuf: field %d: %v", num, protowire.ParseError(n))
			}
			b = b[n:]
			continue
		}
		f := &p.fields[num]
		switch {
		case f.mp != nil:
			if typ != protowire.BytesType {
				return malformed("protobuf: map field %d has wire type %d", num, typ)
			}
			entry, m := protowire.ConsumeBytes(b)
			if m < 0 {
				return malformed("protobuf: map field %d: %v", num, protowire.ParseError(m))
			}
			b = b[m:]
			k, v, err := readEntry(entry, f.mp)
			if err != nil {
				return err
			}
			mv := row[f.pos].MapVal()
			if mv == nil {
				mv = &types.MapValue{}
				row[f.pos] = types.MapV(mv)
			} else if len(mv.Keys) == 0 {
				mv = &types.MapValue{} // never append to the shared default
				row[f.pos] = types.MapV(mv)
			}
			mv.Keys = append(mv.Keys, k)
			mv.Vals = append(mv.Vals, v)
		case f.list:
			cur := row[f.pos].Elems()
			if len(cur) == 0 {
				cur = nil
			}
			if typ == protowire.BytesType && f.wire != protowire.BytesType {
				packed, m := protowire.ConsumeBytes(b)
				if m < 0 {
					return malformed("protobuf: field %d: %v", num, protowire.ParseError(m))
				}
				b = b[m:]
				for len(packed) > 0 {
					v, k := f.read(packed, f.wire)
					if k < 0 {
						return malformed("protobuf: packed field %d", num)
					}
					cur = append(cur, v)
					packed = packed[k:]
				}
			} else {
				v, m := f.read(b, typ)
				if m < 0 {
					return malformed("protobuf: field %d: wire type %d", num, typ)
				}
				b = b[m:]
				cur = append(cur, v)
			}
			row[f.pos] = types.ArrayV(cur)
		default:
			v, m := f.read(b, typ)
			if m < 0 {
				return malformed("protobuf: field %d: wire type %d", num, typ)
			}
			b = b[m:]
			row[f.pos] = v
		}
	}
	return nil
}

func readEntry(b []byte, mp *protoMap) (types.Value, types.Value, error) {
	var k, v types.Value
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return k, v, malformed("protobuf: map entry: %v", protowire.ParseError(n))
		}
		b = b[n:]
		var m int
		switch num {
		case 1:
			k, m = mp.key(b, typ)
		case 2:
			v, m = mp.val(b, typ)
		default:
			m = protowire.ConsumeFieldValue(num, typ, b)
		}
		if m < 0 {
			return k, v, malformed("protobuf: map entry field %d", num)
		}
		b = b[m:]
	}
	return k, v, nil
}

func wireOf(k protoreflect.Kind) protowire.Type {
	switch k {
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind, protoreflect.FloatKind:
		return protowire.Fixed32Type
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind, protoreflect.DoubleKind:
		return protowire.Fixed64Type
	case protoreflect.StringKind, protoreflect.BytesKind, protoreflect.MessageKind:
		return protowire.BytesType
	case protoreflect.GroupKind:
		return protowire.StartGroupType
	}
	return protowire.VarintType
}

// protoInt reads the integer kinds as int64.
func protoInt(k protoreflect.Kind, b []byte, typ protowire.Type) (int64, int) {
	switch typ {
	case protowire.VarintType:
		v, n := protowire.ConsumeVarint(b)
		switch k {
		case protoreflect.Sint32Kind, protoreflect.Sint64Kind:
			return protowire.DecodeZigZag(v), n
		case protoreflect.Int32Kind:
			return int64(int32(v)), n
		case protoreflect.Uint32Kind:
			return int64(uint32(v)), n
		case protoreflect.BoolKind:
			if v != 0 {
				return 1, n
			}
			return 0, n
		}
		return int64(v), n
	case protowire.Fixed32Type:
		v, n := protowire.ConsumeFixed32(b)
		if k == protoreflect.Sfixed32Kind {
			return int64(int32(v)), n
		}
		return int64(v), n
	case protowire.Fixed64Type:
		v, n := protowire.ConsumeFixed64(b)
		return int64(v), n
	}
	return 0, -1
}

// protoReader builds the reader of one value of field f into type t.
func protoReader(f protoreflect.FieldDescriptor, t types.Type) (protoRead, protowire.Type, error) {
	k := f.Kind()
	w := wireOf(k)
	bad := fmt.Errorf("cannot read protobuf %s as %s", k, t.String())
	switch k {
	case protoreflect.BoolKind:
		if t.Kind != types.Boolean {
			return nil, w, bad
		}
		return func(b []byte, typ protowire.Type) (types.Value, int) {
			if typ != protowire.VarintType {
				return types.NullValue, -1
			}
			v, n := protowire.ConsumeVarint(b)
			return types.BoolV(v != 0), n
		}, w, nil
	case protoreflect.Int32Kind, protoreflect.Int64Kind, protoreflect.Uint32Kind, protoreflect.Uint64Kind,
		protoreflect.Sint32Kind, protoreflect.Sint64Kind, protoreflect.Fixed32Kind, protoreflect.Fixed64Kind,
		protoreflect.Sfixed32Kind, protoreflect.Sfixed64Kind:
		switch t.Kind {
		case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
			tk := t.Kind
			return func(b []byte, typ protowire.Type) (types.Value, int) {
				if typ != w {
					return types.NullValue, -1
				}
				v, n := protoInt(k, b, typ)
				return types.IntOf(tk, v), n
			}, w, nil
		case types.Double:
			return func(b []byte, typ protowire.Type) (types.Value, int) {
				if typ != w {
					return types.NullValue, -1
				}
				v, n := protoInt(k, b, typ)
				return types.DoubleV(float64(v)), n
			}, w, nil
		case types.Timestamp, types.TimestampLTZ:
			tk := t.Kind
			return func(b []byte, typ protowire.Type) (types.Value, int) {
				if typ != w {
					return types.NullValue, -1
				}
				v, n := protoInt(k, b, typ)
				return types.Value{K: tk, I: v * types.MicrosPerMilli}, n
			}, w, nil
		}
		return nil, w, bad
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		if t.Kind != types.Double && t.Kind != types.Float {
			return nil, w, bad
		}
		tk := t.Kind
		return func(b []byte, typ protowire.Type) (types.Value, int) {
			var f float64
			var n int
			switch {
			case typ == protowire.Fixed32Type && w == typ:
				v, m := protowire.ConsumeFixed32(b)
				f, n = float64(math.Float32frombits(v)), m
			case typ == protowire.Fixed64Type && w == typ:
				v, m := protowire.ConsumeFixed64(b)
				f, n = math.Float64frombits(v), m
			default:
				return types.NullValue, -1
			}
			if tk == types.Float {
				return types.FloatV(f), n
			}
			return types.DoubleV(f), n
		}, w, nil
	case protoreflect.EnumKind:
		if t.Kind != types.String {
			return nil, w, bad
		}
		vals := f.Enum().Values()
		return func(b []byte, typ protowire.Type) (types.Value, int) {
			if typ != protowire.VarintType {
				return types.NullValue, -1
			}
			v, n := protowire.ConsumeVarint(b)
			if e := vals.ByNumber(protoreflect.EnumNumber(int32(v))); e != nil {
				return types.StringV(string(e.Name())), n
			}
			return types.StringV(fmt.Sprint(int32(v))), n
		}, w, nil
	case protoreflect.StringKind, protoreflect.BytesKind:
		if t.Kind != types.String && t.Kind != types.Bytes {
			return nil, w, bad
		}
		tk := t.Kind
		in := newInterner() // each string column keeps its own
		return func(b []byte, typ protowire.Type) (types.Value, int) {
			if typ != protowire.BytesType {
				return types.NullValue, -1
			}
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return types.NullValue, n
			}
			return types.Value{K: tk, S: in.get(v)}, n
		}, w, nil
	case protoreflect.MessageKind:
		read, err := protoMessageReader(f.Message(), t)
		if err != nil {
			return nil, w, err
		}
		return func(b []byte, typ protowire.Type) (types.Value, int) {
			if typ != protowire.BytesType {
				return types.NullValue, -1
			}
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return types.NullValue, n
			}
			x, err := read(v)
			if err != nil {
				return types.NullValue, -1
			}
			return x, n
		}, w, nil
	}
	return nil, w, bad
}

// protoMessageReader reads a nested message: the well-known types ksqlDB
// writes for its logical types, the wrappers, or a STRUCT.
func protoMessageReader(md protoreflect.MessageDescriptor, t types.Type) (func([]byte) (types.Value, error), error) {
	// sub reads a well-known message's varint fields (1..len(fields)) and
	// its bytes field 1
	sub := func(fields ...string) func([]byte) ([]int64, []byte, error) {
		return func(b []byte) ([]int64, []byte, error) {
			out := make([]int64, len(fields))
			var bs []byte
			for len(b) > 0 {
				num, typ, n := protowire.ConsumeTag(b)
				if n < 0 {
					return nil, nil, malformed("protobuf: %v", protowire.ParseError(n))
				}
				b = b[n:]
				if typ == protowire.BytesType {
					v, m := protowire.ConsumeBytes(b)
					if m < 0 {
						return nil, nil, malformed("protobuf: %v", protowire.ParseError(m))
					}
					if num == 1 {
						bs = v
					}
					b = b[m:]
					continue
				}
				if typ != protowire.VarintType {
					m := protowire.ConsumeFieldValue(num, typ, b)
					if m < 0 {
						return nil, nil, malformed("protobuf: %v", protowire.ParseError(m))
					}
					b = b[m:]
					continue
				}
				v, m := protowire.ConsumeVarint(b)
				if m < 0 {
					return nil, nil, malformed("protobuf: %v", protowire.ParseError(m))
				}
				b = b[m:]
				if int(num) >= 1 && int(num) <= len(out) {
					out[num-1] = int64(v)
				}
			}
			return out, bs, nil
		}
	}
	switch md.FullName() {
	case "google.protobuf.Timestamp":
		if t.Kind != types.Timestamp && t.Kind != types.TimestampLTZ && t.Kind != types.BigInt {
			return nil, fmt.Errorf("cannot read a google.protobuf.Timestamp as %s", t.String())
		}
		read := sub("seconds", "nanos")
		tk := t.Kind
		return func(b []byte) (types.Value, error) {
			v, _, err := read(b)
			if err != nil {
				return types.NullValue, err
			}
			micros := v[0]*1_000_000 + int64(int32(v[1]))/1000
			if tk == types.BigInt {
				return types.BigIntV(micros / 1000), nil
			}
			return types.Value{K: tk, I: micros}, nil
		}, nil
	case "google.type.Date":
		if t.Kind != types.Date {
			return nil, fmt.Errorf("cannot read a google.type.Date as %s", t.String())
		}
		read := sub("year", "month", "day")
		return func(b []byte) (types.Value, error) {
			v, _, err := read(b)
			if err != nil {
				return types.NullValue, err
			}
			d := time.Date(int(int32(v[0])), time.Month(v[1]), int(v[2]), 0, 0, 0, 0, time.UTC)
			return types.DateV(d.Unix() / 86400), nil
		}, nil
	case "google.type.TimeOfDay":
		if t.Kind != types.Time {
			return nil, fmt.Errorf("cannot read a google.type.TimeOfDay as %s", t.String())
		}
		read := sub("hours", "minutes", "seconds", "nanos")
		return func(b []byte) (types.Value, error) {
			v, _, err := read(b)
			if err != nil {
				return types.NullValue, err
			}
			return types.TimeV(((v[0]*60+v[1])*60+v[2])*1_000_000 + v[3]/1000), nil
		}, nil
	case "confluent.type.Decimal":
		if t.Kind != types.Decimal {
			return nil, fmt.Errorf("cannot read a confluent.type.Decimal as %s", t.String())
		}
		read := sub("value", "precision", "scale")
		to := t.Scale
		return func(b []byte) (types.Value, error) {
			v, bs, err := read(b)
			if err != nil {
				return types.NullValue, err
			}
			return decimalBig(twosComplement(bs), int(int32(v[2])), to)
		}, nil
	}
	if strings.HasPrefix(string(md.FullName()), "google.protobuf.") && strings.HasSuffix(string(md.Name()), "Value") && md.Fields().Len() == 1 {
		inner := md.Fields().Get(0)
		rd, _, err := protoReader(inner, t)
		if err != nil {
			return nil, err
		}
		return func(b []byte) (types.Value, error) {
			v := protoDefaultValue(inner, t)
			for len(b) > 0 {
				num, typ, n := protowire.ConsumeTag(b)
				if n < 0 {
					return types.NullValue, malformed("protobuf: %v", protowire.ParseError(n))
				}
				b = b[n:]
				var m int
				if num == 1 {
					v, m = rd(b, typ)
				} else {
					m = protowire.ConsumeFieldValue(num, typ, b)
				}
				if m < 0 {
					return types.NullValue, malformed("protobuf: wrapper field %d", num)
				}
				b = b[m:]
			}
			return v, nil
		}, nil
	}
	if t.Kind != types.Struct {
		return nil, fmt.Errorf("cannot read message %s as %s", md.FullName(), t.String())
	}
	cols := make([]Column, len(t.Fields))
	for i, f := range t.Fields {
		cols[i] = Column{Name: f.Name, Type: f.Type, Pos: i}
	}
	p, err := newProtoProgram(md, cols)
	if err != nil {
		return nil, err
	}
	return func(b []byte) (types.Value, error) {
		row := make([]types.Value, len(cols))
		if err := p.run(b, row); err != nil {
			return types.NullValue, err
		}
		return types.StructV(row), nil
	}, nil
}

// protoDecoder reads Confluent's wire format (or, without a registry,
// the bare message of the columns' schema).
type protoDecoder struct {
	part  *schemaPart
	cols  []Column                   // the columns set (the single STRUCT when unwrapped)
	read  []Column                   // the message's columns
	progs map[protoKey]*protoProgram // by schema id and message index
	bare  *protoProgram
	// unwrapped: the message is the single STRUCT column; fields holds
	// it while it is read
	unwrapped bool
	fields    []types.Value
}

func newProtoDecoder(p *schemaPart) (Decoder, error) {
	d := &protoDecoder{part: p, cols: p.cols, read: p.protoCols(), progs: map[protoKey]*protoProgram{}, unwrapped: p.unwrapped}
	if d.unwrapped {
		d.fields = make([]types.Value, len(d.read))
	}
	if p.reg == nil {
		s, err := schemaregistry.Parse(context.Background(), schemaregistry.Source{Type: schemaregistry.Protobuf, Text: protoSchemaTextNullable(d.read, p.protoName(), p.nullable)}, nil)
		if err != nil {
			return nil, err
		}
		md, _, err := schemaregistry.FindMessage(s.Proto, p.protoName())
		if err != nil {
			return nil, err
		}
		if d.bare, err = newProtoProgram(md, d.read); err != nil {
			return nil, err
		}
	}
	return d, nil
}

var confluentHeader sr.ConfluentHeader

// protoKey names a message: a schema id and the message indexes ("" for
// the first message, the wire format's shortcut).
type protoKey struct {
	id    int
	index string
}

func (d *protoDecoder) Decode(data []byte, row []types.Value) error {
	if data == nil {
		setNull(d.cols, row)
		return nil
	}
	p := d.bare
	if p == nil {
		id, rest, err := wireHeader(data)
		if err != nil {
			return err
		}
		var index []int
		if len(rest) > 0 && rest[0] == 0 {
			rest = rest[1:]
		} else {
			index, rest, err = confluentHeader.DecodeIndex(rest, 64)
			if err != nil {
				return malformed("protobuf message indexes: %v", err)
			}
		}
		key := protoKey{id: id}
		if len(index) > 0 {
			key.index = fmt.Sprint(index)
		}
		if p = d.progs[key]; p == nil {
			s, err := d.part.reg.byIDParsed(id)
			if err != nil {
				return malformed("%v", err)
			}
			if s.Proto == nil {
				return malformed("schema id %d is a %s schema, not Protobuf", id, s.Type)
			}
			md, err := schemaregistry.MessageAt(s.Proto, index)
			if err != nil {
				return malformed("schema id %d: %v", id, err)
			}
			if p, err = newProtoProgram(md, d.read); err != nil {
				return malformed("schema id %d: %v", id, err)
			}
			d.progs[key] = p
		}
		data = rest
	}
	if d.unwrapped {
		if err := p.run(data, d.fields); err != nil {
			return err
		}
		row[d.cols[0].Pos] = types.StructV(append([]types.Value(nil), d.fields...))
		return nil
	}
	return p.run(data, row)
}

// protoEncoder writes dynamicpb messages of one descriptor.
type protoEncoder struct {
	md    protoreflect.MessageDescriptor
	index []int
	id    int // -1: no wire header
	set   []protoSetter
	opts  proto.MarshalOptions
	key   bool
	// whole: the message is the STRUCT at wholePos (an unwrapped key)
	whole    protoreflect.MessageDescriptor
	wholePos int
}

type protoSetter struct {
	pos int
	fd  protoreflect.FieldDescriptor
	t   types.Type
}

func newProtoEncoder(p *schemaPart, s *schemaregistry.Parsed, id int) (Encoder, error) {
	name := p.fullName
	if name == "" && s.Source.Text == protoSchemaText(p.protoCols(), false, p.protoName()) {
		name = p.protoName()
	}
	md, index, err := schemaregistry.FindMessage(s.Proto, name)
	if err != nil {
		return nil, err
	}
	e := &protoEncoder{md: md, index: index, id: id, opts: proto.MarshalOptions{Deterministic: true}, key: p.key}
	if p.unwrapped {
		e.whole, e.wholePos = md, p.cols[0].Pos
		return e, nil
	}
	for _, c := range p.cols {
		fd := md.Fields().ByName(protoreflect.Name(c.Name))
		if fd == nil {
			for i := 0; i < md.Fields().Len(); i++ {
				if strings.EqualFold(string(md.Fields().Get(i).Name()), c.Name) {
					fd = md.Fields().Get(i)
				}
			}
		}
		if fd == nil {
			return nil, fmt.Errorf("message %s has no field %s", md.FullName(), c.Name)
		}
		e.set = append(e.set, protoSetter{pos: c.Pos, fd: fd, t: c.Type})
	}
	return e, nil
}

func (e *protoEncoder) Encode(dst []byte, row []types.Value) ([]byte, bool, error) {
	if e.key {
		// a key whose columns are all NULL is no key, as ksqlDB writes it
		null := true
		for _, s := range e.set {
			null = null && row[s.pos].IsNull()
		}
		if null {
			return dst, true, nil
		}
	}
	m := dynamicpb.NewMessage(e.md)
	if e.whole != nil {
		v := row[e.wholePos]
		if v.IsNull() {
			return dst, true, nil
		}
		if err := protoFill(m, v); err != nil {
			return dst, false, err
		}
		if e.id >= 0 {
			dst, _ = confluentHeader.AppendEncode(dst, e.id, e.index)
		}
		out, err := e.opts.MarshalAppend(dst, m)
		if out == nil {
			out = []byte{}
		}
		return out, false, err
	}
	for _, s := range e.set {
		if err := protoSet(m, s.fd, row[s.pos]); err != nil {
			return dst, false, fmt.Errorf("field %s: %w", s.fd.Name(), err)
		}
	}
	if e.id >= 0 {
		dst, _ = confluentHeader.AppendEncode(dst, e.id, e.index)
	}
	out, err := e.opts.MarshalAppend(dst, m)
	if out == nil {
		out = []byte{} // an empty message is a record, not a tombstone
	}
	return out, false, err
}

// protoSet sets a field of m from a value; NULL leaves it unset.
func protoSet(m protoreflect.Message, fd protoreflect.FieldDescriptor, v types.Value) error {
	if v.IsNull() {
		return nil
	}
	switch {
	case fd.IsMap():
		mv := v.MapVal()
		if mv == nil {
			return nil
		}
		mp := m.Mutable(fd).Map()
		for i, k := range mv.Keys {
			kv, err := protoScalar(fd.MapKey(), k)
			if err != nil {
				return err
			}
			if mv.Vals[i].IsNull() {
				continue
			}
			if fd.MapValue().Kind() == protoreflect.MessageKind {
				sub := mp.NewValue()
				if err := protoFill(sub.Message(), mv.Vals[i]); err != nil {
					return err
				}
				mp.Set(kv.MapKey(), sub)
				continue
			}
			vv, err := protoScalar(fd.MapValue(), mv.Vals[i])
			if err != nil {
				return err
			}
			mp.Set(kv.MapKey(), vv)
		}
		return nil
	case fd.Cardinality() == protoreflect.Repeated:
		l := m.Mutable(fd).List()
		for _, e := range v.Elems() {
			if fd.Kind() == protoreflect.MessageKind {
				sub := l.NewElement()
				if !e.IsNull() {
					if err := protoFill(sub.Message(), e); err != nil {
						return err
					}
				}
				l.Append(sub)
				continue
			}
			if e.IsNull() {
				return fmt.Errorf("a NULL element cannot be written to a repeated %s", fd.Kind())
			}
			x, err := protoScalar(fd, e)
			if err != nil {
				return err
			}
			l.Append(x)
		}
		return nil
	case fd.Kind() == protoreflect.MessageKind:
		sub := m.Mutable(fd).Message()
		return protoFill(sub, v)
	}
	x, err := protoScalar(fd, v)
	if err != nil {
		return err
	}
	m.Set(fd, x)
	return nil
}

// protoFill writes a value into a message: a STRUCT field by field, or a
// well-known type.
func protoFill(m protoreflect.Message, v types.Value) error {
	md := m.Descriptor()
	fs := md.Fields()
	setInt := func(name string, x int64) {
		fd := fs.ByName(protoreflect.Name(name))
		if fd == nil {
			return
		}
		switch fd.Kind() {
		case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
			m.Set(fd, protoreflect.ValueOfInt64(x))
		case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
			m.Set(fd, protoreflect.ValueOfUint32(uint32(x)))
		case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
			m.Set(fd, protoreflect.ValueOfUint64(uint64(x)))
		default:
			m.Set(fd, protoreflect.ValueOfInt32(int32(x)))
		}
	}
	switch md.FullName() {
	case "google.protobuf.Timestamp":
		us := v.I
		if v.K == types.BigInt {
			us *= 1000
		}
		sec := floorDiv(us, 1_000_000)
		setInt("seconds", sec)
		setInt("nanos", (us-sec*1_000_000)*1000)
		return nil
	case "google.type.Date":
		d := time.Unix(v.I*86400, 0).UTC()
		setInt("year", int64(d.Year()))
		setInt("month", int64(d.Month()))
		setInt("day", int64(d.Day()))
		return nil
	case "google.type.TimeOfDay":
		us := v.I
		setInt("hours", us/3_600_000_000)
		setInt("minutes", us/60_000_000%60)
		setInt("seconds", us/1_000_000%60)
		setInt("nanos", us%1_000_000*1000)
		return nil
	case "confluent.type.Decimal":
		if fd := fs.ByName("value"); fd != nil {
			m.Set(fd, protoreflect.ValueOfBytes(twosComplementBytes(v.I)))
		}
		setInt("scale", int64(v.Scale))
		setInt("precision", int64(len(types.FormatDecimal(v.I, int(v.Scale)))))
		return nil
	}
	if strings.HasPrefix(string(md.FullName()), "google.protobuf.") && strings.HasSuffix(string(md.Name()), "Value") && fs.Len() == 1 {
		x, err := protoScalar(fs.Get(0), v)
		if err != nil {
			return err
		}
		m.Set(fs.Get(0), x)
		return nil
	}
	if v.K != types.Struct {
		return fmt.Errorf("cannot write %s as message %s", v.K, md.FullName())
	}
	// a STRUCT's values are in its type's order; without the type here,
	// fields are matched by position, as the schema was made from it
	es := v.Elems()
	for i := 0; i < fs.Len() && i < len(es); i++ {
		if err := protoSet(m, fs.Get(i), es[i]); err != nil {
			return err
		}
	}
	return nil
}

func protoScalar(fd protoreflect.FieldDescriptor, v types.Value) (protoreflect.Value, error) {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(v.Bool()), nil
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(v.Int())), nil
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		if v.K == types.Timestamp || v.K == types.TimestampLTZ {
			return protoreflect.ValueOfInt64(floorDiv(v.I, types.MicrosPerMilli)), nil
		}
		return protoreflect.ValueOfInt64(v.Int()), nil
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(v.Int())), nil
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(uint64(v.Int())), nil
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(float32(v.Float())), nil
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(v.Float()), nil
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(textOf(v)), nil
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes([]byte(v.S)), nil
	case protoreflect.EnumKind:
		if e := fd.Enum().Values().ByName(protoreflect.Name(v.S)); e != nil {
			return protoreflect.ValueOfEnum(e.Number()), nil
		}
		return protoreflect.Value{}, fmt.Errorf("'%s' is not a value of enum %s", v.S, fd.Enum().FullName())
	}
	return protoreflect.Value{}, fmt.Errorf("cannot write %s as protobuf %s", v.K, fd.Kind())
}

// protoColumns turns a message into columns (its fields).
func protoColumns(s *schemaregistry.Parsed, fullName, _ string) ([]engine.ColumnSpec, error) {
	md, _, err := schemaregistry.FindMessage(s.Proto, fullName)
	if err != nil {
		return nil, err
	}
	var out []engine.ColumnSpec
	fs := md.Fields()
	for i := 0; i < fs.Len(); i++ {
		t, err := protoToType(fs.Get(i))
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", fs.Get(i).Name(), err)
		}
		out = append(out, engine.ColumnSpec{Name: string(fs.Get(i).Name()), Type: t})
	}
	return out, nil
}

// protoToType maps a field to the SQL type ksqlDB gives it.
func protoToType(f protoreflect.FieldDescriptor) (types.Type, error) {
	if f.IsMap() {
		k, err := protoToType(f.MapKey())
		if err != nil {
			return types.Type{}, err
		}
		v, err := protoToType(f.MapValue())
		if err != nil {
			return types.Type{}, err
		}
		return types.Type{Kind: types.Map, Key: &k, Elem: &v}, nil
	}
	elem, err := protoKindType(f)
	if err != nil {
		return types.Type{}, err
	}
	if f.Cardinality() == protoreflect.Repeated {
		return types.Type{Kind: types.Array, Elem: &elem}, nil
	}
	return elem, nil
}

func protoKindType(f protoreflect.FieldDescriptor) (types.Type, error) {
	switch f.Kind() {
	case protoreflect.BoolKind:
		return types.TBool, nil
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return types.TInt, nil
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Int64Kind, protoreflect.Sint64Kind,
		protoreflect.Sfixed64Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return types.TBigInt, nil
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return types.TDouble, nil
	case protoreflect.StringKind, protoreflect.EnumKind:
		return types.TString, nil
	case protoreflect.BytesKind:
		return types.TBytes, nil
	case protoreflect.MessageKind:
		md := f.Message()
		switch md.FullName() {
		case "google.protobuf.Timestamp":
			return types.TTS3, nil
		case "google.type.Date":
			return types.TDate, nil
		case "google.type.TimeOfDay":
			return types.Type{Kind: types.Time, Precision: 3}, nil
		case "confluent.type.Decimal":
			p, s := 64, 0
			if opts := f.Options(); opts != nil {
				_ = opts // precision and scale travel in field metadata; ksqlDB's default
			}
			return types.Type{Kind: types.Decimal, Precision: p, Scale: s}, nil
		}
		if strings.HasPrefix(string(md.FullName()), "google.protobuf.") && strings.HasSuffix(string(md.Name()), "Value") && md.Fields().Len() == 1 {
			return protoKindType(md.Fields().Get(0))
		}
		var fs []types.Field
		for i := 0; i < md.Fields().Len(); i++ {
			t, err := protoToType(md.Fields().Get(i))
			if err != nil {
				return types.Type{}, err
			}
			fs = append(fs, types.Field{Name: string(md.Fields().Get(i).Name()), Type: t})
		}
		return types.Type{Kind: types.Struct, Fields: fs}, nil
	}
	return types.Type{}, fmt.Errorf("protobuf %s is not supported", f.Kind())
}
