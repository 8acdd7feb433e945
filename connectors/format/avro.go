package format

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"

	"github.com/hamba/avro/v2"

	"github.com/tumble/tumble/engine/types"
)

// Avro: ksqlDB's AVRO and Flink's avro-confluent read and write
// Confluent's wire format (magic byte, schema id, Avro binary); Flink's
// avro reads and writes the bare binary of the schema its columns make.
// Decoding follows the writer's schema (found by the record's id) and
// reads each field into the column of the same name (exact, then
// case-insensitive), skipping the others; a program per writer schema is
// built once and kept. hamba/avro reads and writes the primitives.

// avroNames are the record names a dialect gives the schemas it writes.
type avroNames struct {
	// full is the top-level record's full name.
	full string
	// nested names a nested record after its parent and field.
	nested func(parent, field string) string
	// connect adds Kafka Connect's "connect.name" to records (ksqlDB).
	connect bool
}

const ksqlAvroNamespace = "io.confluent.ksql.avro_schemas"

// KsqlKeySchemaName is ksqlDB's name of a source's key record:
// io.confluent.ksql.avro_schemas.<Name in upper camel case>Key.
func KsqlKeySchemaName(source string) string {
	var b strings.Builder
	for _, part := range strings.Split(source, "_") {
		if part == "" {
			continue
		}
		b.WriteString(strings.ToUpper(part[:1]))
		b.WriteString(strings.ToLower(part[1:]))
	}
	return ksqlAvroNamespace + "." + b.String() + "Key"
}

func ksqlNames(full string) avroNames {
	return avroNames{full: full, connect: true, nested: func(parent, field string) string { return parent + "_" + field }}
}

func flinkNames() avroNames {
	return avroNames{full: "org.apache.flink.avro.generated.record", nested: func(parent, field string) string { return parent + "_" + field }}
}

// AvroSchemaText is the Avro schema a format writes for cols: a record
// of nullable fields, or with unwrapped the single column's type itself.
func avroSchemaText(cols []Column, unwrapped bool, names avroNames) string {
	var s any
	if unwrapped && len(cols) == 1 {
		s = avroType(cols[0].Type, names.full, names, true)
	} else {
		s = avroRecord(cols, names.full, names)
	}
	b, _ := json.Marshal(s)
	return string(b)
}

// orderedMap marshals keys in order, as Avro's own writers print schemas.
type orderedMap [][2]any

func (m orderedMap) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	for i, kv := range m {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(kv[0])
		v, err := json.Marshal(kv[1])
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return []byte(b.String()), nil
}

func avroRecord(cols []Column, full string, names avroNames) any {
	ns, name := "", full
	if i := strings.LastIndexByte(full, '.'); i >= 0 {
		ns, name = full[:i], full[i+1:]
	}
	fields := make([]any, 0, len(cols))
	for _, c := range cols {
		fields = append(fields, orderedMap{{"name", c.Name}, {"type", avroType(c.Type, names.nested(full, c.Name), names, false)}, {"default", nil}})
	}
	m := orderedMap{{"type", "record"}, {"name", name}}
	if ns != "" {
		m = append(m, [2]any{"namespace", ns})
	}
	m = append(m, [2]any{"fields", fields})
	if names.connect {
		m = append(m, [2]any{"connect.name", full})
	}
	return m
}

// avroType maps a column type to Avro, nullable unless top is set (the
// top-level schema of an unwrapped value is not a union).
func avroType(t types.Type, recName string, names avroNames, top bool) any {
	var s any
	switch t.Kind {
	case types.Boolean:
		s = "boolean"
	case types.TinyInt, types.SmallInt, types.Int:
		s = "int"
	case types.BigInt:
		s = "long"
	case types.Float:
		s = "float"
	case types.Double:
		s = "double"
	case types.String:
		s = "string"
	case types.Bytes:
		s = "bytes"
	case types.Decimal:
		s = orderedMap{{"type", "bytes"}, {"scale", t.Scale}, {"precision", t.Precision}, {"logicalType", "decimal"}}
		if names.connect {
			s = orderedMap{{"type", "bytes"}, {"scale", t.Scale}, {"precision", t.Precision},
				{"connect.version", 1}, {"connect.parameters", orderedMap{{"scale", fmt.Sprint(t.Scale)}, {"connect.decimal.precision", fmt.Sprint(t.Precision)}}},
				{"connect.name", "org.apache.kafka.connect.data.Decimal"}, {"logicalType", "decimal"}}
		}
	case types.Date:
		s = orderedMap{{"type", "int"}, {"logicalType", "date"}}
		if names.connect {
			s = orderedMap{{"type", "int"}, {"connect.version", 1}, {"connect.name", "org.apache.kafka.connect.data.Date"}, {"logicalType", "date"}}
		}
	case types.Time:
		s = orderedMap{{"type", "int"}, {"logicalType", "time-millis"}}
		if names.connect {
			s = orderedMap{{"type", "int"}, {"connect.version", 1}, {"connect.name", "org.apache.kafka.connect.data.Time"}, {"logicalType", "time-millis"}}
		}
	case types.Timestamp, types.TimestampLTZ:
		s = orderedMap{{"type", "long"}, {"logicalType", "timestamp-millis"}}
		if names.connect {
			s = orderedMap{{"type", "long"}, {"connect.version", 1}, {"connect.name", "org.apache.kafka.connect.data.Timestamp"}, {"logicalType", "timestamp-millis"}}
		}
	case types.Array:
		s = orderedMap{{"type", "array"}, {"items", avroType(*t.Elem, recName, names, false)}}
	case types.Map:
		if names.connect && (t.Key == nil || t.Key.Kind != types.String) {
			// Connect writes maps with other keys as arrays of entries
			entry := orderedMap{{"type", "record"}, {"name", "MapEntry"}, {"namespace", "io.confluent.connect.avro"},
				{"fields", []any{orderedMap{{"name", "key"}, {"type", avroType(*t.Key, recName, names, false)}, {"default", nil}},
					orderedMap{{"name", "value"}, {"type", avroType(*t.Elem, recName, names, false)}, {"default", nil}}}}}
			s = orderedMap{{"type", "array"}, {"items", entry}}
		} else {
			s = orderedMap{{"type", "map"}, {"values", avroType(*t.Elem, recName, names, false)}}
		}
	case types.Struct:
		cols := make([]Column, len(t.Fields))
		for i, f := range t.Fields {
			cols[i] = Column{Name: f.Name, Type: f.Type}
		}
		s = avroRecord(cols, recName, names)
	default:
		s = "string"
	}
	if top {
		return s
	}
	return []any{"null", s}
}

// maxAvroString bounds a string's length (a corrupt length must not
// allocate gigabytes).
const maxAvroString = 64 << 20

// avroRead reads one Avro datum into a value of a column's type.
type avroRead func(r *avro.Reader) (types.Value, error)

// avroProgram decodes a datum of one writer schema into columns.
type avroProgram struct {
	// fields of a record, in writer order: read into pos, or skipped.
	fields []avroFieldOp
	// whole reads the whole datum into one column (unwrapped).
	whole    avroRead
	wholePos int
	// missing are the columns no field fills (NULL in every record).
	missing []Column
}

type avroFieldOp struct {
	pos  int // -1: skip
	read avroRead
}

// newAvroProgram builds the program that reads data written with w into
// cols; unwrapped reads the whole datum into the single column.
func newAvroProgram(w avro.Schema, cols []Column, unwrapped bool) (*avroProgram, error) {
	p := &avroProgram{}
	if unwrapped && len(cols) == 1 {
		rd, err := avroReader(w, cols[0].Type)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", cols[0].Name, err)
		}
		p.whole, p.wholePos = rd, cols[0].Pos
		return p, nil
	}
	rec, ok := deref(w).(*avro.RecordSchema)
	if !ok {
		return nil, fmt.Errorf("the schema is %s, not a record of the columns %s", w.Type(), colNames(cols))
	}
	for _, f := range rec.Fields() {
		c, ok := findColumn(cols, f.Name())
		op := avroFieldOp{pos: -1}
		if ok {
			rd, err := avroReader(f.Type(), c.Type)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name(), err)
			}
			op.pos, op.read = c.Pos, rd
		} else {
			op.read = avroSkipper(f.Type())
		}
		p.fields = append(p.fields, op)
	}
	for _, c := range cols {
		filled := false
		for _, op := range p.fields {
			filled = filled || op.pos == c.Pos
		}
		if !filled {
			p.missing = append(p.missing, c)
		}
	}
	return p, nil
}

// findColumn finds the column of a field: same name, else the same name
// ignoring case (ksqlDB's columns are upper case, Avro fields often not).
func findColumn(cols []Column, name string) (Column, bool) {
	for _, c := range cols {
		if c.Name == name {
			return c, true
		}
	}
	for _, c := range cols {
		if strings.EqualFold(c.Name, name) {
			return c, true
		}
	}
	return Column{}, false
}

func (p *avroProgram) run(r *avro.Reader, row []types.Value, cols []Column) error {
	if p.whole != nil {
		v, err := p.whole(r)
		if err != nil {
			return err
		}
		row[p.wholePos] = v
		return r.Error
	}
	setNull(p.missing, row)
	for i := range p.fields {
		op := &p.fields[i]
		v, err := op.read(r)
		if err != nil {
			return err
		}
		if op.pos >= 0 {
			row[op.pos] = v
		}
	}
	return r.Error
}

func deref(s avro.Schema) avro.Schema {
	if ref, ok := s.(*avro.RefSchema); ok {
		return ref.Schema()
	}
	return s
}

func avroSkipper(s avro.Schema) avroRead {
	s = deref(s)
	switch s.Type() {
	case avro.Null:
		return func(*avro.Reader) (types.Value, error) { return types.NullValue, nil }
	case avro.Boolean:
		return func(r *avro.Reader) (types.Value, error) { r.SkipBool(); return types.NullValue, nil }
	case avro.Int, avro.Enum:
		return func(r *avro.Reader) (types.Value, error) { r.SkipInt(); return types.NullValue, nil }
	case avro.Long:
		return func(r *avro.Reader) (types.Value, error) { r.SkipLong(); return types.NullValue, nil }
	case avro.Float:
		return func(r *avro.Reader) (types.Value, error) { r.SkipFloat(); return types.NullValue, nil }
	case avro.Double:
		return func(r *avro.Reader) (types.Value, error) { r.SkipDouble(); return types.NullValue, nil }
	case avro.String:
		return func(r *avro.Reader) (types.Value, error) { r.SkipString(); return types.NullValue, nil }
	case avro.Bytes:
		return func(r *avro.Reader) (types.Value, error) { r.SkipBytes(); return types.NullValue, nil }
	case avro.Fixed:
		n := s.(*avro.FixedSchema).Size()
		return func(r *avro.Reader) (types.Value, error) { r.SkipNBytes(n); return types.NullValue, nil }
	}
	return func(r *avro.Reader) (types.Value, error) { r.ReadNext(s); return types.NullValue, nil }
}

func logical(s avro.Schema) avro.LogicalSchema {
	if l, ok := s.(avro.LogicalTypeSchema); ok {
		return l.Logical()
	}
	return nil
}

func mismatch(w avro.Schema, t types.Type) error {
	return fmt.Errorf("cannot read Avro %s as %s", w.Type(), t.String())
}

// avroReader builds the reader of a writer schema into type t.
func avroReader(w avro.Schema, t types.Type) (avroRead, error) {
	w = deref(w)
	if u, ok := w.(*avro.UnionSchema); ok {
		branches := make([]avroRead, len(u.Types()))
		for i, b := range u.Types() {
			if b.Type() == avro.Null {
				branches[i] = func(*avro.Reader) (types.Value, error) { return types.NullValue, nil }
				continue
			}
			rd, err := avroReader(b, t)
			if err != nil {
				return nil, err
			}
			branches[i] = rd
		}
		return func(r *avro.Reader) (types.Value, error) {
			i := r.ReadLong()
			if i < 0 || int(i) >= len(branches) {
				return types.NullValue, malformed("union branch %d out of range", i)
			}
			return branches[i](r)
		}, nil
	}
	lt := logical(w)
	switch w.Type() {
	case avro.Null:
		return func(*avro.Reader) (types.Value, error) { return types.NullValue, nil }, nil
	case avro.Boolean:
		if t.Kind != types.Boolean {
			return nil, mismatch(w, t)
		}
		return func(r *avro.Reader) (types.Value, error) { return types.BoolV(r.ReadBool()), nil }, nil
	case avro.Int:
		if lt != nil {
			switch lt.Type() {
			case avro.Date:
				if t.Kind == types.Date {
					return func(r *avro.Reader) (types.Value, error) { return types.DateV(int64(r.ReadInt())), nil }, nil
				}
			case avro.TimeMillis:
				if t.Kind == types.Time {
					return func(r *avro.Reader) (types.Value, error) {
						return types.TimeV(int64(r.ReadInt()) * types.MicrosPerMilli), nil
					}, nil
				}
			}
		}
		return intReader(t, func(r *avro.Reader) int64 { return int64(r.ReadInt()) }, w)
	case avro.Long:
		if lt != nil {
			switch lt.Type() {
			case avro.TimestampMillis, avro.LocalTimestampMillis:
				if isTimestamp(t) {
					k := t.Kind
					return func(r *avro.Reader) (types.Value, error) {
						return types.Value{K: k, I: r.ReadLong() * types.MicrosPerMilli}, nil
					}, nil
				}
			case avro.TimestampMicros, avro.LocalTimestampMicros:
				if isTimestamp(t) {
					k := t.Kind
					return func(r *avro.Reader) (types.Value, error) { return types.Value{K: k, I: r.ReadLong()}, nil }, nil
				}
			case avro.TimeMicros:
				if t.Kind == types.Time {
					return func(r *avro.Reader) (types.Value, error) { return types.TimeV(r.ReadLong()), nil }, nil
				}
			}
		}
		return intReader(t, func(r *avro.Reader) int64 { return r.ReadLong() }, w)
	case avro.Float, avro.Double:
		read := func(r *avro.Reader) float64 { return r.ReadDouble() }
		if w.Type() == avro.Float {
			read = func(r *avro.Reader) float64 { return float64(r.ReadFloat()) }
		}
		switch t.Kind {
		case types.Double:
			return func(r *avro.Reader) (types.Value, error) { return types.DoubleV(read(r)), nil }, nil
		case types.Float:
			return func(r *avro.Reader) (types.Value, error) { return types.FloatV(read(r)), nil }, nil
		}
		return nil, mismatch(w, t)
	case avro.String, avro.Enum:
		var read func(r *avro.Reader) (string, error)
		if e, ok := w.(*avro.EnumSchema); ok {
			syms := e.Symbols()
			read = func(r *avro.Reader) (string, error) {
				i := r.ReadInt()
				if i < 0 || int(i) >= len(syms) {
					return "", malformed("enum symbol %d out of range", i)
				}
				return syms[i], nil
			}
		} else {
			// each string column keeps its own interner and scratch
			// buffer: no allocation for a value seen before
			in := newInterner()
			var scratch []byte
			read = func(r *avro.Reader) (string, error) {
				n := r.ReadLong()
				if n < 0 || n > maxAvroString {
					return "", malformed("avro: string length %d", n)
				}
				if cap(scratch) < int(n) {
					scratch = make([]byte, n)
				}
				scratch = scratch[:n]
				r.Read(scratch)
				if r.Error != nil {
					return "", malformed("avro: %v", r.Error)
				}
				return in.get(scratch), nil
			}
		}
		if t.Kind != types.String {
			return nil, mismatch(w, t)
		}
		return func(r *avro.Reader) (types.Value, error) {
			s, err := read(r)
			return types.StringV(s), err
		}, nil
	case avro.Bytes, avro.Fixed:
		read := func(r *avro.Reader) []byte { return r.ReadBytes() }
		if f, ok := w.(*avro.FixedSchema); ok {
			n := f.Size()
			read = func(r *avro.Reader) []byte { b := make([]byte, n); r.Read(b); return b }
		}
		if d, ok := lt.(*avro.DecimalLogicalSchema); ok && t.Kind == types.Decimal {
			scale := d.Scale()
			to := t.Scale
			return func(r *avro.Reader) (types.Value, error) {
				return decimalBig(twosComplement(read(r)), scale, to)
			}, nil
		}
		switch t.Kind {
		case types.Bytes:
			return func(r *avro.Reader) (types.Value, error) { return types.BytesV(read(r)), nil }, nil
		case types.String:
			return func(r *avro.Reader) (types.Value, error) { return types.StringV(string(read(r))), nil }, nil
		}
		return nil, mismatch(w, t)
	case avro.Array:
		if t.Kind != types.Array || t.Elem == nil {
			return nil, mismatch(w, t)
		}
		item, err := avroReader(w.(*avro.ArraySchema).Items(), *t.Elem)
		if err != nil {
			return nil, err
		}
		return func(r *avro.Reader) (types.Value, error) {
			var out []types.Value
			var ierr error
			r.ReadArrayCB(func(r *avro.Reader) bool {
				v, err := item(r)
				if err != nil {
					ierr = err
					return false
				}
				out = append(out, v)
				return r.Error == nil
			})
			if out == nil {
				out = []types.Value{}
			}
			return types.ArrayV(out), ierr
		}, nil
	case avro.Map:
		if t.Kind != types.Map || t.Elem == nil {
			return nil, mismatch(w, t)
		}
		val, err := avroReader(w.(*avro.MapSchema).Values(), *t.Elem)
		if err != nil {
			return nil, err
		}
		return func(r *avro.Reader) (types.Value, error) {
			m := &types.MapValue{}
			var ierr error
			r.ReadMapCB(func(r *avro.Reader, k string) bool {
				v, err := val(r)
				if err != nil {
					ierr = err
					return false
				}
				m.Keys = append(m.Keys, types.StringV(k))
				m.Vals = append(m.Vals, v)
				return r.Error == nil
			})
			return types.MapV(m), ierr
		}, nil
	case avro.Record:
		if t.Kind != types.Struct {
			return nil, mismatch(w, t)
		}
		sub := make([]Column, len(t.Fields))
		for i, f := range t.Fields {
			sub[i] = Column{Name: f.Name, Type: f.Type, Pos: i}
		}
		p, err := newAvroProgram(w, sub, false)
		if err != nil {
			return nil, err
		}
		return func(r *avro.Reader) (types.Value, error) {
			row := make([]types.Value, len(sub))
			if err := p.run(r, row, sub); err != nil {
				return types.NullValue, err
			}
			return types.StructV(row), nil
		}, nil
	}
	return nil, mismatch(w, t)
}

func isTimestamp(t types.Type) bool {
	return t.Kind == types.Timestamp || t.Kind == types.TimestampLTZ || t.Kind == types.BigInt
}

func intReader(t types.Type, read func(r *avro.Reader) int64, w avro.Schema) (avroRead, error) {
	switch t.Kind {
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		k := t.Kind
		return func(r *avro.Reader) (types.Value, error) { return types.IntOf(k, read(r)), nil }, nil
	case types.Double:
		return func(r *avro.Reader) (types.Value, error) { return types.DoubleV(float64(read(r))), nil }, nil
	case types.Timestamp, types.TimestampLTZ:
		k := t.Kind
		return func(r *avro.Reader) (types.Value, error) {
			return types.Value{K: k, I: read(r) * types.MicrosPerMilli}, nil
		}, nil
	case types.Decimal:
		scale := t.Scale
		return func(r *avro.Reader) (types.Value, error) {
			return types.DecimalV(read(r)*types.Pow10(scale), scale), nil
		}, nil
	}
	return nil, mismatch(w, t)
}

// decimalBig converts an unscaled value at scale into a decimal at scale
// to.
func decimalBig(u *big.Int, scale, to int) (types.Value, error) {
	if to != scale {
		if to > scale {
			u.Mul(u, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(to-scale)), nil))
		} else {
			u.Quo(u, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale-to)), nil))
		}
	}
	if !u.IsInt64() {
		return types.NullValue, malformed("decimal %s does not fit", u.String())
	}
	return types.DecimalV(u.Int64(), to), nil
}

// twosComplement reads big-endian two's complement bytes.
func twosComplement(b []byte) *big.Int {
	u := new(big.Int).SetBytes(b)
	if len(b) > 0 && b[0]&0x80 != 0 {
		u.Sub(u, new(big.Int).Lsh(big.NewInt(1), uint(len(b)*8)))
	}
	return u
}

// twosComplementBytes writes v as big-endian two's complement, shortest.
func twosComplementBytes(v int64) []byte {
	var out [8]byte
	for i := 0; i < 8; i++ {
		out[7-i] = byte(v >> (8 * i))
	}
	i := 0
	for i < 7 && ((out[i] == 0 && out[i+1]&0x80 == 0) || (out[i] == 0xff && out[i+1]&0x80 != 0)) {
		i++
	}
	return append([]byte(nil), out[i:]...)
}

// avroWrite writes a value as one Avro datum.
type avroWrite func(w *avro.Writer, v types.Value) error

// avroWriter builds the writer of values of type t into schema s.
func avroWriter(s avro.Schema, t types.Type) (avroWrite, error) {
	s = deref(s)
	if u, ok := s.(*avro.UnionSchema); ok {
		null := -1
		other := -1
		var wr avroWrite
		for i, b := range u.Types() {
			if b.Type() == avro.Null {
				null = i
				continue
			}
			if other >= 0 {
				continue
			}
			if x, err := avroWriter(b, t); err == nil {
				other, wr = i, x
			}
		}
		if other < 0 {
			return nil, fmt.Errorf("no branch of %s holds %s", s.String(), t.String())
		}
		return func(w *avro.Writer, v types.Value) error {
			if v.IsNull() {
				if null < 0 {
					return fmt.Errorf("NULL in a non-nullable Avro field")
				}
				w.WriteLong(int64(null))
				return nil
			}
			w.WriteLong(int64(other))
			return wr(w, v)
		}, nil
	}
	notNull := func(f avroWrite) avroWrite {
		return func(w *avro.Writer, v types.Value) error {
			if v.IsNull() {
				return fmt.Errorf("NULL in a non-nullable Avro %s", s.Type())
			}
			return f(w, v)
		}
	}
	lt := logical(s)
	switch s.Type() {
	case avro.Boolean:
		return notNull(func(w *avro.Writer, v types.Value) error { w.WriteBool(v.Bool()); return nil }), nil
	case avro.Int:
		if lt != nil && lt.Type() == avro.TimeMillis {
			return notNull(func(w *avro.Writer, v types.Value) error { w.WriteInt(int32(v.I / types.MicrosPerMilli)); return nil }), nil
		}
		return notNull(func(w *avro.Writer, v types.Value) error { w.WriteInt(int32(v.Int())); return nil }), nil
	case avro.Long:
		if lt != nil && (lt.Type() == avro.TimestampMillis || lt.Type() == avro.LocalTimestampMillis) && (t.Kind == types.Timestamp || t.Kind == types.TimestampLTZ) {
			return notNull(func(w *avro.Writer, v types.Value) error {
				w.WriteLong(floorDiv(v.I, types.MicrosPerMilli))
				return nil
			}), nil
		}
		return notNull(func(w *avro.Writer, v types.Value) error { w.WriteLong(v.Int()); return nil }), nil
	case avro.Float:
		return notNull(func(w *avro.Writer, v types.Value) error { w.WriteFloat(float32(v.Float())); return nil }), nil
	case avro.Double:
		return notNull(func(w *avro.Writer, v types.Value) error { w.WriteDouble(v.Float()); return nil }), nil
	case avro.String:
		return notNull(func(w *avro.Writer, v types.Value) error { w.WriteString(textOf(v)); return nil }), nil
	case avro.Bytes:
		if d, ok := lt.(*avro.DecimalLogicalSchema); ok {
			scale := d.Scale()
			return notNull(func(w *avro.Writer, v types.Value) error {
				u := v.I
				if v.K == types.Decimal && int(v.Scale) != scale {
					u = types.Rescale(v.I, int(v.Scale), scale)
				} else if v.K != types.Decimal {
					u = v.Int() * types.Pow10(scale)
				}
				w.WriteBytes(twosComplementBytes(u))
				return nil
			}), nil
		}
		return notNull(func(w *avro.Writer, v types.Value) error { w.WriteBytes([]byte(v.S)); return nil }), nil
	case avro.Enum:
		syms := s.(*avro.EnumSchema).Symbols()
		return notNull(func(w *avro.Writer, v types.Value) error {
			for i, x := range syms {
				if x == v.S {
					w.WriteInt(int32(i))
					return nil
				}
			}
			return fmt.Errorf("'%s' is not a symbol of the enum", v.S)
		}), nil
	case avro.Array:
		if t.Kind != types.Array || t.Elem == nil {
			return nil, fmt.Errorf("cannot write %s as an Avro array", t.String())
		}
		item, err := avroWriter(s.(*avro.ArraySchema).Items(), *t.Elem)
		if err != nil {
			return nil, err
		}
		return notNull(func(w *avro.Writer, v types.Value) error {
			es := v.Elems()
			if len(es) > 0 {
				w.WriteBlockHeader(int64(len(es)), -1)
				for _, e := range es {
					if err := item(w, e); err != nil {
						return err
					}
				}
			}
			w.WriteLong(0)
			return nil
		}), nil
	case avro.Map:
		if t.Kind != types.Map || t.Elem == nil {
			return nil, fmt.Errorf("cannot write %s as an Avro map", t.String())
		}
		val, err := avroWriter(s.(*avro.MapSchema).Values(), *t.Elem)
		if err != nil {
			return nil, err
		}
		return notNull(func(w *avro.Writer, v types.Value) error {
			m := v.MapVal()
			if m != nil && len(m.Keys) > 0 {
				w.WriteBlockHeader(int64(len(m.Keys)), -1)
				for i, k := range m.Keys {
					w.WriteString(textOf(k))
					if err := val(w, m.Vals[i]); err != nil {
						return err
					}
				}
			}
			w.WriteLong(0)
			return nil
		}), nil
	case avro.Record:
		rec := s.(*avro.RecordSchema)
		if t.Kind != types.Struct {
			return nil, fmt.Errorf("cannot write %s as an Avro record", t.String())
		}
		sub := make([]Column, len(t.Fields))
		for i, f := range t.Fields {
			sub[i] = Column{Name: f.Name, Type: f.Type, Pos: i}
		}
		enc, err := newAvroRecordWriter(rec, sub)
		if err != nil {
			return nil, err
		}
		return notNull(func(w *avro.Writer, v types.Value) error { return enc(w, v.Elems()) }), nil
	}
	return nil, fmt.Errorf("cannot write %s as Avro %s", t.String(), s.Type())
}

func textOf(v types.Value) string {
	if v.K == types.String || v.K == types.Bytes {
		return v.S
	}
	return v.String()
}

// newAvroRecordWriter writes the columns of row as the fields of rec; a
// field without a column is written as null (it must be nullable).
func newAvroRecordWriter(rec *avro.RecordSchema, cols []Column) (func(w *avro.Writer, row []types.Value) error, error) {
	type op struct {
		pos int
		wr  avroWrite
	}
	var ops []op
	for _, f := range rec.Fields() {
		c, ok := findColumn(cols, f.Name())
		if !ok {
			// a field no column fills: its default, else null
			if f.HasDefault() && f.Default() != nil {
				if def, err := avroDefault(f); err == nil {
					ops = append(ops, op{pos: -1, wr: func(w *avro.Writer, _ types.Value) error { w.Write(def); return nil }})
					continue
				}
			}
			wr, err := avroWriter(f.Type(), types.TString)
			if err != nil {
				return nil, fmt.Errorf("field %s: %w", f.Name(), err)
			}
			ops = append(ops, op{pos: -1, wr: wr})
			continue
		}
		wr, err := avroWriter(f.Type(), c.Type)
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", f.Name(), err)
		}
		ops = append(ops, op{pos: c.Pos, wr: wr})
	}
	return func(w *avro.Writer, row []types.Value) error {
		for _, o := range ops {
			v := types.NullValue
			if o.pos >= 0 && o.pos < len(row) {
				v = row[o.pos]
			}
			if err := o.wr(w, v); err != nil {
				return err
			}
		}
		return nil
	}, nil
}

// avroDefault encodes a field's default (for a union, of its first
// branch, as Avro's defaults are).
func avroDefault(f *avro.Field) ([]byte, error) {
	t := deref(f.Type())
	if u, ok := t.(*avro.UnionSchema); ok {
		b, err := avro.Marshal(u.Types()[0], f.Default())
		if err != nil {
			return nil, err
		}
		return append([]byte{0}, b...), nil
	}
	return avro.Marshal(t, f.Default())
}

// avroPrograms caches the program of each writer schema id.
type avroDecoder struct {
	cols      []Column
	unwrapped bool
	reg       *registry // nil: bare Avro of schema
	progs     map[int]*avroProgram
	bare      *avroProgram
	r         *avro.Reader
}

func (d *avroDecoder) Decode(data []byte, row []types.Value) error {
	if data == nil {
		setNull(d.cols, row)
		return nil
	}
	p := d.bare
	if d.reg != nil {
		id, payload, err := wireHeader(data)
		if err != nil {
			return err
		}
		data = payload
		if p = d.progs[id]; p == nil {
			s, err := d.reg.byIDParsed(id)
			if err != nil {
				return malformed("%v", err)
			}
			if s.Avro == nil {
				return malformed("schema id %d is a %s schema, not Avro", id, s.Type)
			}
			if p, err = newAvroProgram(s.Avro, d.cols, d.unwrapped); err != nil {
				return malformed("schema id %d: %v", id, err)
			}
			d.progs[id] = p
		}
	}
	d.r.Reset(data)
	d.r.Error = nil
	if err := p.run(d.r, row, d.cols); err != nil {
		return malformed("avro: %v", err)
	}
	return nil
}

type avroEncoder struct {
	id        int // -1: bare Avro
	whole     avroWrite
	wholePos  int
	record    func(w *avro.Writer, row []types.Value) error
	w         *avro.Writer
	unwrapped bool
}

func (e *avroEncoder) Encode(dst []byte, row []types.Value) ([]byte, bool, error) {
	e.w.Reset(nil)
	if e.whole != nil {
		if row[e.wholePos].IsNull() {
			return dst, true, nil
		}
		if err := e.whole(e.w, row[e.wholePos]); err != nil {
			return dst, false, err
		}
	} else if err := e.record(e.w, row); err != nil {
		return dst, false, err
	}
	if e.id >= 0 {
		dst = appendWireHeader(dst, e.id)
	}
	return append(dst, e.w.Buffer()...), false, nil
}

// newAvroEncoderFor builds the encoder of cols into schema s.
func newAvroEncoderFor(s avro.Schema, cols []Column, unwrapped bool, id int) (*avroEncoder, error) {
	e := &avroEncoder{id: id, w: avro.NewWriter(nil, 256), unwrapped: unwrapped}
	if unwrapped && len(cols) == 1 {
		wr, err := avroWriter(s, cols[0].Type)
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", cols[0].Name, err)
		}
		e.whole, e.wholePos = wr, cols[0].Pos
		return e, nil
	}
	rec, ok := deref(s).(*avro.RecordSchema)
	if !ok {
		return nil, fmt.Errorf("the schema is %s, not a record of the columns %s", s.Type(), colNames(cols))
	}
	enc, err := newAvroRecordWriter(rec, cols)
	if err != nil {
		return nil, err
	}
	e.record = enc
	return e, nil
}
