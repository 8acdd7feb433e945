// Package datagen owns generated data: Flink's 'datagen' connector (a
// source of random or sequential rows) and the producers that write the
// seed workload's transactions to Kafka (ProduceTransactions for the demo,
// ProduceSeedBulk for benchmarks).
package datagen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/brianvoe/gofakeit/v6"

	"github.com/tumble/tumble/connectors/format"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// Name is the connector name.
const Name = "datagen"

// Register adds the 'datagen' connector (a source) to r.
func Register(r *engine.Registry) {
	r.Register(&engine.Connector{
		Name:     Name,
		Source:   func(spec *engine.TableSpec) (engine.Source, error) { return NewSource(spec) },
		Options:  []string{"connector", "rows-per-second", "number-of-rows", "scan.parallelism", "fields.*"},
		Validate: func(spec *engine.TableSpec) error { _, err := NewSource(spec); return err },
	})
}

// ErrOption is wrapped by errors about a datagen table's options.
var ErrOption = errors.New("invalid datagen table option")

const (
	defaultRate   = 10000
	defaultLength = 100
	maxBatch      = 8192
	idleWait      = 200 * time.Millisecond
)

// Source generates rows at 'rows-per-second' (default 10000), forever or
// 'number-of-rows' (or a sequence field's range) in total. It has one split,
// 0, whose position is the number of rows produced, so Open can resume.
// Poll is called from one goroutine.
type Source struct {
	spec  *engine.TableSpec
	gens  []generator
	rate  float64
	limit int64 // -1: unbounded

	faker    *gofakeit.Faker
	now      func() time.Time
	produced int64
	openAt   time.Time
	openN    int64
	opened   bool

	arena []types.Value
	recs  []engine.Rec
	batch [1]engine.SplitBatch
}

var _ engine.Source = (*Source)(nil)

// NewSource checks the options and builds the generators.
func NewSource(spec *engine.TableSpec) (*Source, error) {
	s := &Source{spec: spec, rate: defaultRate, limit: -1, faker: gofakeit.New(0), now: time.Now}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: table '%s': %s", ErrOption, spec.Name, fmt.Sprintf(format, args...))
	}
	if v, ok := spec.Option("rows-per-second"); ok {
		r, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || r <= 0 || math.IsInf(r, 0) {
			return nil, bad("'rows-per-second' must be a positive number, not '%s'", v)
		}
		s.rate = r
	}
	if v, ok := spec.Option("number-of-rows"); ok {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil || n < 0 {
			return nil, bad("'number-of-rows' must be a non-negative number, not '%s'", v)
		}
		s.limit = n
	}
	byName := map[string]int{}
	for i, c := range spec.Columns {
		if c.Metadata != "" {
			return nil, bad("column '%s': the datagen connector has no metadata", c.Name)
		}
		byName[c.Name] = i
	}
	fieldOpts := make([]map[string]string, len(spec.Columns))
	for k, v := range spec.Options {
		rest, ok := strings.CutPrefix(k, "fields.")
		if !ok {
			continue
		}
		dot := strings.LastIndexByte(rest, '.')
		if dot < 0 {
			return nil, bad("option '%s' should be 'fields.<column>.<property>'", k)
		}
		name, prop := rest[:dot], rest[dot+1:]
		i, ok := byName[name]
		if !ok {
			return nil, bad("option '%s' names no column '%s'", k, name)
		}
		switch prop {
		case "kind", "min", "max", "max-past", "length", "var-len", "start", "end", "null-rate":
		default:
			return nil, bad("unknown option '%s' (properties: kind, min, max, max-past, length, var-len, start, end, null-rate)", k)
		}
		if fieldOpts[i] == nil {
			fieldOpts[i] = map[string]string{}
		}
		fieldOpts[i][prop] = v
	}
	for i, c := range spec.Columns {
		g, seqLen, err := newGenerator(c, fieldOpts[i])
		if err != nil {
			return nil, bad("%v", err)
		}
		if seqLen >= 0 && (s.limit < 0 || seqLen < s.limit) {
			s.limit = seqLen
		}
		s.gens = append(s.gens, g)
	}
	return s, nil
}

// Open starts generating; start[0], if present, is the number of rows
// already produced (the position a checkpoint stored).
func (s *Source) Open(ctx context.Context, start map[int32]int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if n, ok := start[0]; ok {
		if n < 0 {
			return fmt.Errorf("datagen '%s': negative start position %d", s.spec.Name, n)
		}
		s.produced = n
	}
	s.openAt, s.openN, s.opened = s.now(), s.produced, true
	return nil
}

// Splits returns the single split, 0.
func (s *Source) Splits() []int32 { return []int32{0} }

// Poll returns the rows due at 'rows-per-second' since Open (at most 8192).
// With none due it waits until one is, at most ~200 ms, or until ctx is
// done. It returns io.EOF once a bounded source produced all its rows.
// Rows are valid until the next Poll.
func (s *Source) Poll(ctx context.Context) ([]engine.SplitBatch, error) {
	if !s.opened {
		return nil, fmt.Errorf("datagen '%s': Poll before Open", s.spec.Name)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.limit >= 0 && s.produced >= s.limit {
		return nil, io.EOF
	}
	n := s.due()
	if n == 0 {
		wait := time.Duration(float64(time.Second) / s.rate)
		if wait > idleWait {
			wait = idleWait
		}
		if wait < time.Millisecond {
			wait = time.Millisecond
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		if n = s.due(); n == 0 {
			return nil, nil
		}
	}
	ncols := len(s.gens)
	if need := n * ncols; cap(s.arena) < need {
		s.arena = make([]types.Value, need)
	}
	if cap(s.recs) < n {
		s.recs = make([]engine.Rec, n)
	}
	recs := s.recs[:n]
	ts := s.now().UnixMilli()
	for r := 0; r < n; r++ {
		row := s.arena[r*ncols : (r+1)*ncols : (r+1)*ncols]
		idx := s.produced + int64(r)
		for c, g := range s.gens {
			g.next(s, idx, &row[c])
		}
		recs[r] = engine.Rec{Row: row, Ts: ts}
	}
	s.produced += int64(n)
	s.batch[0] = engine.SplitBatch{Split: 0, Recs: recs, Next: s.produced}
	return s.batch[:], nil
}

// due is how many rows the rate allows now.
func (s *Source) due() int {
	elapsed := s.now().Sub(s.openAt).Seconds()
	want := s.openN + int64(elapsed*s.rate)
	if want <= s.openN && s.produced == s.openN {
		want = s.openN + 1 // the first row right away
	}
	n := want - s.produced
	if s.limit >= 0 && s.produced+n > s.limit {
		n = s.limit - s.produced
	}
	if n > maxBatch {
		n = maxBatch
	}
	if n < 0 {
		n = 0
	}
	return int(n)
}

// Bounded reports whether the source ends ('number-of-rows' or a sequence
// field), so callers can wait for its io.EOF.
func (s *Source) Bounded() bool { return s.limit >= 0 }

// Close does nothing (no goroutines, no connections).
func (s *Source) Close() error { return nil }

// generator fills one column.
type generator interface {
	next(s *Source, row int64, out *types.Value)
}

// newGenerator builds a column's generator. seqLen is the number of values
// a sequence has (-1 for random).
func newGenerator(c engine.ColumnSpec, o map[string]string) (generator, int64, error) {
	kind := strings.ToLower(o["kind"])
	if kind == "" {
		kind = "random"
	}
	nullRate := 0.0
	if v, ok := o["null-rate"]; ok {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 1 {
			return nil, 0, fmt.Errorf("'fields.%s.null-rate' must be between 0 and 1, not '%s'", c.Name, v)
		}
		nullRate = f
	}
	switch kind {
	case "sequence":
		for _, k := range []string{"min", "max", "max-past", "length"} {
			if _, ok := o[k]; ok {
				return nil, 0, fmt.Errorf("'fields.%s.%s' does not apply to a sequence", c.Name, k)
			}
		}
		g, n, err := newSequence(c, o)
		if err != nil {
			return nil, 0, err
		}
		return withNulls(g, nullRate), n, nil
	case "random":
		for _, k := range []string{"start", "end"} {
			if _, ok := o[k]; ok {
				return nil, 0, fmt.Errorf("'fields.%s.%s' needs 'fields.%s.kind' = 'sequence'", c.Name, k, c.Name)
			}
		}
		g, err := newRandom(c.Name, c.Type, o)
		if err != nil {
			return nil, 0, err
		}
		return withNulls(g, nullRate), -1, nil
	}
	return nil, 0, fmt.Errorf("'fields.%s.kind' must be random or sequence, not '%s'", c.Name, kind)
}

func withNulls(g generator, rate float64) generator {
	if rate == 0 {
		return g
	}
	return nullable{g, rate}
}

type nullable struct {
	g    generator
	rate float64
}

func (n nullable) next(s *Source, row int64, out *types.Value) {
	if s.faker.Rand.Float64() < n.rate {
		*out = types.Value{}
		return
	}
	n.g.next(s, row, out)
}

// sequence yields start, start+1, ... end.
type sequence struct {
	kind  types.Kind
	scale int
	start int64
}

func newSequence(c engine.ColumnSpec, o map[string]string) (generator, int64, error) {
	sv, ok1 := o["start"]
	ev, ok2 := o["end"]
	if !ok1 || !ok2 {
		return nil, 0, fmt.Errorf("a sequence needs 'fields.%[1]s.start' and 'fields.%[1]s.end'", c.Name)
	}
	start, err1 := strconv.ParseInt(strings.TrimSpace(sv), 10, 64)
	end, err2 := strconv.ParseInt(strings.TrimSpace(ev), 10, 64)
	if err1 != nil || err2 != nil || end < start {
		return nil, 0, fmt.Errorf("'fields.%s.start' and '.end' must be integers with start <= end, not '%s', '%s'", c.Name, sv, ev)
	}
	k := c.Type.Kind
	switch {
	case k.IsInteger():
		r := intRange(k)
		if start < r[0] || end > r[1] {
			return nil, 0, fmt.Errorf("sequence %d..%d of column '%s' does not fit %s", start, end, c.Name, c.Type)
		}
	case k == types.String, k == types.Decimal, k == types.Float, k == types.Double:
	default:
		return nil, 0, fmt.Errorf("column '%s': a sequence cannot generate %s", c.Name, c.Type)
	}
	n := end - start + 1
	if n <= 0 { // overflow: practically unbounded
		n = math.MaxInt64
	}
	return sequence{kind: k, scale: c.Type.Scale, start: start}, n, nil
}

func (q sequence) next(s *Source, row int64, out *types.Value) {
	v := q.start + row
	switch q.kind {
	case types.String:
		*out = types.StringV(strconv.FormatInt(v, 10))
	case types.Float:
		*out = types.FloatV(float64(v))
	case types.Double:
		*out = types.DoubleV(float64(v))
	case types.Decimal:
		*out = types.DecimalV(v*types.Pow10(q.scale), q.scale)
	default:
		*out = types.Value{K: q.kind, I: v}
	}
}

func intRange(k types.Kind) [2]int64 {
	switch k {
	case types.TinyInt:
		return [2]int64{math.MinInt8, math.MaxInt8}
	case types.SmallInt:
		return [2]int64{math.MinInt16, math.MaxInt16}
	case types.Int:
		return [2]int64{math.MinInt32, math.MaxInt32}
	}
	return [2]int64{math.MinInt64, math.MaxInt64}
}

// random generates values of one type with gofakeit.
type random struct {
	t        types.Type
	min, max float64 // numeric bounds
	imin     int64
	imax     int64
	length   int
	varLen   bool
	maxPast  time.Duration
	elem     *random
	key      *random
	fields   []*random
}

func newRandom(name string, t types.Type, o map[string]string) (*random, error) {
	g := &random{t: t, length: defaultLength}
	if t.Kind == types.Array || t.Kind == types.Map {
		g.length = 3
	}
	if v, ok := o["length"]; ok {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			return nil, fmt.Errorf("'fields.%s.length' must be a non-negative integer, not '%s'", name, v)
		}
		g.length = n
	}
	if (t.Kind == types.String || t.Kind == types.Bytes) && t.Precision > 0 && g.length > t.Precision {
		g.length = t.Precision
	}
	if v, ok := o["var-len"]; ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("'fields.%s.var-len' must be true or false, not '%s'", name, v)
		}
		g.varLen = b
	}
	if v, ok := o["max-past"]; ok {
		d, err := format.ParseDuration(v)
		if err != nil {
			return nil, fmt.Errorf("'fields.%s.max-past': %v", name, err)
		}
		g.maxPast = d
	}
	k := t.Kind
	switch {
	case k.IsInteger():
		r := intRange(k)
		g.imin, g.imax = r[0], r[1]
		var err error
		if g.imin, err = intOpt(o, "min", name, g.imin, r); err != nil {
			return nil, err
		}
		if g.imax, err = intOpt(o, "max", name, g.imax, r); err != nil {
			return nil, err
		}
		if g.imin > g.imax {
			return nil, fmt.Errorf("'fields.%s.min' is above '.max'", name)
		}
	case k == types.Float || k == types.Double || k == types.Decimal:
		g.min, g.max = math.SmallestNonzeroFloat64, math.MaxFloat64
		if k == types.Float {
			g.min, g.max = math.SmallestNonzeroFloat32, math.MaxFloat32
		}
		if k == types.Decimal {
			lim := math.Pow10(t.Precision-t.Scale) - math.Pow10(-t.Scale)
			if t.Precision == 0 {
				lim = math.Pow10(10)
			}
			g.min, g.max = -lim, lim
		}
		for _, p := range []struct {
			key string
			dst *float64
		}{{"min", &g.min}, {"max", &g.max}} {
			if v, ok := o[p.key]; ok {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil {
					return nil, fmt.Errorf("'fields.%s.%s' must be a number, not '%s'", name, p.key, v)
				}
				*p.dst = f
			}
		}
		if g.min > g.max {
			return nil, fmt.Errorf("'fields.%s.min' is above '.max'", name)
		}
	default:
		for _, key := range []string{"min", "max"} {
			if _, ok := o[key]; ok {
				return nil, fmt.Errorf("'fields.%s.%s' applies to numeric columns only", name, key)
			}
		}
	}
	switch k {
	case types.Array, types.Map:
		if t.Elem == nil || (k == types.Map && t.Key == nil) {
			return nil, fmt.Errorf("column '%s': incomplete type %s", name, t)
		}
		var err error
		if g.elem, err = newRandom(name, *t.Elem, nil); err != nil {
			return nil, err
		}
		if k == types.Map {
			if g.key, err = newRandom(name, *t.Key, nil); err != nil {
				return nil, err
			}
		}
	case types.Struct:
		for _, f := range t.Fields {
			fg, err := newRandom(name+"."+f.Name, f.Type, nil)
			if err != nil {
				return nil, err
			}
			g.fields = append(g.fields, fg)
		}
	case types.Null, types.IntervalYearMonth, types.IntervalDayTime:
		if k == types.Null {
			return nil, fmt.Errorf("column '%s': cannot generate type %s", name, t)
		}
	}
	return g, nil
}

func intOpt(o map[string]string, key, name string, def int64, r [2]int64) (int64, error) {
	v, ok := o[key]
	if !ok {
		return def, nil
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < r[0] || n > r[1] {
		return 0, fmt.Errorf("'fields.%s.%s' must be an integer in [%d, %d], not '%s'", name, key, r[0], r[1], v)
	}
	return n, nil
}

const hexDigits = "0123456789abcdef"

func (g *random) next(s *Source, _ int64, out *types.Value) {
	*out = g.value(s)
}

func (g *random) value(s *Source) types.Value {
	f := s.faker
	switch k := g.t.Kind; k {
	case types.Boolean:
		return types.BoolV(f.Bool())
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		return types.Value{K: k, I: int64(f.IntRange(int(g.imin), int(g.imax)))}
	case types.Float:
		return types.FloatV(f.Float64Range(g.min, g.max))
	case types.Double:
		return types.DoubleV(f.Float64Range(g.min, g.max))
	case types.Decimal:
		v := f.Float64Range(g.min, g.max)
		return types.DecimalV(int64(math.Round(v*math.Pow10(g.t.Scale))), g.t.Scale)
	case types.String:
		n := g.size(f)
		b := make([]byte, n)
		for i := range b {
			b[i] = hexDigits[f.IntRange(0, 15)]
		}
		return types.StringV(string(b))
	case types.Bytes:
		n := g.size(f)
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(f.Uint32())
		}
		return types.BytesV(b)
	case types.Timestamp, types.TimestampLTZ:
		now := s.now()
		if g.maxPast > 0 {
			now = now.Add(-time.Duration(f.IntRange(0, int(g.maxPast))))
		}
		us := now.UnixMicro()
		if k == types.Timestamp {
			us = types.ToWallClock(us, time.Local)
		}
		return types.Value{K: k, I: us}
	case types.Date:
		wall := types.ToWallClock(s.now().UnixMicro(), time.Local)
		days := wall / types.MicrosPerDay
		if g.maxPast > 0 {
			days -= int64(f.IntRange(0, int(g.maxPast/(24*time.Hour))))
		}
		return types.DateV(days)
	case types.Time:
		return types.TimeV(int64(f.IntRange(0, types.MicrosPerDay/types.MicrosPerMilli-1)) * types.MicrosPerMilli)
	case types.IntervalDayTime:
		return types.IntervalV(int64(f.IntRange(0, 86400)) * types.MicrosPerSecond)
	case types.IntervalYearMonth:
		return types.MonthsV(int64(f.IntRange(0, 120)))
	case types.Array:
		elems := make([]types.Value, g.size(f))
		for i := range elems {
			elems[i] = g.elem.value(s)
		}
		return types.ArrayV(elems)
	case types.Map:
		n := g.size(f)
		m := &types.MapValue{}
		for i := 0; i < n; i++ {
			m.Keys = append(m.Keys, g.key.value(s))
			m.Vals = append(m.Vals, g.elem.value(s))
		}
		return types.MapV(m)
	case types.Struct:
		fs := make([]types.Value, len(g.fields))
		for i, fg := range g.fields {
			fs[i] = fg.value(s)
		}
		return types.StructV(fs)
	}
	return types.Value{}
}

func (g *random) size(f *gofakeit.Faker) int {
	if g.varLen && g.length > 0 {
		return f.IntRange(1, g.length)
	}
	return g.length
}
