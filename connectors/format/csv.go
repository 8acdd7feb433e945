package format

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// csvConfig is shared by Flink's csv and ksqlDB's DELIMITED: one record is
// one line of fields in column order.
type csvConfig struct {
	conv
	// delimited: ksqlDB's DELIMITED (its delimiter option, empty fields
	// NULL, exact field counts, no arrays, Commons CSV's quoting, a single
	// NULL column a null payload), not Flink's csv.
	delimited bool
	// epoch: temporal values are written as numbers, and integers are
	// read so (engine.TemporalsAsEpoch).
	epoch      bool
	delim      byte
	quote      byte // 0: quoting disabled
	escape     byte // 0: none
	comments   bool
	nullLit    string
	hasNullLit bool
	arrayDelim string
	// emptyIsNull: an empty unquoted field is NULL for every type (ksqlDB);
	// otherwise only for non-string types (Flink).
	emptyIsNull bool
	// exactCount: a record with fewer fields than columns is an error
	// (ksqlDB); Flink reads the missing trailing fields as NULL.
	exactCount bool
	// nullOnError: a field that cannot be read as its column's type is
	// NULL and the row is kept (Flink's 'csv.ignore-parse-errors').
	nullOnError bool
}

var csvOptions = map[string]bool{
	"field-delimiter": true, "disable-quote-character": true, "quote-character": true,
	"allow-comments": true, "ignore-parse-errors": true, "array-element-delimiter": true,
	"escape-character": true, "null-literal": true, "write-bigdecimal-in-scientific-notation": true,
}

func newCSVConfig(o opts, cols []Column) (*csvConfig, error) {
	loc, err := location(o.spec)
	if err != nil {
		return nil, err
	}
	c := &csvConfig{conv: newConv(o, loc), delimited: o.name == Delimited, epoch: o.rules().Temporals == engine.TemporalsAsEpoch,
		delim: ',', quote: '"', arrayDelim: ";"}
	if c.delimited {
		c.emptyIsNull, c.exactCount = true, true
		key := strings.TrimSuffix(o.prefix, ".") + ".delimiter"
		if o.prefix == "" {
			key = "value.delimiter"
		}
		if v, ok := o.spec.Option(key); ok {
			switch strings.ToUpper(strings.TrimSpace(v)) {
			case "TAB":
				c.delim = '\t'
			case "SPACE":
				c.delim = ' '
			default:
				if len(v) != 1 {
					return nil, fmt.Errorf("option '%s': want a single character, TAB or SPACE, got '%s'", key, v)
				}
				c.delim = v[0]
			}
		}
	} else {
		for k := range o.spec.Options {
			rest, ok := strings.CutPrefix(k, o.prefix+"csv.")
			if !ok && o.prefix != "key." {
				rest, ok = strings.CutPrefix(k, "csv.")
			}
			if ok && !csvOptions[rest] {
				return nil, fmt.Errorf("%w CSV option '%s'", ErrUnsupported, k)
			}
		}
		char := func(key string, def byte) (byte, error) {
			v, ok := o.get(key)
			if !ok {
				return def, nil
			}
			v = unescapeJava(v)
			if len(v) != 1 {
				return 0, fmt.Errorf("option 'csv.%s': want a single character, got '%s'", key, v)
			}
			return v[0], nil
		}
		if c.delim, err = char("field-delimiter", ','); err != nil {
			return nil, err
		}
		if c.quote, err = char("quote-character", '"'); err != nil {
			return nil, err
		}
		if c.escape, err = char("escape-character", 0); err != nil {
			return nil, err
		}
		disable, err := o.bool("disable-quote-character", false)
		if err != nil {
			return nil, err
		}
		if disable {
			if _, ok := o.get("quote-character"); ok {
				return nil, fmt.Errorf("'csv.disable-quote-character' and 'csv.quote-character' cannot both be set")
			}
			c.quote = 0
		}
		if c.comments, err = o.bool("allow-comments", false); err != nil {
			return nil, err
		}
		if c.nullOnError, err = o.bool("ignore-parse-errors", false); err != nil {
			return nil, err
		}
		if v, ok := o.get("null-literal"); ok {
			c.nullLit, c.hasNullLit = v, true
		}
		if v, ok := o.get("array-element-delimiter"); ok {
			c.arrayDelim = unescapeJava(v)
		}
	}
	for _, col := range cols {
		switch k := col.Type.Kind; {
		case k == types.Map || k == types.Struct || k == types.Null:
			return nil, fmt.Errorf("%w type %s for CSV column '%s'", ErrUnsupported, k, col.Name)
		case k == types.Array && (c.delimited || col.Type.Elem == nil || col.Type.Elem.Kind >= types.Array):
			return nil, fmt.Errorf("%w type %s for %s column '%s'", ErrUnsupported, col.Type, o.name, col.Name)
		}
	}
	return c, nil
}

// unescapeJava turns the escapes people write in option values ("\t",
// "\u0001") into the characters.
func unescapeJava(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	if u, err := strconv.Unquote(`"` + strings.ReplaceAll(s, `"`, `\"`) + `"`); err == nil {
		return u
	}
	return s
}

type csvDecoder struct {
	*csvConfig
	cols   []Column
	ins    []*interner
	spans  []csvField
	buf    []byte // unquoted field text
	single bool   // ksqlDB: one column is the whole value
}

type csvField struct {
	start, end int // into the record, or into buf when inBuf
	quoted     bool
	inBuf      bool
}

func newCSVDecoder(o opts, cols []Column) (*csvDecoder, error) {
	c, err := newCSVConfig(o, cols)
	if err != nil {
		return nil, err
	}
	d := &csvDecoder{csvConfig: c, cols: cols, ins: make([]*interner, len(cols))}
	for i, col := range cols {
		if col.Type.Kind == types.String {
			d.ins[i] = newInterner()
		}
	}
	return d, nil
}

func (d *csvDecoder) Decode(data []byte, row []types.Value) error {
	if data == nil {
		setNull(d.cols, row)
		return nil
	}
	rec := data
	if n := len(rec); n > 0 && rec[n-1] == '\n' {
		rec = rec[:n-1]
		if n := len(rec); n > 0 && rec[n-1] == '\r' {
			rec = rec[:n-1]
		}
	}
	if d.comments && len(rec) > 0 && rec[0] == '#' {
		return ErrSkip
	}
	if err := d.split(rec); err != nil {
		return err
	}
	if len(d.spans) > len(d.cols) || (d.exactCount && len(d.spans) != len(d.cols)) {
		return malformed("record has %d fields, the table has %d columns", len(d.spans), len(d.cols))
	}
	for i := range d.cols {
		c := &d.cols[i]
		if i >= len(d.spans) {
			row[c.Pos] = types.Value{}
			continue
		}
		f := d.spans[i]
		text := rec[f.start:f.end]
		if f.inBuf {
			text = d.buf[f.start:f.end]
		}
		if err := d.field(&c.Type, text, f.quoted, d.ins[i], &row[c.Pos]); err != nil {
			if d.nullOnError {
				row[c.Pos] = types.Value{}
				continue
			}
			return fmt.Errorf("column '%s': %w", c.Name, err)
		}
	}
	return nil
}

func (d *csvDecoder) field(t *types.Type, text []byte, quoted bool, in *interner, out *types.Value) error {
	if (d.hasNullLit && string(text) == d.nullLit) || (len(text) == 0 && !quoted && (d.emptyIsNull || t.Kind != types.String)) {
		*out = types.Value{}
		return nil
	}
	if t.Kind == types.Array {
		var elems []types.Value
		if len(text) > 0 {
			for _, part := range strings.Split(string(text), d.arrayDelim) {
				var v types.Value
				if err := d.field(t.Elem, []byte(part), false, nil, &v); err != nil {
					if !d.nullOnError {
						return err
					}
					v = types.Value{}
				}
				elems = append(elems, v)
			}
		}
		*out = types.ArrayV(elems)
		return nil
	}
	if d.epoch && (t.Kind == types.Timestamp || t.Kind == types.TimestampLTZ || t.Kind == types.Date || t.Kind == types.Time) {
		if _, ok := parseInt(trimSpace(text)); ok {
			return d.fromNumber(t, trimSpace(text), in, out)
		}
	}
	return d.fromText(t, text, in, out)
}

// split finds the fields of one record. Quoted fields may hold delimiters,
// doubled quotes and line breaks; their text goes to d.buf.
func (d *csvDecoder) split(rec []byte) error {
	d.spans, d.buf = d.spans[:0], d.buf[:0]
	i := 0
	for {
		if d.quote != 0 && i < len(rec) && rec[i] == d.quote {
			start := len(d.buf)
			j := i + 1
			closed := false
			for j < len(rec) {
				c := rec[j]
				switch {
				case d.escape != 0 && c == d.escape && j+1 < len(rec):
					d.buf = append(d.buf, rec[j+1])
					j += 2
					continue
				case c == d.quote:
					if j+1 < len(rec) && rec[j+1] == d.quote {
						d.buf = append(d.buf, c)
						j += 2
						continue
					}
					closed = true
				default:
					d.buf = append(d.buf, c)
					j++
					continue
				}
				break
			}
			if !closed {
				return malformed("unterminated quoted field")
			}
			j++ // closing quote
			d.spans = append(d.spans, csvField{start: start, end: len(d.buf), quoted: true, inBuf: true})
			if j == len(rec) {
				return nil
			}
			if rec[j] != d.delim {
				return malformed("unexpected %q after a quoted field", rec[j])
			}
			i = j + 1
			continue
		}
		j := i
		if d.escape != 0 {
			start := len(d.buf)
			esc := false
			for j < len(rec) && rec[j] != d.delim {
				if rec[j] == d.escape && j+1 < len(rec) {
					esc = true
					d.buf = append(d.buf, rec[j+1])
					j += 2
					continue
				}
				d.buf = append(d.buf, rec[j])
				j++
			}
			if esc {
				d.spans = append(d.spans, csvField{start: start, end: len(d.buf), inBuf: true})
			} else {
				d.buf = d.buf[:start]
				d.spans = append(d.spans, csvField{start: i, end: j})
			}
		} else {
			for j < len(rec) && rec[j] != d.delim {
				j++
			}
			d.spans = append(d.spans, csvField{start: i, end: j})
		}
		if j >= len(rec) {
			return nil
		}
		i = j + 1
	}
}

type csvEncoder struct {
	*csvConfig
	cols []Column
}

func newCSVEncoder(o opts, cols []Column) (*csvEncoder, error) {
	c, err := newCSVConfig(o, cols)
	if err != nil {
		return nil, err
	}
	return &csvEncoder{csvConfig: c, cols: cols}, nil
}

func (e *csvEncoder) Encode(dst []byte, row []types.Value) ([]byte, bool, error) {
	if e.delimited && len(e.cols) == 1 && row[e.cols[0].Pos].K == types.Null {
		return dst, true, nil
	}
	for i := range e.cols {
		c := &e.cols[i]
		if i > 0 {
			dst = append(dst, e.delim)
		}
		start := len(dst)
		var err error
		if dst, err = e.field(dst, row[c.Pos], &c.Type); err != nil {
			return dst, false, fmt.Errorf("column '%s': %w", c.Name, err)
		}
		// ksqlDB (Commons CSV's minimal quoting) quotes a field that starts
		// with a character up to '#' or ends with one up to ' ', and a
		// record's first field that does not start with a letter or digit.
		if v := row[c.Pos]; e.delimited && i > 0 && v.K == types.String && v.S == "" && len(dst) == start+2 {
			dst = dst[:start] // only a record's first field is quoted when empty
		}
		if e.delimited && len(dst) > start && e.quote != 0 && dst[start] != e.quote && row[c.Pos].K != types.Null {
			first, last := dst[start], dst[len(dst)-1]
			alnum := first >= '0' && first <= '9' || first >= 'A' && first <= 'Z' || first >= 'a' && first <= 'z'
			if i == 0 && !alnum || first <= '#' || last <= ' ' {
				field := append([]byte(nil), dst[start:]...)
				dst = append(dst[:start], e.quote)
				dst = append(dst, field...)
				dst = append(dst, e.quote)
			}
		}
	}
	return dst, false, nil
}

func (e *csvEncoder) field(b []byte, v types.Value, t *types.Type) ([]byte, error) {
	if v.K == types.Null {
		return append(b, e.nullLit...), nil
	}
	switch t.Kind {
	case types.Boolean:
		if v.I != 0 {
			return append(b, "true"...), nil
		}
		return append(b, "false"...), nil
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		return strconv.AppendInt(b, v.Int(), 10), nil
	case types.Float:
		return appendJavaFloat(b, v.Float(), 32, false), nil
	case types.Double:
		return appendJavaFloat(b, v.Float(), 64, false), nil
	case types.Decimal:
		return appendDecimal(b, v, t), nil
	case types.Date:
		if e.epoch {
			return strconv.AppendInt(b, v.I, 10), nil
		}
		return append(b, types.FormatDate(v.I)...), nil
	case types.Time:
		if e.epoch {
			return strconv.AppendInt(b, floorDiv(v.I, types.MicrosPerMilli), 10), nil
		}
		return append(b, types.FormatTime(floorDiv(v.I, types.MicrosPerSecond)*types.MicrosPerSecond, 0)...), nil
	case types.Timestamp, types.TimestampLTZ:
		if e.epoch {
			return strconv.AppendInt(b, floorDiv(v.I, types.MicrosPerMilli), 10), nil
		}
		b = types.AppendTimestamp(b, v.I, 6, ' ', true)
		if t.Kind == types.TimestampLTZ {
			b = append(b, 'Z')
		}
		return b, nil
	case types.String:
		s := v.S
		if v.K != types.String && v.K != types.Bytes {
			s = v.String()
		}
		return e.quoted(b, s), nil
	case types.Bytes:
		return base64.StdEncoding.AppendEncode(b, []byte(v.S)), nil
	case types.Array:
		for i, x := range v.Elems() {
			if i > 0 {
				b = append(b, e.arrayDelim...)
			}
			var err error
			if b, err = e.field(b, x, t.Elem); err != nil {
				return b, err
			}
		}
		return b, nil
	}
	return b, fmt.Errorf("%w: cannot write %s as CSV", ErrUnsupported, t.Kind)
}

// quoted writes s, quoting it when it holds the delimiter, the quote
// character, a line break, or would read back as NULL.
func (e *csvEncoder) quoted(b []byte, s string) []byte {
	need := (e.hasNullLit && s == e.nullLit) || (s == "" && e.emptyIsNull)

	for i := 0; i < len(s) && !need; i++ {
		c := s[i]
		need = c == e.delim || c == '\n' || c == '\r' || (e.quote != 0 && c == e.quote) || (e.escape != 0 && c == e.escape)
	}
	if !need || e.quote == 0 {
		if !utf8.ValidString(s) {
			s = strings.ToValidUTF8(s, "\ufffd")
		}
		return append(b, s...)
	}
	b = append(b, e.quote)
	for i := 0; i < len(s); i++ {
		if s[i] == e.quote {
			b = append(b, e.quote)
		}
		b = append(b, s[i])
	}
	return append(b, e.quote)
}
