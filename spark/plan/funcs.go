package plan

import (
	"math"
	"strings"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/spark/connect/pb"
	"google.golang.org/protobuf/encoding/protowire"
)

// unknownField returns the number of the first unknown field in raw (a
// relation or expression kind this protocol subset does not declare).
func unknownField(raw []byte) int {
	if len(raw) == 0 {
		return 0
	}
	n, _, l := protowire.ConsumeTag(raw)
	if l < 0 {
		return 0
	}
	return int(n)
}

// cast converts x to type to with Spark's (non-ANSI) rules: a value that
// cannot be converted is NULL; timestamps are read and written in the
// session time zone.
func (c *exprCtx) cast(x expr.Expr, to types.Type) (expr.Expr, error) {
	from := x.Type()
	loc := c.loc()
	if from.Kind == to.Kind && from.Kind != types.Decimal && from.Kind != types.Struct && from.Kind != types.Array && from.Kind != types.Map {
		return x, nil
	}
	if from.Kind == types.Null {
		return expr.NewConst(types.NullValue, to.Nullable()), nil
	}
	name := "CAST"
	switch {
	case to.Kind == types.String:
		switch from.Kind {
		case types.TimestampLTZ:
			return &fn{name: name, args: []expr.Expr{x}, t: types.TString, strict: true, eval: func(v []types.Value) types.Value {
				return types.StringV(formatTimestamp(v[0].I, loc))
			}}, nil
		case types.Timestamp:
			return &fn{name: name, args: []expr.Expr{x}, t: types.TString, strict: true, eval: func(v []types.Value) types.Value {
				return types.StringV(formatTimestamp(v[0].I, time0))
			}}, nil
		case types.Bytes:
			return &fn{name: name, args: []expr.Expr{x}, t: types.TString, strict: true, eval: func(v []types.Value) types.Value {
				return types.StringV(v[0].S)
			}}, nil
		case types.Double, types.Float:
			bits := 64
			if from.Kind == types.Float {
				bits = 32
			}
			return &fn{name: name, args: []expr.Expr{x}, t: types.TString, strict: true, eval: func(v []types.Value) types.Value {
				return types.StringV(types.FormatFloat(v[0].Float(), bits))
			}}, nil
		case types.Struct, types.Array, types.Map:
			return &fn{name: name, args: []expr.Expr{x}, t: types.TString, strict: true, eval: func(v []types.Value) types.Value {
				return types.StringV(showValue(v[0], from, loc))
			}}, nil
		}
	case to.Kind == types.Bytes && from.Kind == types.String:
		return &fn{name: name, args: []expr.Expr{x}, t: types.TBytes, strict: true, eval: func(v []types.Value) types.Value {
			return types.BytesV([]byte(v[0].S))
		}}, nil
	case (to.Kind == types.TimestampLTZ || to.Kind == types.Timestamp) && from.Kind == types.String:
		zone, k := loc, to.Kind
		if k == types.Timestamp {
			zone = time0
		}
		return &fn{name: name, args: []expr.Expr{x}, t: types.Type{Kind: k, Precision: 6}, strict: true, eval: func(v []types.Value) types.Value {
			us, ok := parseTimestamp(v[0].S, zone)
			if !ok {
				return types.NullValue
			}
			return types.Value{K: k, I: us}
		}}, nil
	case to.Kind.IsInteger() && (from.Kind == types.Double || from.Kind == types.Float):
		k := to.Kind
		lo, hi := intRange(k)
		return &fn{name: name, args: []expr.Expr{x}, t: types.Type{Kind: k}, strict: true, eval: func(v []types.Value) types.Value {
			f := math.Trunc(v[0].Float())
			if math.IsNaN(f) || f < float64(lo) || f > float64(hi) {
				return types.NullValue
			}
			return types.IntOf(k, int64(f))
		}}, nil
	}
	y, err := expr.NewCast(x, to.Nullable(), true, &expr.Env{Loc: loc})
	if err != nil {
		return nil, analysisErr("DATATYPE_MISMATCH.CAST_WITHOUT_SUGGESTION", "Cannot resolve \"CAST(%s AS %s)\" due to data type mismatch: cannot cast %q to %q.",
			x.String(), strings.ToUpper(TypeName(to)), strings.ToUpper(TypeName(from)), strings.ToUpper(TypeName(to)))
	}
	return y, nil
}

// coerce casts the operands of a comparison or arithmetic to one type as
// Spark does: numbers widen, a string meets the other side's type.
func (c *exprCtx) coerce(l, r expr.Expr) (expr.Expr, expr.Expr, error) {
	lt, rt := l.Type(), r.Type()
	var err error
	switch {
	case lt.Kind == rt.Kind:
	case lt.Kind == types.Null:
		l = expr.NewConst(types.NullValue, rt.Nullable())
	case rt.Kind == types.Null:
		r = expr.NewConst(types.NullValue, lt.Nullable())
	case lt.Kind == types.String && rt.Kind != types.String:
		l, err = c.cast(l, rt)
	case rt.Kind == types.String && lt.Kind != types.String:
		r, err = c.cast(r, lt)
	case lt.Kind.IsNumeric() && rt.Kind.IsNumeric():
		t, _ := expr.NumericResult(lt, rt)
		if l, err = c.cast(l, t); err == nil {
			r, err = c.cast(r, t)
		}
	case (lt.Kind == types.Timestamp || lt.Kind == types.Date) && rt.Kind == types.TimestampLTZ:
		l, err = c.cast(l, rt)
	case (rt.Kind == types.Timestamp || rt.Kind == types.Date) && lt.Kind == types.TimestampLTZ:
		r, err = c.cast(r, lt)
	}
	return l, r, err
}

var time0 = timeUTC()

// call translates a function call.
func (c *exprCtx) call(name string, args []*pb.Expression, distinct bool) (expr.Expr, string, error) {
	lname := strings.ToLower(name)
	if _, ok := aggregates[lname]; ok {
		return c.aggregate(lname, args, distinct)
	}
	if lname == "count_distinct" {
		return c.aggregate("count", args, true)
	}
	// struct(*) and struct(a.*) expand their stars.
	var xs []expr.Expr
	var names []string
	for _, a := range args {
		if lname == "struct" || lname == "named_struct" || lname == "concat" || lname == "coalesce" || lname == "array" {
			ys, ns, err := c.many(a)
			if err != nil {
				return nil, "", err
			}
			xs, names = append(xs, ys...), append(names, ns...)
			continue
		}
		x, n, err := c.one(a)
		if err != nil {
			return nil, "", err
		}
		xs, names = append(xs, x), append(names, n)
	}
	f, ok := scalars[lname]
	if !ok {
		return nil, "", analysisErr("UNRESOLVED_ROUTINE", "Cannot resolve routine %s on search path [`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`]; Tumble does not support this function.", quoteIdent(name))
	}
	return f(c, lname, xs, names)
}

type scalarFunc func(c *exprCtx, name string, xs []expr.Expr, names []string) (expr.Expr, string, error)

// scalars are the Spark functions Tumble translates.
var scalars = map[string]scalarFunc{}

func display(name string, names []string) string {
	return name + "(" + strings.Join(names, ", ") + ")"
}

func wantN(name string, xs []expr.Expr, lo, hi int) error {
	if len(xs) < lo || len(xs) > hi {
		return analysisErr("WRONG_NUM_ARGS.WITHOUT_SUGGESTION", "The `%s` requires %d parameters but the actual number is %d.", name, lo, len(xs))
	}
	return nil
}

func init() {
	binary := func(op, sym string) scalarFunc {
		return func(c *exprCtx, name string, xs []expr.Expr, names []string) (expr.Expr, string, error) {
			if err := wantN(name, xs, 2, 2); err != nil {
				return nil, "", err
			}
			l, r, err := c.coerce(xs[0], xs[1])
			if err != nil {
				return nil, "", err
			}
			disp := "(" + names[0] + " " + sym + " " + names[1] + ")"
			switch op {
			case "=", "<>", "<", "<=", ">", ">=":
				x, err := expr.NewCompare(op, l, r)
				if err != nil {
					return nil, "", analysisErr("DATATYPE_MISMATCH.BINARY_OP_DIFF_TYPES", "Cannot resolve %q due to data type mismatch: the left and right operands of the binary operator have incompatible types (%q and %q).",
						disp, strings.ToUpper(TypeName(xs[0].Type())), strings.ToUpper(TypeName(xs[1].Type())))
				}
				return x, disp, nil
			case "<=>":
				return &fn{name: "<=>", args: []expr.Expr{l, r}, t: types.TBool.WithNotNull(true), eval: func(v []types.Value) types.Value {
					if v[0].IsNull() || v[1].IsNull() {
						return types.BoolV(v[0].IsNull() && v[1].IsNull())
					}
					return types.BoolV(types.Equal(v[0], v[1]))
				}}, disp, nil
			case "/":
				if l.Type().Kind != types.Decimal {
					if l, err = c.cast(l, types.TDouble); err == nil {
						r, err = c.cast(r, types.TDouble)
					}
					if err != nil {
						return nil, "", err
					}
					// Division by zero is NULL (spark.sql.ansi.enabled=false).
					return &fn{name: "/", args: []expr.Expr{l, r}, t: types.TDouble, strict: true, eval: func(v []types.Value) types.Value {
						d := v[1].Float()
						if d == 0 {
							return types.NullValue
						}
						return types.DoubleV(v[0].Float() / d)
					}}, disp, nil
				}
			case "%":
				if l.Type().Kind.IsInteger() {
					t := l.Type().Nullable()
					return &fn{name: "%", args: []expr.Expr{l, r}, t: t, strict: true, eval: func(v []types.Value) types.Value {
						if v[1].I == 0 {
							return types.NullValue
						}
						return types.IntOf(t.Kind, v[0].I%v[1].I)
					}}, disp, nil
				}
			}
			x, err := expr.NewArith(op, l, r, &expr.Env{Loc: c.loc()})
			if err != nil {
				return nil, "", analysisErr("DATATYPE_MISMATCH.BINARY_OP_WRONG_TYPE", "Cannot resolve %q due to data type mismatch: the binary operator requires numeric input types, not %q and %q.",
					disp, strings.ToUpper(TypeName(xs[0].Type())), strings.ToUpper(TypeName(xs[1].Type())))
			}
			return x, disp, nil
		}
	}
	for op, sym := range map[string]string{"==": "=", "=": "=", "!=": "!=", "<>": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">=", "<=>": "<=>", "+": "+", "-": "-", "*": "*", "/": "/", "%": "%"} {
		tumbleOp := sym
		switch sym {
		case "!=":
			tumbleOp = "<>"
		}
		scalars[op] = binary(tumbleOp, sym)
	}
	scalars["and"] = func(c *exprCtx, name string, xs []expr.Expr, names []string) (expr.Expr, string, error) {
		if err := wantN(name, xs, 2, 2); err != nil {
			return nil, "", err
		}
		return &expr.And{Args: xs}, "(" + names[0] + " AND " + names[1] + ")", nil
	}
	scalars["or"] = func(c *exprCtx, name string, xs []expr.Expr, names []string) (expr.Expr, string, error) {
		if err := wantN(name, xs, 2, 2); err != nil {
			return nil, "", err
		}
		return &expr.Or{Args: xs}, "(" + names[0] + " OR " + names[1] + ")", nil
	}
	scalars["not"] = func(c *exprCtx, name string, xs []expr.Expr, names []string) (expr.Expr, string, error) {
		if err := wantN(name, xs, 1, 1); err != nil {
			return nil, "", err
		}
		return &expr.Not{X: xs[0]}, "(NOT " + names[0] + ")", nil
	}
	scalars["negative"] = func(c *exprCtx, name string, xs []expr.Expr, names []string) (expr.Expr, string, error) {
		if err := wantN(name, xs, 1, 1); err != nil {
			return nil, "", err
		}
		x, err := expr.NewNeg(xs[0])
		return x, "(- " + names[0] + ")", err
	}
	scalars["isnull"] = func(c *exprCtx, name string, xs []expr.Expr, names []string) (expr.Expr, string, error) {
		if err := wantN(name, xs, 1, 1); err != nil {
			return nil, "", err
		}
		return &expr.IsNull{X: xs[0]}, "(" + names[0] + " IS NULL)", nil
	}
	scalars["isnotnull"] = func(c *exprCtx, name string, xs []expr.Expr, names []string) (expr.Expr, string, error) {
		if err := wantN(name, xs, 1, 1); err != nil {
			return nil, "", err
		}
		return &expr.IsNull{X: xs[0], Not: true}, "(" + names[0] + " IS NOT NULL)", nil
	}
	scalars["in"] = func(c *exprCtx, name string, xs []expr.Expr, names []string) (expr.Expr, string, error) {
		if len(xs) < 1 {
			return nil, "", wantN(name, xs, 2, 2)
		}
		list := make([]expr.Expr, len(xs)-1)
		for i, y := range xs[1:] {
			_, ry, err := c.coerce(xs[0], y)
			if err != nil {
				return nil, "", err
			}
			list[i] = ry
		}
		return &expr.In{X: xs[0], List: list}, "(" + names[0] + " IN (" + strings.Join(names[1:], ", ") + "))", nil
	}
	scalars["like"] = func(c *exprCtx, name string, xs []expr.Expr, names []string) (expr.Expr, string, error) {
		if err := wantN(name, xs, 2, 2); err != nil {
			return nil, "", err
		}
		x, err := expr.NewLike(xs[0], xs[1], "", false)
		return x, names[0] + " LIKE " + names[1], err
	}
	scalars["when"] = func(c *exprCtx, name string, xs []expr.Expr, names []string) (expr.Expr, string, error) {
		if len(xs) < 2 {
			return nil, "", wantN(name, xs, 2, 2)
		}
		cs := &expr.Case{}
		var results []expr.Expr
		disp := "CASE"
		for i := 0; i+1 < len(xs); i += 2 {
			cs.Conds = append(cs.Conds, xs[i])
			results = append(results, xs[i+1])
			disp += " WHEN " + names[i] + " THEN " + names[i+1]
		}
		if len(xs)%2 == 1 {
			results = append(results, xs[len(xs)-1])
			disp += " ELSE " + names[len(xs)-1]
		}
		t := types.TNull
		for _, r := range results {
			if t.Kind == types.Null {
				t = r.Type()
			} else if ct, ok := expr.CommonType(t, r.Type()); ok {
				t = ct
			}
		}
		for i, r := range results {
			y, err := c.cast(r, t)
			if err != nil {
				return nil, "", err
			}
			results[i] = y
		}
		cs.Results = results[:len(cs.Conds)]
		if len(xs)%2 == 1 {
			cs.Else = results[len(results)-1]
		}
		cs.T = t.Nullable()
		return cs, disp + " END", nil
	}
	scalars["struct"] = func(c *exprCtx, name string, xs []expr.Expr, names []string) (expr.Expr, string, error) {
		return newStruct(names, xs), display("struct", names), nil
	}
	scalars["named_struct"] = func(c *exprCtx, name string, xs []expr.Expr, names []string) (expr.Expr, string, error) {
		if len(xs)%2 != 0 {
			return nil, "", analysisErr("WRONG_NUM_ARGS.WITHOUT_SUGGESTION", "The `named_struct` requires an even number of parameters.")
		}
		var fnames []string
		var vals []expr.Expr
		for i := 0; i < len(xs); i += 2 {
			k, ok := xs[i].(*expr.Const)
			if !ok || k.V.K != types.String {
				return nil, "", analysisErr("DATATYPE_MISMATCH.CREATE_NAMED_STRUCT_WITHOUT_FOLDABLE_STRING", "Only foldable STRING expressions are allowed to appear at odd position.")
			}
			fnames, vals = append(fnames, k.V.S), append(vals, xs[i+1])
		}
		return newStruct(fnames, vals), display("named_struct", names), nil
	}
	scalars["from_json"] = func(c *exprCtx, name string, xs []expr.Expr, names []string) (expr.Expr, string, error) {
		if err := wantN(name, xs, 2, 3); err != nil {
			return nil, "", err
		}
		k, ok := xs[1].(*expr.Const)
		if !ok || k.V.K != types.String {
			return nil, "", analysisErr("INVALID_SCHEMA.NON_STRING_LITERAL", "The input schema %q must be a STRING literal.", names[1])
		}
		schema, err := ParseSchema(k.V.S)
		if err != nil {
			return nil, "", err
		}
		if len(xs) == 3 {
			if m, ok := xs[2].(*expr.Const); !ok || m.V.K != types.Map || len(m.V.MapVal().Keys) > 0 {
				return nil, "", unsupported("from_json() with options")
			}
		}
		x := xs[0]
		if x.Type().Kind == types.Bytes {
			if x, err = c.cast(x, types.TString); err != nil {
				return nil, "", err
			}
		}
		if x.Type().Kind != types.String {
			return nil, "", typeMismatch("from_json", 1, x, "\"STRING\"")
		}
		loc := c.loc()
		return &fn{name: "from_json", args: []expr.Expr{x}, t: schema, strict: true, costly: true, eval: func(v []types.Value) types.Value {
			return fromJSON(v[0].S, schema, loc)
		}}, "from_json(" + names[0] + ")", nil
	}
	scalars["to_json"] = func(c *exprCtx, name string, xs []expr.Expr, names []string) (expr.Expr, string, error) {
		if err := wantN(name, xs, 1, 2); err != nil {
			return nil, "", err
		}
		if len(xs) == 2 {
			return nil, "", unsupported("to_json() with options")
		}
		t := xs[0].Type()
		if t.Kind != types.Struct && t.Kind != types.Array && t.Kind != types.Map {
			return nil, "", typeMismatch("to_json", 1, xs[0], "\"STRUCT\" or \"ARRAY\" or \"MAP\"")
		}
		loc := c.loc()
		return &fn{name: "to_json", args: xs, t: types.TString, strict: true, eval: func(v []types.Value) types.Value {
			return types.StringV(string(appendJSON(nil, v[0], t, loc)))
		}}, display("to_json", names), nil
	}
	scalars["window"] = func(c *exprCtx, name string, xs []expr.Expr, names []string) (expr.Expr, string, error) {
		return nil, "", analysisErr("UNSUPPORTED_FEATURE", "window() is only supported as a grouping expression of groupBy() by Tumble.")
	}
	// Functions whose Flink implementation has Spark's semantics.
	for spark, flink := range map[string]string{"upper": "UPPER", "ucase": "UPPER", "lower": "LOWER", "lcase": "LOWER", "trim": "TRIM", "ltrim": "LTRIM", "rtrim": "RTRIM",
		"length": "CHAR_LENGTH", "char_length": "CHAR_LENGTH", "abs": "ABS", "sqrt": "SQRT", "exp": "EXP", "ln": "LN", "log10": "LOG10",
		"concat": "CONCAT", "substring": "SUBSTRING", "substr": "SUBSTRING", "coalesce": "COALESCE", "replace": "REPLACE", "initcap": "INITCAP",
		"md5": "MD5", "sha1": "SHA1", "sha2": "SHA2", "reverse": "REVERSE", "lpad": "LPAD", "rpad": "RPAD", "repeat": "REPEAT",
		"regexp_replace": "REGEXP_REPLACE", "regexp_extract": "REGEXP_EXTRACT", "split": "SPLIT", "ascii": "ASCII", "power": "POWER", "pow": "POWER",
		"sign": "SIGN", "signum": "SIGN", "ceil": "CEIL", "ceiling": "CEIL", "floor": "FLOOR", "greatest": "GREATEST", "least": "LEAST",
		"nullif": "NULLIF", "ifnull": "IFNULL", "nvl": "IFNULL", "instr": "INSTR", "locate": "LOCATE", "year": "YEAR", "month": "MONTH",
		"dayofmonth": "DAYOFMONTH", "day": "DAYOFMONTH", "hour": "HOUR", "minute": "MINUTE", "second": "SECOND", "size": "CARDINALITY",
		"round": "ROUND", "startswith": "STARTSWITH", "endswith": "ENDSWITH"} {
		flinkName := flink
		scalars[spark] = func(c *exprCtx, name string, xs []expr.Expr, names []string) (expr.Expr, string, error) {
			x, err := expr.NewFunc(flinkName, xs, &expr.Env{Loc: c.loc()})
			if err != nil {
				return nil, "", analysisErr("DATATYPE_MISMATCH", "Cannot resolve \"%s\": %v", display(name, names), err)
			}
			return x, display(name, names), nil
		}
	}
	scalars["contains"] = func(c *exprCtx, name string, xs []expr.Expr, names []string) (expr.Expr, string, error) {
		if err := wantN(name, xs, 2, 2); err != nil {
			return nil, "", err
		}
		return &fn{name: "contains", args: xs, t: types.TBool, strict: true, eval: func(v []types.Value) types.Value {
			return types.BoolV(strings.Contains(v[0].S, v[1].S))
		}}, display(name, names), nil
	}
	scalars["current_timestamp"] = func(c *exprCtx, name string, xs []expr.Expr, names []string) (expr.Expr, string, error) {
		x, err := expr.NewFunc("CURRENT_TIMESTAMP", nil, &expr.Env{Loc: c.loc()})
		if err != nil {
			return nil, "", err
		}
		y, err := c.cast(x, tTimestamp)
		return y, "current_timestamp()", err
	}
}
