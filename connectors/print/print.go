// Package print owns Flink's 'print' connector: a sink that writes each row
// as Flink's PrintSinkFunction does, e.g.
//
//	+I[2026-11-23T23:09:45, 10, x]
//	id> -U[2026-11-23T23:09:45, 10, x]
//
// Values print as their Java objects' toString: TIMESTAMP as LocalDateTime
// (with 'T', seconds and fraction only when not zero, fraction in groups of
// three digits), TIMESTAMP_LTZ as Instant (UTC, 'Z'), booleans lower-case,
// doubles as Double.toString, BYTES as a Java byte array, NULL as null.
package print

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// Name is the connector name.
const Name = "print"

// Register adds the 'print' connector (a sink) to r. Rows go to w (standard
// output when nil); 'standard-error' = 'true' sends a table's rows to
// standard error instead, unless w is a writer other than os.Stdout (tests
// capture both in w). Writes from several sinks to w do not interleave
// within a batch.
func Register(r *engine.Registry, w io.Writer) {
	out, errOut := io.Writer(os.Stdout), io.Writer(os.Stderr)
	if w != nil && w != io.Writer(os.Stdout) {
		out, errOut = w, w
	}
	lo := &lockedWriter{w: out}
	le := lo
	if errOut != out {
		le = &lockedWriter{w: errOut}
	}
	r.Register(&engine.Connector{
		Name: Name,
		Sink: func(spec *engine.TableSpec) (engine.Sink, error) {
			return NewSink(spec, lo, le)
		},
		Options:    []string{"connector", "print-identifier", "standard-error", "sink.parallelism"},
		Partitions: true,
		Validate:   func(spec *engine.TableSpec) error { _, err := parseOptions(spec); return err },
		// Flink's print sink prints every change with its kind.
		SinkChanges: engine.AllChanges,
	})
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// Sink prints rows. Methods are called from one goroutine.
type Sink struct {
	w      io.Writer
	prefix string
	buf    []byte
}

var _ engine.Sink = (*Sink)(nil)

func parseOptions(spec *engine.TableSpec) (stderr bool, err error) {
	if v, ok := spec.Option("standard-error"); ok {
		stderr, err = strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return false, fmt.Errorf("print table '%s': 'standard-error' must be true or false, not '%s'", spec.Name, v)
		}
	}
	return stderr, nil
}

// NewSink builds a print sink writing to out, or to errOut with
// 'standard-error' = 'true'.
func NewSink(spec *engine.TableSpec, out, errOut io.Writer) (*Sink, error) {
	stderr, err := parseOptions(spec)
	if err != nil {
		return nil, err
	}
	s := &Sink{w: out}
	if stderr {
		s.w = errOut
	}
	if id := spec.OptionOr("print-identifier", ""); id != "" {
		s.prefix = id + "> "
	}
	return s, nil
}

// Write prints recs, one line each, with a single write to the output.
func (s *Sink) Write(_ context.Context, recs []engine.Rec) error {
	b := s.buf[:0]
	for i := range recs {
		b = append(b, s.prefix...)
		b = AppendRow(b, recs[i].Kind, recs[i].Row)
		b = append(b, '\n')
	}
	s.buf = b
	if len(b) == 0 {
		return nil
	}
	_, err := s.w.Write(b)
	return err
}

// Flush does nothing: Write has already written.
func (s *Sink) Flush(context.Context) error { return nil }

// Close does nothing.
func (s *Sink) Close() error { return nil }

// AppendRow appends a row as Flink's Row.toString prints it: "+I[a, b]".
func AppendRow(b []byte, kind engine.RowKind, row types.Row) []byte {
	b = append(b, kind.String()...)
	b = append(b, '[')
	for i, v := range row {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = AppendValue(b, v)
	}
	return append(b, ']')
}

// AppendValue appends v as the Java object Flink converts it to prints.
func AppendValue(b []byte, v types.Value) []byte {
	switch v.K {
	case types.Null:
		return append(b, "null"...)
	case types.Boolean:
		return strconv.AppendBool(b, v.I != 0)
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		return strconv.AppendInt(b, v.I, 10)
	case types.Float:
		return append(b, types.FormatFloat(v.Float(), 32)...)
	case types.Double:
		return append(b, types.FormatFloat(v.Float(), 64)...)
	case types.Decimal:
		return appendBigDecimal(b, v.I, int(v.Scale))
	case types.String:
		return append(b, v.S...)
	case types.Bytes:
		b = append(b, '[')
		for i := 0; i < len(v.S); i++ {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = strconv.AppendInt(b, int64(int8(v.S[i])), 10)
		}
		return append(b, ']')
	case types.Date:
		return append(b, types.FormatDate(v.I)...)
	case types.Time:
		return appendLocalTime(b, v.I, false)
	case types.Timestamp:
		days, rem := divFloor(v.I, types.MicrosPerDay)
		b = append(b, types.FormatDate(days)...)
		b = append(b, 'T')
		return appendLocalTime(b, rem, false)
	case types.TimestampLTZ:
		days, rem := divFloor(v.I, types.MicrosPerDay)
		b = append(b, types.FormatDate(days)...)
		b = append(b, 'T')
		b = appendLocalTime(b, rem, true)
		return append(b, 'Z')
	case types.IntervalDayTime:
		return appendDuration(b, v.I)
	case types.IntervalYearMonth:
		return appendPeriod(b, v.I)
	case types.Array:
		b = append(b, '[')
		for i, e := range v.Elems() {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = AppendValue(b, e)
		}
		return append(b, ']')
	case types.Map:
		b = append(b, '{')
		if m := v.MapVal(); m != nil {
			for i := range m.Keys {
				if i > 0 {
					b = append(b, ", "...)
				}
				b = AppendValue(b, m.Keys[i])
				b = append(b, '=')
				b = AppendValue(b, m.Vals[i])
			}
		}
		return append(b, '}')
	case types.Struct:
		return AppendRow(b, engine.Insert, v.Elems())
	}
	return append(b, v.String()...)
}

func divFloor(a, b int64) (q, r int64) {
	q, r = a/b, a%b
	if r < 0 {
		q--
		r += b
	}
	return q, r
}

// appendLocalTime prints micros of day as java.time.LocalTime.toString:
// HH:mm, then :ss unless seconds and fraction are zero, then the fraction
// in groups of three digits. seconds forces :ss (Instant.toString always
// prints them).
func appendLocalTime(b []byte, us int64, seconds bool) []byte {
	secs, frac := us/types.MicrosPerSecond, us%types.MicrosPerSecond
	b = append2(b, secs/3600)
	b = append(b, ':')
	b = append2(b, secs/60%60)
	if !seconds && secs%60 == 0 && frac == 0 {
		return b
	}
	b = append(b, ':')
	b = append2(b, secs%60)
	switch {
	case frac == 0:
	case frac%1000 == 0:
		b = append(b, '.')
		b = appendPadded(b, frac/1000, 3)
	default:
		b = append(b, '.')
		b = appendPadded(b, frac, 6)
	}
	return b
}

func append2(b []byte, v int64) []byte { return appendPadded(b, v, 2) }

func appendPadded(b []byte, v int64, width int) []byte {
	s := strconv.FormatInt(v, 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// appendBigDecimal prints an unscaled value and scale as
// java.math.BigDecimal.toString does (plain unless the exponent is small).
func appendBigDecimal(b []byte, unscaled int64, scale int) []byte {
	digits := strconv.FormatInt(unscaled, 10)
	neg := strings.HasPrefix(digits, "-")
	digits = strings.TrimPrefix(digits, "-")
	adjusted := len(digits) - 1 - scale
	if scale >= 0 && adjusted >= -6 {
		return append(b, types.FormatDecimal(unscaled, scale)...)
	}
	if neg {
		b = append(b, '-')
	}
	b = append(b, digits[0])
	if len(digits) > 1 {
		b = append(b, '.')
		b = append(b, digits[1:]...)
	}
	b = append(b, 'E')
	if adjusted >= 0 {
		b = append(b, '+')
	}
	return strconv.AppendInt(b, int64(adjusted), 10)
}

// appendDuration prints micros as java.time.Duration.toString: PT1H2M3.5S.
func appendDuration(b []byte, us int64) []byte {
	if us == 0 {
		return append(b, "PT0S"...)
	}
	b = append(b, "PT"...)
	neg := us < 0
	if neg {
		us = -us
	}
	sign := ""
	if neg {
		sign = "-"
	}
	h, rem := us/(3600*types.MicrosPerSecond), us%(3600*types.MicrosPerSecond)
	m, rem := rem/(60*types.MicrosPerSecond), rem%(60*types.MicrosPerSecond)
	if h != 0 {
		b = append(b, sign...)
		b = strconv.AppendInt(b, h, 10)
		b = append(b, 'H')
	}
	if m != 0 {
		b = append(b, sign...)
		b = strconv.AppendInt(b, m, 10)
		b = append(b, 'M')
	}
	if rem != 0 {
		b = append(b, sign...)
		b = strconv.AppendInt(b, rem/types.MicrosPerSecond, 10)
		if f := rem % types.MicrosPerSecond; f != 0 {
			frac := strings.TrimRight(fmt.Sprintf("%06d", f), "0")
			b = append(b, '.')
			b = append(b, frac...)
		}
		b = append(b, 'S')
	}
	return b
}

// appendPeriod prints months as java.time.Period.toString (normalized):
// P1Y2M, P0D for zero.
func appendPeriod(b []byte, months int64) []byte {
	if months == 0 {
		return append(b, "P0D"...)
	}
	b = append(b, 'P')
	if y := months / 12; y != 0 {
		b = strconv.AppendInt(b, y, 10)
		b = append(b, 'Y')
	}
	if m := months % 12; m != 0 {
		b = strconv.AppendInt(b, m, 10)
		b = append(b, 'M')
	}
	return b
}
