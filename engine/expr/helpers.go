package expr

import (
	"encoding/binary"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/tumble/tumble/engine/types"
)

// Shared pieces of the function library: argument checks, value equality
// for collections, text renderings and zone lookups.

type impl = func([]types.Value) types.Value

func isInt(t types.Type) bool   { return t.Kind.IsInteger() || t.Kind == types.Null }
func isArr(t types.Type) bool   { return t.Kind == types.Array || t.Kind == types.Null }
func isMap(t types.Type) bool   { return t.Kind == types.Map || t.Kind == types.Null }
func isBytes(t types.Type) bool { return t.Kind == types.Bytes || t.Kind == types.Null }
func isBool(t types.Type) bool  { return t.Kind == types.Boolean || t.Kind == types.Null }
func isDate(t types.Type) bool  { return t.Kind == types.Date || t.Kind == types.Null }
func isTime(t types.Type) bool  { return t.Kind == types.Time || t.Kind == types.Null }
func isAny(types.Type) bool     { return true }
func isStrOrBytes(t types.Type) bool {
	return t.Kind == types.String || t.Kind == types.Bytes || t.Kind == types.Null
}

// elemOf returns the element type of an array type (NULL for a NULL
// literal).
func elemOf(t types.Type) types.Type {
	if t.Elem != nil {
		return *t.Elem
	}
	return types.TNull
}

func keyOf(t types.Type) types.Type {
	if t.Key != nil {
		return *t.Key
	}
	return types.TNull
}

// argErr is the planning error for arguments a function does not accept,
// worded as the dialect words it.
func argErr(env *Env, name string, args []Expr) error {
	if env.sem().Messages == MessagesKSQL {
		parts := make([]string, len(args))
		for i, a := range args {
			parts[i] = a.Type().KSQLString()
		}
		return typeErr("Function '%s' does not accept parameters (%s).", strings.ToLower(name), strings.Join(parts, ", "))
	}
	return typeErr("Cannot apply '%s' to arguments of type '%s(%s)'", name, name, argTypes(args))
}

// checkSig checks the arity (at least min, at most len(preds)) and the type
// of each argument.
func checkSig(env *Env, name string, args []Expr, min int, preds ...func(types.Type) bool) error {
	if len(args) < min || len(args) > len(preds) {
		return argErr(env, name, args)
	}
	for i, a := range args {
		if !preds[i](a.Type()) {
			return argErr(env, name, args)
		}
	}
	return nil
}

// simple registers a strict function of fixed argument predicates and
// result type.
func simple(name string, rt types.Type, fn impl, min int, preds ...func(types.Type) bool) {
	register(name, &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, firstName(name), args, min, preds...); err != nil {
			return types.Type{}, nil, err
		}
		return rt, fn, nil
	}})
}

func firstName(names string) string {
	n, _, _ := strings.Cut(names, ",")
	return strings.TrimSpace(n)
}

// sqlEqual compares two values for the collection functions: NULL equals
// NULL, numbers compare by value across kinds, arrays, rows and maps
// compare by content.
func sqlEqual(a, b types.Value) bool {
	if a.IsNull() || b.IsNull() {
		return a.IsNull() && b.IsNull()
	}
	switch {
	case a.K.IsNumeric() && b.K.IsNumeric():
		return types.Compare(a, b) == 0
	case a.K == types.Array || a.K == types.Struct:
		if b.K != a.K {
			return false
		}
		ea, eb := a.Elems(), b.Elems()
		if len(ea) != len(eb) {
			return false
		}
		for i := range ea {
			if !sqlEqual(ea[i], eb[i]) {
				return false
			}
		}
		return true
	case a.K == types.Map:
		if b.K != types.Map {
			return false
		}
		ma, mb := a.MapVal(), b.MapVal()
		if ma == nil || mb == nil {
			return ma == mb
		}
		if len(ma.Keys) != len(mb.Keys) {
			return false
		}
		for i, k := range ma.Keys {
			j := mapFind(mb, k)
			if j < 0 || !sqlEqual(ma.Vals[i], mb.Vals[j]) {
				return false
			}
		}
		return true
	case a.K == types.String || a.K == types.Bytes:
		return (b.K == types.String || b.K == types.Bytes) && a.S == b.S
	}
	return a.K == b.K && a.I == b.I
}

func mapFind(m *types.MapValue, k types.Value) int {
	for i, x := range m.Keys {
		if sqlEqual(x, k) {
			return i
		}
	}
	return -1
}

// canonKey appends a key such that two values have the same key exactly
// when sqlEqual holds (numbers of different kinds included).
func canonKey(b []byte, v types.Value) []byte {
	switch {
	case v.IsNull():
		return append(b, 0)
	case v.K.IsInteger():
		b = append(b, 'n')
		return canonNumber(b, v)
	case v.K == types.Float || v.K == types.Double || v.K == types.Decimal:
		b = append(b, 'n')
		return canonNumber(b, v)
	case v.K == types.String || v.K == types.Bytes:
		b = append(b, 's')
		b = binary.AppendUvarint(b, uint64(len(v.S)))
		return append(b, v.S...)
	case v.K == types.Array || v.K == types.Struct:
		b = append(b, byte(v.K))
		e := v.Elems()
		b = binary.AppendUvarint(b, uint64(len(e)))
		for _, x := range e {
			b = canonKey(b, x)
		}
		return b
	case v.K == types.Map:
		m := v.MapVal()
		b = append(b, 'm')
		if m == nil {
			return append(b, 0)
		}
		entries := make([]string, len(m.Keys))
		for i := range m.Keys {
			entries[i] = string(canonKey(canonKey(nil, m.Keys[i]), m.Vals[i]))
		}
		sort.Strings(entries)
		b = binary.AppendUvarint(b, uint64(len(entries)))
		for _, e := range entries {
			b = binary.AppendUvarint(b, uint64(len(e)))
			b = append(b, e...)
		}
		return b
	}
	b = append(b, byte(v.K))
	return binary.AppendVarint(b, v.I)
}

// canonNumber encodes a number by value: integers exactly, decimals with
// an integral value as integers, everything else as a float64.
func canonNumber(b []byte, v types.Value) []byte {
	switch v.K {
	case types.Float, types.Double:
		f := v.Float()
		if f == math.Trunc(f) && math.Abs(f) < 1<<62 {
			return binary.AppendVarint(append(b, 'i'), int64(f))
		}
		return binary.LittleEndian.AppendUint64(append(b, 'f'), math.Float64bits(f))
	case types.Decimal:
		d := types.Pow10(int(v.Scale))
		if v.I%d == 0 {
			return binary.AppendVarint(append(b, 'i'), v.I/d)
		}
		return binary.LittleEndian.AppendUint64(append(b, 'f'), math.Float64bits(v.Float()))
	}
	return binary.AppendVarint(append(b, 'i'), v.I)
}

// keyedSet is an insertion-ordered set of values.
type keyedSet struct {
	index map[string]bool
	vals  []types.Value
}

func newKeyedSet() *keyedSet { return &keyedSet{index: map[string]bool{}} }

func (s *keyedSet) has(v types.Value) bool { return s.index[string(canonKey(nil, v))] }

// add adds v and reports whether it was new.
func (s *keyedSet) add(v types.Value) bool {
	k := string(canonKey(nil, v))
	if s.index[k] {
		return false
	}
	s.index[k] = true
	s.vals = append(s.vals, v)
	return true
}

// converter converts values of type from to type to (identity when the
// kinds match); a value that does not convert becomes NULL.
func converter(from, to types.Type, env *Env) func(types.Value) types.Value {
	if from.Kind == to.Kind && (from.Kind != types.Decimal || from.Scale == to.Scale) {
		return func(v types.Value) types.Value { return v }
	}
	conv, err := Converter(from, to, env)
	if err != nil {
		return func(v types.Value) types.Value { return v }
	}
	return func(v types.Value) types.Value {
		if v.IsNull() {
			return v
		}
		out, ok := conv(v)
		if !ok {
			return types.NullValue
		}
		return out
	}
}

// javaText renders a value as ksqlDB's Java code prints it (String.valueOf):
// NULL is "null", booleans lower case.
func javaText(v types.Value, t types.Type) string {
	if v.IsNull() {
		return "null"
	}
	return ToText(v, t, TextJava)
}

// loadZone resolves a Java zone id (nil on failure).
func loadZone(id string) *time.Location {
	loc, err := types.LoadJavaZone(id)
	if err != nil {
		return nil
	}
	return loc
}
