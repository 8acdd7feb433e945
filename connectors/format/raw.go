package format

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/tumble/tumble/engine/types"
)

// rawCodec is Flink's raw format and ksqlDB's KAFKA format: the payload is
// one column's value: strings as UTF-8, bytes as they are, numbers in fixed
// width (big-endian unless 'raw.endianness' = 'little-endian'). ksqlDB's
// KAFKA format allows INT (4 bytes), BIGINT (8), DOUBLE (8), STRING and
// BYTES.
type rawCodec struct {
	col   *Column // nil: no columns (a keyless ksqlDB KAFKA key)
	order byteOrder
	in    *interner
}

// byteOrder reads and appends fixed-width integers.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

func newRawCodec(o opts, cols []Column) (*rawCodec, error) {
	r := &rawCodec{order: binary.BigEndian}
	if len(cols) == 0 && o.name == Kafka {
		return r, nil
	}
	if len(cols) != 1 {
		return nil, fmt.Errorf("format '%s' needs exactly one %scolumn, found %d (%s)", o.name, partName(o.prefix), len(cols), colNames(cols))
	}
	r.col = &cols[0]
	k := r.col.Type.Kind
	if o.name == Kafka {
		switch k {
		case types.Int, types.BigInt, types.Double, types.String, types.Bytes:
		default:
			return nil, fmt.Errorf("%w: the KAFKA format does not support type %s (column '%s')", ErrUnsupported, r.col.Type, r.col.Name)
		}
		return r, nil
	}
	for key := range o.spec.Options {
		rest, ok := strings.CutPrefix(key, o.prefix+"raw.")
		if !ok && o.prefix != "key." {
			rest, ok = strings.CutPrefix(key, "raw.")
		}
		if ok && rest != "charset" && rest != "endianness" {
			return nil, fmt.Errorf("%w raw option '%s'", ErrUnsupported, key)
		}
	}
	if v, ok := o.get("charset"); ok && !strings.EqualFold(strings.ReplaceAll(v, "-", ""), "utf8") {
		return nil, fmt.Errorf("%w 'raw.charset' '%s' (only UTF-8)", ErrUnsupported, v)
	}
	if v, ok := o.get("endianness"); ok {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "big-endian":
		case "little-endian":
			r.order = binary.LittleEndian
		default:
			return nil, fmt.Errorf("option 'raw.endianness': want big-endian or little-endian, got '%s'", v)
		}
	}
	switch k {
	case types.String, types.Bytes, types.Boolean, types.TinyInt, types.SmallInt, types.Int, types.BigInt, types.Float, types.Double:
	default:
		return nil, fmt.Errorf("%w: the raw format does not support type %s (column '%s')", ErrUnsupported, r.col.Type, r.col.Name)
	}
	return r, nil
}

func partName(prefix string) string {
	switch prefix {
	case "key.":
		return "key "
	case "value.":
		return "value "
	}
	return ""
}

func newRawDecoder(o opts, cols []Column) (*rawCodec, error) {
	r, err := newRawCodec(o, cols)
	if err == nil && r.col != nil && r.col.Type.Kind == types.String {
		r.in = newInterner()
	}
	return r, err
}

func newRawEncoder(o opts, cols []Column) (*rawCodec, error) { return newRawCodec(o, cols) }

var rawWidth = [...]int{types.Boolean: 1, types.TinyInt: 1, types.SmallInt: 2, types.Int: 4, types.BigInt: 8, types.Float: 4, types.Double: 8}

func (r *rawCodec) Decode(data []byte, row []types.Value) error {
	if r.col == nil {
		return nil
	}
	out := &row[r.col.Pos]
	if data == nil {
		*out = types.Value{}
		return nil
	}
	k := r.col.Type.Kind
	switch k {
	case types.String:
		*out = types.Value{K: types.String, S: r.in.get(data)}
		return nil
	case types.Bytes:
		*out = types.Value{K: types.Bytes, S: string(data)}
		return nil
	}
	if len(data) != rawWidth[k] {
		return malformed("%s needs %d bytes, got %d", k, rawWidth[k], len(data))
	}
	switch k {
	case types.Boolean:
		*out = types.BoolV(data[0] != 0)
	case types.TinyInt:
		*out = types.Value{K: k, I: int64(int8(data[0]))}
	case types.SmallInt:
		*out = types.Value{K: k, I: int64(int16(r.order.Uint16(data)))}
	case types.Int:
		*out = types.Value{K: k, I: int64(int32(r.order.Uint32(data)))}
	case types.BigInt:
		*out = types.Value{K: k, I: int64(r.order.Uint64(data))}
	case types.Float:
		*out = types.FloatV(float64(math.Float32frombits(r.order.Uint32(data))))
	case types.Double:
		*out = types.DoubleV(math.Float64frombits(r.order.Uint64(data)))
	}
	return nil
}

func (r *rawCodec) Encode(dst []byte, row []types.Value) ([]byte, bool, error) {
	if r.col == nil {
		return dst, true, nil
	}
	v := row[r.col.Pos]
	if v.K == types.Null {
		return dst, true, nil
	}
	switch r.col.Type.Kind {
	case types.String:
		s := v.S
		if v.K != types.String && v.K != types.Bytes {
			s = v.String()
		}
		if !utf8.ValidString(s) {
			s = strings.ToValidUTF8(s, "\ufffd")
		}
		return append(dst, s...), false, nil
	case types.Bytes:
		return append(dst, v.S...), false, nil
	case types.Boolean:
		if v.I != 0 {
			return append(dst, 1), false, nil
		}
		return append(dst, 0), false, nil
	case types.TinyInt:
		return append(dst, byte(v.Int())), false, nil
	case types.SmallInt:
		return r.order.AppendUint16(dst, uint16(v.Int())), false, nil
	case types.Int:
		return r.order.AppendUint32(dst, uint32(v.Int())), false, nil
	case types.BigInt:
		return r.order.AppendUint64(dst, uint64(v.Int())), false, nil
	case types.Float:
		return r.order.AppendUint32(dst, math.Float32bits(float32(v.Float()))), false, nil
	case types.Double:
		return r.order.AppendUint64(dst, math.Float64bits(v.Float())), false, nil
	}
	return dst, false, fmt.Errorf("%w: cannot write %s raw", ErrUnsupported, r.col.Type.Kind)
}
