package types

import (
	"encoding/binary"
	"errors"
	"math"
)

// Binary encoding of values for checkpoints. The encoding is self-describing
// (kind first) and stable across versions of Tumble that share a format
// number in the checkpoint header.

// ErrCorrupt is returned when decoding runs past the input or meets an
// unknown kind.
var ErrCorrupt = errors.New("corrupt encoded value")

// AppendValue appends the encoding of v.
func AppendValue(b []byte, v Value) []byte {
	b = append(b, byte(v.K), v.Scale)
	switch v.K {
	case Null:
	case String, Bytes:
		b = binary.AppendUvarint(b, uint64(len(v.S)))
		b = append(b, v.S...)
	case Array, Struct:
		e := v.Elems()
		b = binary.AppendUvarint(b, uint64(len(e)))
		for _, x := range e {
			b = AppendValue(b, x)
		}
	case Map:
		m := v.MapVal()
		b = binary.AppendUvarint(b, uint64(len(m.Keys)))
		for i := range m.Keys {
			b = AppendValue(b, m.Keys[i])
			b = AppendValue(b, m.Vals[i])
		}
	default:
		b = binary.AppendVarint(b, v.I)
	}
	return b
}

// ReadValue decodes one value and returns the rest of b.
func ReadValue(b []byte) (Value, []byte, error) {
	if len(b) < 2 {
		return Value{}, nil, ErrCorrupt
	}
	v := Value{K: Kind(b[0]), Scale: b[1]}
	b = b[2:]
	switch v.K {
	case Null:
		return v, b, nil
	case String, Bytes:
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return Value{}, nil, ErrCorrupt
		}
		v.S = string(b[k : k+int(n)])
		return v, b[k+int(n):], nil
	case Array, Struct:
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)) {
			return Value{}, nil, ErrCorrupt
		}
		b = b[k:]
		elems := make([]Value, n)
		for i := range elems {
			var err error
			if elems[i], b, err = ReadValue(b); err != nil {
				return Value{}, nil, err
			}
		}
		v.X = elems
		return v, b, nil
	case Map:
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)) {
			return Value{}, nil, ErrCorrupt
		}
		b = b[k:]
		m := &MapValue{Keys: make([]Value, n), Vals: make([]Value, n)}
		for i := range m.Keys {
			var err error
			if m.Keys[i], b, err = ReadValue(b); err != nil {
				return Value{}, nil, err
			}
			if m.Vals[i], b, err = ReadValue(b); err != nil {
				return Value{}, nil, err
			}
		}
		v.X = m
		return v, b, nil
	}
	if v.K > Struct {
		return Value{}, nil, ErrCorrupt
	}
	i, k := binary.Varint(b)
	if k <= 0 {
		return Value{}, nil, ErrCorrupt
	}
	v.I = i
	return v, b[k:], nil
}

// Enc is a small append-only encoder for checkpoint state.
type Enc struct{ B []byte }

func (e *Enc) Int(i int64)     { e.B = binary.AppendVarint(e.B, i) }
func (e *Enc) Uint(u uint64)   { e.B = binary.AppendUvarint(e.B, u) }
func (e *Enc) Float(f float64) { e.B = binary.LittleEndian.AppendUint64(e.B, math.Float64bits(f)) }
func (e *Enc) Value(v Value)   { e.B = AppendValue(e.B, v) }
func (e *Enc) Bytes(p []byte)  { e.Uint(uint64(len(p))); e.B = append(e.B, p...) }
func (e *Enc) String(s string) { e.Uint(uint64(len(s))); e.B = append(e.B, s...) }
func (e *Enc) Row(r Row) {
	e.Uint(uint64(len(r)))
	for _, v := range r {
		e.Value(v)
	}
}

// Dec reads what Enc wrote; the first error sticks and later reads return
// zero values.
type Dec struct {
	B   []byte
	Err error
}

func (d *Dec) fail() { d.Err = ErrCorrupt; d.B = nil }

func (d *Dec) Int() int64 {
	if d.Err != nil {
		return 0
	}
	i, k := binary.Varint(d.B)
	if k <= 0 {
		d.fail()
		return 0
	}
	d.B = d.B[k:]
	return i
}

func (d *Dec) Uint() uint64 {
	if d.Err != nil {
		return 0
	}
	u, k := binary.Uvarint(d.B)
	if k <= 0 {
		d.fail()
		return 0
	}
	d.B = d.B[k:]
	return u
}

func (d *Dec) Float() float64 {
	if d.Err != nil || len(d.B) < 8 {
		d.fail()
		return 0
	}
	f := math.Float64frombits(binary.LittleEndian.Uint64(d.B))
	d.B = d.B[8:]
	return f
}

func (d *Dec) Value() Value {
	if d.Err != nil {
		return Value{}
	}
	v, rest, err := ReadValue(d.B)
	if err != nil {
		d.fail()
		return Value{}
	}
	d.B = rest
	return v
}

func (d *Dec) Bytes() []byte {
	n := d.Uint()
	if d.Err != nil || n > uint64(len(d.B)) {
		d.fail()
		return nil
	}
	p := d.B[:n:n]
	d.B = d.B[n:]
	return p
}

func (d *Dec) String() string { return string(d.Bytes()) }

func (d *Dec) Row() Row {
	n := d.Uint()
	if d.Err != nil || n > uint64(len(d.B)) {
		d.fail()
		return nil
	}
	r := make(Row, n)
	for i := range r {
		r[i] = d.Value()
	}
	return r
}
