package expr

import (
	"math"
	"sort"
	"strings"

	"github.com/tumble/tumble/engine/types"
)

// Array and map functions. Elements compare by value (sqlEqual): NULL
// equals NULL, numbers of different kinds compare as numbers, arrays and
// maps by content.

func registerCollectionFuncs() {
	register("ARRAY_LENGTH", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		return types.TInt, func(a []types.Value) types.Value {
			return types.IntV(int64(len(a[0].Elems())))
		}, checkSig(env, "ARRAY_LENGTH", args, 1, isArr)
	}})
	register("CARDINALITY", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		return types.TInt, func(a []types.Value) types.Value {
			if m := a[0].MapVal(); m != nil {
				return types.IntV(int64(len(m.Keys)))
			}
			return types.IntV(int64(len(a[0].Elems())))
		}, checkSig(env, "CARDINALITY", args, 1, func(t types.Type) bool { return isArr(t) || isMap(t) })
	}})
	register("ELEMENT", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "ELEMENT", args, 1, isArr); err != nil {
			return types.Type{}, nil, err
		}
		return elemOf(args[0].Type()).Nullable(), func(a []types.Value) types.Value {
			e := a[0].Elems()
			switch len(e) {
			case 0:
				return types.NullValue
			case 1:
				return e[0]
			}
			Fail("ELEMENT: the array has more than one element")
			return types.NullValue
		}, nil
	}})
	register("ARRAY_CONTAINS", arrayContains(false))
	registerVariant(ArrayContainsNotNull, arrayContains(true))
	register("ARRAY_POSITION", &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
		return types.TInt, func(a []types.Value) types.Value {
			if a[0].IsNull() {
				return types.NullValue
			}
			for i, e := range a[0].Elems() {
				if sqlEqual(e, a[1]) {
					return types.IntV(int64(i + 1))
				}
			}
			return types.IntV(0)
		}, checkSig(env, "ARRAY_POSITION", args, 2, isArr, isAny)
	}})
	register("ARRAY_DISTINCT", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "ARRAY_DISTINCT", args, 1, isArr); err != nil {
			return types.Type{}, nil, err
		}
		return args[0].Type().Nullable(), func(a []types.Value) types.Value {
			s := newKeyedSet()
			for _, e := range a[0].Elems() {
				s.add(e)
			}
			return types.ArrayV(nonNil(s.vals))
		}, nil
	}})
	register("ARRAY_REVERSE", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "ARRAY_REVERSE", args, 1, isArr); err != nil {
			return types.Type{}, nil, err
		}
		return args[0].Type().Nullable(), func(a []types.Value) types.Value {
			e := a[0].Elems()
			out := make([]types.Value, len(e))
			for i, x := range e {
				out[len(e)-1-i] = x
			}
			return types.ArrayV(out)
		}, nil
	}})
	setOp := func(name string, op func(x, y []types.Value) []types.Value) {
		register(name, &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
			rt, convs, err := commonArray(env, name, args)
			if err != nil {
				return types.Type{}, nil, err
			}
			return rt, func(a []types.Value) types.Value {
				return types.ArrayV(nonNil(op(convElems(a[0], convs[0]), convElems(a[1], convs[1]))))
			}, nil
		}})
	}
	setOp("ARRAY_EXCEPT", func(x, y []types.Value) []types.Value {
		ex := newKeyedSet()
		for _, e := range y {
			ex.add(e)
		}
		out := newKeyedSet()
		for _, e := range x {
			if !ex.has(e) {
				out.add(e)
			}
		}
		return out.vals
	})
	setOp("ARRAY_INTERSECT", func(x, y []types.Value) []types.Value {
		in := newKeyedSet()
		for _, e := range y {
			in.add(e)
		}
		out := newKeyedSet()
		for _, e := range x {
			if in.has(e) {
				out.add(e)
			}
		}
		return out.vals
	})
	setOp("ARRAY_UNION", func(x, y []types.Value) []types.Value {
		out := newKeyedSet()
		for _, e := range x {
			out.add(e)
		}
		for _, e := range y {
			out.add(e)
		}
		return out.vals
	})
	register("ARRAY_CONCAT", &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
		rt, convs, err := commonArray(env, "ARRAY_CONCAT", args)
		if err != nil {
			return types.Type{}, nil, err
		}
		return rt, func(a []types.Value) types.Value {
			if a[0].IsNull() && a[1].IsNull() {
				return types.NullValue
			}
			out := append(convElems(a[0], convs[0]), convElems(a[1], convs[1])...)
			return types.ArrayV(nonNil(out))
		}, nil
	}})
	register("ARRAY_REMOVE", &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "ARRAY_REMOVE", args, 2, isArr, isAny); err != nil {
			return types.Type{}, nil, err
		}
		return args[0].Type().Nullable(), func(a []types.Value) types.Value {
			if a[0].IsNull() {
				return types.NullValue
			}
			out := []types.Value{}
			for _, e := range a[0].Elems() {
				if !sqlEqual(e, a[1]) {
					out = append(out, e)
				}
			}
			return types.ArrayV(out)
		}, nil
	}})
	register("ARRAY_JOIN", &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "ARRAY_JOIN", args, 1, isArr, isStr); err != nil {
			return types.Type{}, nil, err
		}
		et := elemOf(args[0].Type())
		if et.Kind == types.Array || et.Kind == types.Map || et.Kind == types.Struct {
			return types.Type{}, nil, argErr(env, "ARRAY_JOIN", args)
		}
		return types.TString, func(a []types.Value) types.Value {
			if a[0].IsNull() {
				return types.NullValue
			}
			sep := ","
			if len(a) > 1 {
				sep = a[1].S // NULL joins with nothing
			}
			e := a[0].Elems()
			parts := make([]string, len(e))
			for i, x := range e {
				parts[i] = javaText(x, et)
			}
			return types.StringV(strings.Join(parts, sep))
		}, nil
	}})
	extreme := func(name string, sign int) {
		register(name, &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
			if err := checkSig(env, name, args, 1, isArr); err != nil {
				return types.Type{}, nil, err
			}
			return elemOf(args[0].Type()).Nullable(), func(a []types.Value) types.Value {
				best := types.NullValue
				for _, e := range a[0].Elems() {
					if e.IsNull() {
						continue
					}
					if best.IsNull() || types.Compare(e, best)*sign > 0 {
						best = e
					}
				}
				return best
			}, nil
		}})
	}
	extreme("ARRAY_MAX", 1)
	extreme("ARRAY_MIN", -1)
	register("ARRAY_SORT", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "ARRAY_SORT", args, 1, isArr, isStr); err != nil {
			return types.Type{}, nil, err
		}
		return args[0].Type().Nullable(), func(a []types.Value) types.Value {
			desc := false
			if len(a) > 1 {
				switch strings.ToUpper(a[1].S) {
				case "ASC":
				case "DESC":
					desc = true
				default:
					return types.NullValue
				}
			}
			out := append([]types.Value{}, a[0].Elems()...)
			sort.SliceStable(out, func(i, j int) bool {
				x, y := out[i], out[j]
				switch {
				case x.IsNull():
					return false
				case y.IsNull():
					return true
				case desc:
					return types.Compare(x, y) > 0
				}
				return types.Compare(x, y) < 0
			})
			return types.ArrayV(out)
		}, nil
	}})
	register("SLICE,ARRAY_SLICE", &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "SLICE", args, 2, isArr, isInt, isInt); err != nil {
			return types.Type{}, nil, err
		}
		return args[0].Type().Nullable(), func(a []types.Value) types.Value {
			if a[0].IsNull() {
				return types.NullValue
			}
			e := a[0].Elems()
			start, end := int64(0), int64(len(e))
			if !a[1].IsNull() {
				start = a[1].Int() - 1
			}
			if len(a) > 2 && !a[2].IsNull() {
				end = a[2].Int()
			}
			if start < 0 || end > int64(len(e)) || start > end {
				return types.NullValue
			}
			return types.ArrayV(append([]types.Value{}, e[start:end]...))
		}, nil
	}})
	register("GENERATE_SERIES", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "GENERATE_SERIES", args, 2, isInt, isInt, isInt); err != nil {
			return types.Type{}, nil, err
		}
		k := types.Int
		if args[0].Type().Kind == types.BigInt || args[1].Type().Kind == types.BigInt {
			k = types.BigInt
		}
		return types.ArrayOf(types.Type{Kind: k}), func(a []types.Value) types.Value {
			from, to, step := a[0].Int(), a[1].Int(), int64(1)
			if len(a) > 2 {
				step = a[2].Int()
			}
			if step == 0 || (to-from)/step > 1<<20 {
				return types.NullValue
			}
			out := []types.Value{}
			for x := from; (step > 0 && x <= to) || (step < 0 && x >= to); x += step {
				out = append(out, types.IntOf(k, x))
			}
			return types.ArrayV(out)
		}, nil
	}})
	register("AS_MAP", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "AS_MAP", args, 2, isArr, isArr); err != nil {
			return types.Type{}, nil, err
		}
		kt := elemOf(args[0].Type())
		if !isStr(kt) {
			return types.Type{}, nil, argErr(env, "AS_MAP", args)
		}
		return types.MapOf(types.TString, elemOf(args[1].Type()).Nullable()), func(a []types.Value) types.Value {
			keys, vals := a[0].Elems(), a[1].Elems()
			m := &types.MapValue{}
			for i, k := range keys {
				v := types.NullValue
				if i < len(vals) {
					v = vals[i]
				}
				mapPut(m, k, v)
			}
			return types.MapV(m)
		}, nil
	}})
	register("ELT", &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if len(args) < 1 || !isInt(args[0].Type()) {
			return types.Type{}, nil, argErr(env, "ELT", args)
		}
		for _, x := range args[1:] {
			if !isStr(x.Type()) {
				return types.Type{}, nil, argErr(env, "ELT", args)
			}
		}
		return types.TString, func(a []types.Value) types.Value {
			if a[0].IsNull() {
				return types.NullValue
			}
			n := a[0].Int()
			if n < 1 || n >= int64(len(a)) {
				return types.NullValue
			}
			return a[n]
		}, nil
	}})
	register("FIELD", &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
		for _, x := range args {
			if !isStr(x.Type()) {
				return types.Type{}, nil, argErr(env, "FIELD", args)
			}
		}
		if len(args) < 1 {
			return types.Type{}, nil, argErr(env, "FIELD", args)
		}
		return types.Type{Kind: types.Int, NotNull: true}, func(a []types.Value) types.Value {
			if a[0].IsNull() {
				return types.IntV(0)
			}
			for i, x := range a[1:] {
				if !x.IsNull() && x.S == a[0].S {
					return types.IntV(int64(i + 1))
				}
			}
			return types.IntV(0)
		}, nil
	}})
	register("MAP_KEYS", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "MAP_KEYS", args, 1, isMap); err != nil {
			return types.Type{}, nil, err
		}
		return types.ArrayOf(keyOf(args[0].Type()).Nullable()), func(a []types.Value) types.Value {
			m := a[0].MapVal()
			if m == nil {
				return types.ArrayV([]types.Value{})
			}
			return types.ArrayV(append([]types.Value{}, m.Keys...))
		}, nil
	}})
	register("MAP_VALUES", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "MAP_VALUES", args, 1, isMap); err != nil {
			return types.Type{}, nil, err
		}
		return types.ArrayOf(elemOf(args[0].Type()).Nullable()), func(a []types.Value) types.Value {
			m := a[0].MapVal()
			if m == nil {
				return types.ArrayV([]types.Value{})
			}
			return types.ArrayV(append([]types.Value{}, m.Vals...))
		}, nil
	}})
	register("MAP_UNION", &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if len(args) < 2 {
			return types.Type{}, nil, argErr(env, "MAP_UNION", args)
		}
		kts, vts := make([]types.Type, len(args)), make([]types.Type, len(args))
		for i, x := range args {
			if !isMap(x.Type()) {
				return types.Type{}, nil, argErr(env, "MAP_UNION", args)
			}
			kts[i], vts[i] = keyOf(x.Type()), elemOf(x.Type())
		}
		kt, ok1 := CommonType(kts...)
		vt, ok2 := CommonType(vts...)
		if !ok1 || !ok2 {
			return types.Type{}, nil, argErr(env, "MAP_UNION", args)
		}
		return types.MapOf(kt.Nullable(), vt.Nullable()), func(a []types.Value) types.Value {
			var out *types.MapValue
			for _, v := range a {
				m := v.MapVal()
				if m == nil {
					continue
				}
				if out == nil {
					out = &types.MapValue{}
				}
				for i := range m.Keys {
					mapPut(out, m.Keys[i], m.Vals[i])
				}
			}
			if out == nil {
				return types.NullValue
			}
			return types.MapV(out)
		}, nil
	}})
	register("ENTRIES,MAP_ENTRIES", mapEntries("key", "value"))
	registerVariant(EntriesUpperNames, mapEntries("K", "V"), "ENTRIES", "MAP_ENTRIES")
	simple("GEO_DISTANCE", types.TDouble, func(a []types.Value) types.Value {
		// The haversine great-circle distance, computed in ksqlDB's order
		// of operations so that the last digits agree.
		radius := 6371.0
		if len(a) > 4 && !a[4].IsNull() {
			switch strings.ToLower(strings.TrimSpace(a[4].S)) {
			case "", "km", "kilometer", "kilometers", "kilometre", "kilometres":
			case "mi", "mile", "miles":
				radius = 3959.0
			default:
				return types.NullValue
			}
		}
		lat1, lon1, lat2, lon2 := a[0].Float(), a[1].Float(), a[2].Float(), a[3].Float()
		if lat1 < -90 || lat2 < -90 || lat1 > 90 || lat2 > 90 || lon1 < -180 || lon2 < -180 || lon1 > 180 || lon2 > 180 {
			return types.NullValue
		}
		const toRadians = 0.017453292519943295 // Java's Math.toRadians factor
		haversin := func(x float64) float64 { s := math.Sin(x / 2); return s * s }
		h := haversin((lat2-lat1)*toRadians) + haversin((lon2-lon1)*toRadians)*math.Cos(lat1*toRadians)*math.Cos(lat2*toRadians)
		return types.DoubleV(2 * math.Asin(math.Sqrt(h)) * radius)
	}, 4, isNum, isNum, isNum, isNum, isStr)
}

// commonArray checks two array arguments and returns the array type of
// their common element type and the element converters.
func commonArray(env *Env, name string, args []Expr) (types.Type, [2]func(types.Value) types.Value, error) {
	var convs [2]func(types.Value) types.Value
	if err := checkSig(env, name, args, 2, isArr, isArr); err != nil {
		return types.Type{}, convs, err
	}
	e0, e1 := elemOf(args[0].Type()), elemOf(args[1].Type())
	et, ok := CommonType(e0, e1)
	if !ok {
		return types.Type{}, convs, argErr(env, name, args)
	}
	et = et.Nullable()
	convs[0], convs[1] = converter(e0, et, env), converter(e1, et, env)
	return types.ArrayOf(et), convs, nil
}

func convElems(v types.Value, conv func(types.Value) types.Value) []types.Value {
	e := v.Elems()
	out := make([]types.Value, len(e))
	for i, x := range e {
		out[i] = conv(x)
	}
	return out
}

// nonNil makes an empty result an empty array rather than a nil slice.
func nonNil(v []types.Value) []types.Value {
	if v == nil {
		return []types.Value{}
	}
	return v
}

// arrayContains is ARRAY_CONTAINS(arr, x); notNull makes a NULL array
// FALSE (ksqlDB) rather than NULL.
func arrayContains(notNull bool) *funcDef {
	return &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "ARRAY_CONTAINS", args, 2, isArr, isAny); err != nil {
			return types.Type{}, nil, err
		}
		if !Comparable(elemOf(args[0].Type()), args[1].Type()) {
			return types.Type{}, nil, argErr(env, "ARRAY_CONTAINS", args)
		}
		rt := types.TBool
		if notNull {
			rt.NotNull = true
		}
		return rt, func(a []types.Value) types.Value {
			if a[0].IsNull() {
				if notNull {
					return types.BoolV(false)
				}
				return types.NullValue
			}
			for _, e := range a[0].Elems() {
				if sqlEqual(e, a[1]) {
					return types.BoolV(true)
				}
			}
			return types.BoolV(false)
		}, nil
	}}
}

// mapEntries is ENTRIES(map[, sorted]): an array of (key, value) rows
// whose fields are named key and value.
func mapEntries(key, value string) *funcDef {
	return &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "ENTRIES", args, 1, isMap, isBool); err != nil {
			return types.Type{}, nil, err
		}
		kt, vt := keyOf(args[0].Type()).Nullable(), elemOf(args[0].Type()).Nullable()
		names := [2]string{key, value}
		rt := types.ArrayOf(types.Type{Kind: types.Struct, Fields: []types.Field{{Name: names[0], Type: kt}, {Name: names[1], Type: vt}}})
		return rt, func(a []types.Value) types.Value {
			m := a[0].MapVal()
			out := []types.Value{}
			if m != nil {
				for i := range m.Keys {
					out = append(out, types.StructV([]types.Value{m.Keys[i], m.Vals[i]}))
				}
			}
			if len(a) > 1 && a[1].Bool() {
				sort.SliceStable(out, func(i, j int) bool {
					return types.Compare(out[i].Elems()[0], out[j].Elems()[0]) < 0
				})
			}
			return types.ArrayV(out)
		}, nil
	}}
}
