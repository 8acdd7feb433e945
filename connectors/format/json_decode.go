package format

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// jsonDecoder is a schema-driven JSON reader: it scans the top-level object
// once, matches each field name against the wanted columns (remembering the
// order fields arrived in last time, so the common case is one string
// compare per field), decodes only the fields a column wants and skips the
// rest without building anything.
type jsonDecoder struct {
	conv
	cols        []jcol
	byName      map[string]int // exact name (Flink) or lower-cased (ksqlDB)
	fold        bool           // ksqlDB: names match case-insensitively
	unwrap      bool           // the payload is the single column's bare value
	failMissing bool
	// nullOnError: a value that is well-formed JSON but cannot be read as
	// its column's type becomes NULL and the row is kept (Flink's
	// 'json.ignore-parse-errors', which applies at every nesting level);
	// text that is not JSON still fails the record.
	nullOnError bool
	slots       []slot
	seen        []uint32
	gen         uint32
	key         []byte // scratch for unescaped names
	key2        []byte // scratch for lower-cased names
	str         []byte // scratch for unescaped strings
}

type jcol struct {
	Column
	in *interner // STRING columns only
}

// slot remembers which column the i-th field of the last object matched.
type slot struct {
	key    string
	col    int  // -1: no column wants this field
	plain  bool // key has no backslash: raw bytes can be compared with it
	misses uint8
}

const maxSlots = 256

func newJSONDecoder(o opts, cols []Column) (*jsonDecoder, error) {
	loc, err := location(o.spec)
	if err != nil {
		return nil, err
	}
	d := &jsonDecoder{conv: newConv(o, loc), fold: o.rules().FieldMatch == engine.FieldsIgnoreCase, byName: make(map[string]int, len(cols))}
	if d.failMissing, err = o.bool("fail-on-missing-field", false); err != nil {
		return nil, err
	}
	ignore, err := o.bool("ignore-parse-errors", false)
	if err != nil {
		return nil, err
	}
	if d.failMissing && ignore {
		return nil, fmt.Errorf("'%[1]sjson.fail-on-missing-field' and '%[1]sjson.ignore-parse-errors' cannot both be true", o.prefix)
	}
	d.nullOnError = ignore && o.rules().BadRecords == engine.BadRecordsByOption
	if err := checkJSONOptions(o); err != nil {
		return nil, err
	}
	if d.unwrap, err = unwrapped(o, cols); err != nil {
		return nil, err
	}
	for i, c := range cols {
		if err := checkJSONType(o, c.Name, &c.Type); err != nil {
			return nil, err
		}
		jc := jcol{Column: c}
		if c.Type.Kind == types.String {
			jc.in = newInterner()
		}
		d.cols = append(d.cols, jc)
		name := c.Name
		if d.fold {
			name = strings.ToLower(name)
		}
		if _, dup := d.byName[name]; dup {
			return nil, fmt.Errorf("two columns map to JSON field '%s'", c.Name)
		}
		d.byName[name] = i
	}
	d.seen = make([]uint32, len(cols))
	return d, nil
}

// unwrapped reports whether a single column is serialized as a bare value:
// with engine.SingleKeyUnwrapped, keys with one column and values with
// one column and 'wrap.single.value' = 'false' (ksqlDB).
func unwrapped(o opts, cols []Column) (bool, error) {
	if o.rules().SingleValues != engine.SingleKeyUnwrapped {
		return false, nil
	}
	v, set := o.spec.Option("wrap.single.value")
	if o.prefix == "key." {
		return len(cols) == 1, nil
	}
	if !set {
		return false, nil
	}
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return false, nil
	case "false":
		if len(cols) != 1 {
			return false, fmt.Errorf("'wrap.single.value' = 'false' needs exactly one value column, the table has %d", len(cols))
		}
		return true, nil
	}
	return false, fmt.Errorf("option 'wrap.single.value': want true or false, got '%s'", v)
}

var jsonOptions = map[string]bool{
	"fail-on-missing-field": true, "ignore-parse-errors": true, "timestamp-format.standard": true,
	"map-null-key.mode": true, "map-null-key.literal": true, "encode.decimal-as-plain-number": true,
	"encode.ignore-null-fields": true, "decode.json-parser.enabled": true,
}

func checkJSONOptions(o opts) error {
	for k := range o.spec.Options {
		rest, ok := strings.CutPrefix(k, o.prefix+"json.")
		if !ok && o.prefix != "key." {
			rest, ok = strings.CutPrefix(k, "json.")
		}
		if ok && !jsonOptions[rest] {
			return fmt.Errorf("%w JSON option '%s'", ErrUnsupported, k)
		}
	}
	if v, ok := o.get("timestamp-format.standard"); ok {
		if u := strings.ToUpper(strings.TrimSpace(v)); u != "SQL" && u != "ISO-8601" {
			return fmt.Errorf("option '%sjson.timestamp-format.standard': want SQL or ISO-8601, got '%s'", o.prefix, v)
		}
	}
	if v, ok := o.get("map-null-key.mode"); ok {
		if u := strings.ToUpper(strings.TrimSpace(v)); u != "FAIL" && u != "DROP" && u != "LITERAL" {
			return fmt.Errorf("option '%sjson.map-null-key.mode': want FAIL, DROP or LITERAL, got '%s'", o.prefix, v)
		}
	}
	return nil
}

func checkJSONType(o opts, name string, t *types.Type) error {
	switch t.Kind {
	case types.Array:
		if t.Elem == nil {
			return fmt.Errorf("column '%s': ARRAY without element type", name)
		}
		return checkJSONType(o, name, t.Elem)
	case types.Map:
		if t.Elem == nil || t.Key == nil {
			return fmt.Errorf("column '%s': MAP without key or value type", name)
		}
		if o.rules().MapKeys == engine.MapKeysString && t.Key.Kind != types.String {
			return fmt.Errorf("%w: JSON only supports MAP types with STRING keys (column '%s')", ErrUnsupported, name)
		}
		if err := checkJSONType(o, name, t.Key); err != nil {
			return err
		}
		return checkJSONType(o, name, t.Elem)
	case types.Struct:
		for i := range t.Fields {
			if err := checkJSONType(o, name, &t.Fields[i].Type); err != nil {
				return err
			}
		}
	case types.Null:
		return fmt.Errorf("%w type NULL for column '%s'", ErrUnsupported, name)
	}
	return nil
}

func (d *jsonDecoder) Decode(data []byte, row []types.Value) error {
	if data == nil {
		for _, c := range d.cols {
			row[c.Pos] = types.Value{}
		}
		return nil
	}
	i := skipWS(data, 0)
	if d.unwrap {
		c := &d.cols[0]
		next, err := d.value(data, i, &c.Type, c.in, &row[c.Pos])
		if err != nil {
			return err
		}
		if skipWS(data, next) != len(data) {
			return malformed("trailing data after JSON value")
		}
		return nil
	}
	if i >= len(data) || data[i] != '{' {
		if i >= len(data) {
			return malformed("empty JSON value")
		}
		return malformed("expected a JSON object, found %q", excerpt(data[i:]))
	}
	d.gen++
	if d.gen == 0 {
		clear(d.seen)
		d.gen = 1
	}
	i = skipWS(data, i+1)
	if i < len(data) && data[i] == '}' {
		i++
	} else {
		for field := 0; ; field++ {
			if i >= len(data) || data[i] != '"' {
				return malformed("expected a field name at byte %d", i)
			}
			var name []byte
			var next int
			ci := -2
			if field < len(d.slots) {
				// Fast path: the field the last object had at this place.
				s := &d.slots[field]
				if e := i + 1 + len(s.key); s.plain && e < len(data) && data[e] == '"' && string(data[i+1:e]) == s.key {
					ci, name, next = s.col, data[i+1:e], e+1
				}
			}
			if ci == -2 {
				ks, ke, esc, n, ok := scanString(data, i)
				if !ok {
					return malformed("unterminated field name")
				}
				name, next = data[ks:ke], n
				if esc {
					d.key, ok = unescape(d.key[:0], name)
					if !ok {
						return malformed("bad escape in field name")
					}
					name = d.key
				}
				ci = d.match(field, name)
			}
			i = skipWS(data, next)
			if i >= len(data) || data[i] != ':' {
				return malformed("expected ':' after field name %q", name)
			}
			i = skipWS(data, i+1)
			if ci >= 0 {
				c := &d.cols[ci]
				var err error
				if i, err = d.value(data, i, &c.Type, c.in, &row[c.Pos]); err != nil {
					return fmt.Errorf("field '%s': %w", c.Name, err)
				}
				d.seen[ci] = d.gen
			} else {
				var ok bool
				if i, ok = skipValue(data, i); !ok {
					return malformed("bad value for field %q", name)
				}
			}
			i = skipWS(data, i)
			if i < len(data) && data[i] == ',' {
				i = skipWS(data, i+1)
				continue
			}
			if i < len(data) && data[i] == '}' {
				i++
				break
			}
			return malformed("expected ',' or '}' at byte %d", i)
		}
	}
	if skipWS(data, i) != len(data) {
		return malformed("trailing data after JSON object")
	}
	for ci := range d.cols {
		if d.seen[ci] != d.gen {
			if d.failMissing {
				return malformed("missing field '%s'", d.cols[ci].Name)
			}
			row[d.cols[ci].Pos] = types.Value{}
		}
	}
	return nil
}

// match returns the column the field-th field named name feeds, or -1.
func (d *jsonDecoder) match(field int, name []byte) int {
	if field < len(d.slots) {
		s := &d.slots[field]
		if s.key == string(name) {
			return s.col
		}
		ci := d.lookup(name)
		if s.misses < 16 { // a field order that keeps changing stops being learnt
			s.misses++
			s.key, s.col = d.slotKey(ci, name), ci
			s.plain = !strings.ContainsRune(s.key, '\\')
		}
		return ci
	}
	ci := d.lookup(name)
	if field < maxSlots && field == len(d.slots) {
		key := d.slotKey(ci, name)
		d.slots = append(d.slots, slot{key: key, col: ci, plain: !strings.ContainsRune(key, '\\')})
	}
	return ci
}

// slotKey returns a string equal to name, reusing the column name when it
// is spelled the same.
func (d *jsonDecoder) slotKey(ci int, name []byte) string {
	if ci >= 0 && d.cols[ci].Name == string(name) {
		return d.cols[ci].Name
	}
	return string(name)
}

func (d *jsonDecoder) lookup(name []byte) int {
	if !d.fold {
		if ci, ok := d.byName[string(name)]; ok {
			return ci
		}
		return -1
	}
	lower, ascii := d.key2[:0], true
	for _, c := range name {
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower = append(lower, c)
	}
	d.key2 = lower
	if !ascii {
		lower = []byte(strings.ToLower(string(name)))
	}
	if ci, ok := d.byName[string(lower)]; ok {
		return ci
	}
	return -1
}

func excerpt(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

// value decodes the JSON value at data[i] as type t into *out and returns
// the index after it. With nullOnError a well-formed value of the wrong
// type reads as NULL.
func (d *jsonDecoder) value(data []byte, i int, t *types.Type, in *interner, out *types.Value) (int, error) {
	next, err := d.typedValue(data, i, t, in, out)
	if err == nil || !d.nullOnError {
		return next, err
	}
	end, ok := skipValue(data, i)
	if !ok || !json.Valid(data[i:end]) {
		return next, err // not JSON: the record is bad
	}
	*out = types.Value{}
	return end, nil
}

func (d *jsonDecoder) typedValue(data []byte, i int, t *types.Type, in *interner, out *types.Value) (int, error) {
	if i >= len(data) {
		return i, malformed("unexpected end of JSON")
	}
	switch c := data[i]; {
	case c == '"':
		s, e, esc, next, ok := scanString(data, i)
		if !ok {
			return i, malformed("unterminated string")
		}
		text := data[s:e]
		if esc {
			if d.str, ok = unescape(d.str[:0], text); !ok {
				return i, malformed("bad escape in string")
			}
			text = d.str
		}
		return next, d.fromText(t, text, in, out)
	case c == 'n':
		next, ok := literal(data, i, "null")
		if !ok {
			return i, malformed("bad literal at byte %d", i)
		}
		*out = types.Value{}
		return next, nil
	case c == 't' || c == 'f':
		lit := "true"
		if c == 'f' {
			lit = "false"
		}
		next, ok := literal(data, i, lit)
		if !ok {
			return i, malformed("bad literal at byte %d", i)
		}
		switch t.Kind {
		case types.Boolean:
			*out = types.BoolV(c == 't')
		case types.String:
			*out = types.StringV(lit)
		default:
			return i, malformed("cannot read %s as %s", lit, t.Kind)
		}
		return next, nil
	case c == '-' || (c >= '0' && c <= '9'):
		next := numEnd(data, i)
		return next, d.fromNumber(t, data[i:next], in, out)
	case c == '{' || c == '[':
		switch {
		case c == '[' && t.Kind == types.Array:
			return d.array(data, i, t, out)
		case c == '{' && t.Kind == types.Map:
			return d.mapValue(data, i, t, out)
		case c == '{' && t.Kind == types.Struct:
			return d.row(data, i, t, out)
		case t.Kind == types.String:
			// Jackson's node.toString(): the compact JSON text.
			next, ok := skipValue(data, i)
			if !ok {
				return i, malformed("bad JSON value at byte %d", i)
			}
			*out = types.StringV(string(compactJSON(nil, data[i:next])))
			return next, nil
		}
		return i, malformed("cannot read a JSON %s as %s", containerName(c), t.Kind)
	}
	return i, malformed("unexpected %q at byte %d", data[i], i)
}

func containerName(c byte) string {
	if c == '[' {
		return "array"
	}
	return "object"
}

func (d *jsonDecoder) array(data []byte, i int, t *types.Type, out *types.Value) (int, error) {
	var elems []types.Value
	i = skipWS(data, i+1)
	if i < len(data) && data[i] == ']' {
		*out = types.ArrayV([]types.Value{})
		return i + 1, nil
	}
	for {
		var v types.Value
		var err error
		if i, err = d.value(data, i, t.Elem, nil, &v); err != nil {
			return i, err
		}
		elems = append(elems, v)
		i = skipWS(data, i)
		if i < len(data) && data[i] == ',' {
			i = skipWS(data, i+1)
			continue
		}
		if i < len(data) && data[i] == ']' {
			*out = types.ArrayV(elems)
			return i + 1, nil
		}
		return i, malformed("expected ',' or ']' at byte %d", i)
	}
}

// members walks the members of the object at data[i], calling fn with each
// field name (unescaped) and the index of its value; fn returns the index
// after the value.
func (d *jsonDecoder) members(data []byte, i int, fn func(name []byte, at int) (int, error)) (int, error) {
	i = skipWS(data, i+1)
	if i < len(data) && data[i] == '}' {
		return i + 1, nil
	}
	for {
		if i >= len(data) || data[i] != '"' {
			return i, malformed("expected a field name at byte %d", i)
		}
		ks, ke, esc, next, ok := scanString(data, i)
		if !ok {
			return i, malformed("unterminated field name")
		}
		name := data[ks:ke]
		if esc {
			if name, ok = unescape(nil, name); !ok {
				return i, malformed("bad escape in field name")
			}
		}
		i = skipWS(data, next)
		if i >= len(data) || data[i] != ':' {
			return i, malformed("expected ':' after field name %q", name)
		}
		var err error
		if i, err = fn(name, skipWS(data, i+1)); err != nil {
			return i, err
		}
		i = skipWS(data, i)
		if i < len(data) && data[i] == ',' {
			i = skipWS(data, i+1)
			continue
		}
		if i < len(data) && data[i] == '}' {
			return i + 1, nil
		}
		return i, malformed("expected ',' or '}' at byte %d", i)
	}
}

func (d *jsonDecoder) mapValue(data []byte, i int, t *types.Type, out *types.Value) (int, error) {
	m := &types.MapValue{}
	next, err := d.members(data, i, func(name []byte, at int) (int, error) {
		var k types.Value
		if err := d.fromText(t.Key, name, nil, &k); err != nil {
			return at, err
		}
		var v types.Value
		at, err := d.value(data, at, t.Elem, nil, &v)
		if err != nil {
			return at, err
		}
		m.Keys = append(m.Keys, k)
		m.Vals = append(m.Vals, v)
		return at, nil
	})
	if err != nil {
		return next, err
	}
	*out = types.MapV(m)
	return next, nil
}

func (d *jsonDecoder) row(data []byte, i int, t *types.Type, out *types.Value) (int, error) {
	fields := make([]types.Value, len(t.Fields))
	seen := make([]bool, len(t.Fields))
	next, err := d.members(data, i, func(name []byte, at int) (int, error) {
		fi := -1
		for k := range t.Fields {
			if t.Fields[k].Name == string(name) || (d.fold && strings.EqualFold(t.Fields[k].Name, string(name))) {
				fi = k
				break
			}
		}
		if fi < 0 {
			at, ok := skipValue(data, at)
			if !ok {
				return at, malformed("bad value for field %q", name)
			}
			return at, nil
		}
		seen[fi] = true
		return d.value(data, at, &t.Fields[fi].Type, nil, &fields[fi])
	})
	if err != nil {
		return next, err
	}
	if d.failMissing {
		for k, ok := range seen {
			if !ok {
				return next, malformed("missing field '%s'", t.Fields[k].Name)
			}
		}
	}
	*out = types.StructV(fields)
	return next, nil
}
