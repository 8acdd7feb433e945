package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/agg"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/spark/connect/pb"
)

// exprCtx translates expressions over the columns of a frame.
type exprCtx struct {
	t  *Translator
	in *Frame
	// agg, when set, allows aggregate functions: they become calls of the
	// aggregate below and the expression reads its output.
	agg *aggState
}

// aggState collects the aggregate calls of an Aggregate relation.
type aggState struct {
	keys     []expr.Expr // grouping expressions over the input
	keyOut   []expr.Expr // the same, read from the aggregate's output
	args     []expr.Expr // aggregate arguments over the input
	calls    []engine.AggCall
	names    []string
	aggFirst int // index of the first aggregate in the aggregate's output
}

func (c *exprCtx) loc() *time.Location { return c.t.Loc() }

func (c *exprCtx) env() *expr.Env { return &expr.Env{Loc: c.loc()} }

// one translates an expression that must give one column.
func (c *exprCtx) one(e *pb.Expression) (expr.Expr, string, error) {
	if e == nil {
		return nil, "", analysisErr("INTERNAL_ERROR", "an expression is missing")
	}
	if c.agg != nil {
		if x, name, ok := c.keyMatch(e); ok {
			return x, name, nil
		}
	}
	switch k := e.ExprType.(type) {
	case *pb.Expression_Literal_:
		return c.literal(k.Literal)
	case *pb.Expression_UnresolvedAttribute_:
		return c.attribute(k.UnresolvedAttribute.UnparsedIdentifier)
	case *pb.Expression_UnresolvedFunction_:
		f := k.UnresolvedFunction
		return c.call(f.FunctionName, f.Arguments, f.IsDistinct)
	case *pb.Expression_CallFunction:
		return c.call(k.CallFunction.FunctionName, k.CallFunction.Arguments, false)
	case *pb.Expression_ExpressionString_:
		pe, err := ParseExpr(k.ExpressionString.Expression)
		if err != nil {
			return nil, "", err
		}
		return c.one(pe)
	case *pb.Expression_Alias_:
		x, _, err := c.one(k.Alias.Expr)
		if err != nil {
			return nil, "", err
		}
		if len(k.Alias.Name) != 1 {
			return nil, "", unsupported("An alias with %d names", len(k.Alias.Name))
		}
		return x, k.Alias.Name[0], nil
	case *pb.Expression_Cast_:
		x, name, err := c.one(k.Cast.Expr)
		if err != nil {
			return nil, "", err
		}
		var to types.Type
		switch ct := k.Cast.CastToType.(type) {
		case *pb.Expression_Cast_Type:
			to, err = FromProto(ct.Type)
		case *pb.Expression_Cast_TypeStr:
			to, err = ParseType(ct.TypeStr)
		default:
			err = analysisErr("INTERNAL_ERROR", "a cast without a type")
		}
		if err != nil {
			return nil, "", err
		}
		cx, err := c.cast(x, to)
		if err != nil {
			return nil, "", err
		}
		return cx, "CAST(" + name + " AS " + strings.ToUpper(TypeName(to)) + ")", nil
	case *pb.Expression_UnresolvedExtractValue_:
		x, name, err := c.one(k.UnresolvedExtractValue.Child)
		if err != nil {
			return nil, "", err
		}
		lit := k.UnresolvedExtractValue.Extraction.GetLiteral()
		if lit == nil {
			return nil, "", unsupported("Extracting a value by a non-literal key")
		}
		switch v := lit.LiteralType.(type) {
		case *pb.Expression_Literal_String_:
			return c.field(x, name, v.String_)
		case *pb.Expression_Literal_Integer:
			return c.index(x, name, int64(v.Integer))
		case *pb.Expression_Literal_Long:
			return c.index(x, name, v.Long)
		}
		return nil, "", unsupported("Extracting a value by %v", lit)
	case *pb.Expression_UnresolvedStar_:
		return nil, "", analysisErr("INVALID_USAGE_OF_STAR_OR_REGEX", "Invalid usage of '*' in an expression.")
	case *pb.Expression_SortOrder_:
		return nil, "", analysisErr("INTERNAL_ERROR", "a sort order outside a sort")
	}
	return nil, "", unsupported("The expression %s", exprKindName(e))
}

// many translates a projection item: a star expands to several columns.
func (c *exprCtx) many(e *pb.Expression) ([]expr.Expr, []string, error) {
	star := e.GetUnresolvedStar()
	if star == nil {
		if es := e.GetExpressionString(); es != nil {
			pe, err := ParseExpr(es.Expression)
			if err != nil {
				return nil, nil, err
			}
			return c.many(pe)
		}
		x, name, err := c.one(e)
		if err != nil {
			return nil, nil, err
		}
		return []expr.Expr{x}, []string{name}, nil
	}
	target := strings.TrimSuffix(star.GetUnparsedTarget(), "*")
	target = strings.TrimSuffix(target, ".")
	var xs []expr.Expr
	var names []string
	if target == "" {
		for i, col := range c.in.Cols {
			xs = append(xs, &expr.Col{Idx: i, T: col.Type, Name: col.Name})
			names = append(names, col.Name)
		}
		return xs, names, nil
	}
	parts := splitIdent(target)
	// A qualifier: every column it qualifies.
	if len(parts) == 1 {
		for i, col := range c.in.Cols {
			for _, q := range col.Quals {
				if strings.EqualFold(q, parts[0]) {
					xs = append(xs, &expr.Col{Idx: i, T: col.Type, Name: col.Name})
					names = append(names, col.Name)
				}
			}
		}
		if len(xs) > 0 {
			return xs, names, nil
		}
	}
	// A struct: its fields.
	x, name, err := c.attribute(target)
	if err != nil {
		return nil, nil, analysisErr("CANNOT_RESOLVE_STAR_EXPAND", "Cannot resolve %s.* given input columns %s.", quoteIdent(target), quoteList(c.in.Names()))
	}
	t := x.Type()
	if t.Kind != types.Struct {
		return nil, nil, analysisErr("INVALID_USAGE_OF_STAR_OR_REGEX", "Can only star expand struct data types. Attribute: `%s`.", name)
	}
	for i, f := range t.Fields {
		xs = append(xs, &expr.Field{X: x, Idx: i, Name: f.Name, T: f.Type.Nullable()})
		names = append(names, f.Name)
	}
	return xs, names, nil
}

// splitIdent splits a.b.`c.d` into its parts.
func splitIdent(s string) []string {
	var parts []string
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '`' && quoted && i+1 < len(s) && s[i+1] == '`':
			cur.WriteByte('`')
			i++
		case ch == '`':
			quoted = !quoted
		case ch == '.' && !quoted:
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(ch)
		}
	}
	return append(parts, cur.String())
}

func (c *exprCtx) attribute(ident string) (expr.Expr, string, error) {
	parts := splitIdent(ident)
	if c.agg != nil {
		// A column outside an aggregate must be a grouping column.
		x, name, err := (&exprCtx{t: c.t, in: c.in}).attribute(ident)
		if err != nil {
			return nil, "", err
		}
		for i, k := range c.agg.keys {
			if k.String() == x.String() {
				return c.agg.keyOut[i], name, nil
			}
		}
		return nil, "", analysisErr("MISSING_AGGREGATION", "The non-aggregating expression %s is based on columns which are not participating in the GROUP BY clause. Add the columns or the expression to the GROUP BY, aggregate the expression, or use \"any_value(%s)\" if you do not care which of the values within a group is returned.", quoteIdent(name), name)
	}
	idx, rest, err := c.in.resolve(parts)
	if err != nil {
		return nil, "", err
	}
	col := c.in.Cols[idx]
	var x expr.Expr = &expr.Col{Idx: idx, T: col.Type, Name: col.Name}
	name := col.Name
	for _, f := range rest {
		if x, name, err = c.field(x, name, f); err != nil {
			return nil, "", err
		}
	}
	return x, name, nil
}

// field reads a struct's field (case-insensitively).
func (c *exprCtx) field(x expr.Expr, name, f string) (expr.Expr, string, error) {
	t := x.Type()
	if t.Kind == types.Map {
		k := expr.NewConst(types.StringV(f), types.TString)
		y, err := expr.NewFunc("ELEMENT_AT", []expr.Expr{x, k}, c.env())
		if err != nil {
			y, err = c.mapGet(x, k)
		}
		return y, name + "[" + f + "]", err
	}
	if t.Kind != types.Struct {
		return nil, "", analysisErr("INVALID_EXTRACT_BASE_FIELD_TYPE", "Can't extract a value from %s. Need a complex type [STRUCT, ARRAY, MAP] but got %q.", quoteIdent(name), strings.ToUpper(TypeName(t)))
	}
	for i, tf := range t.Fields {
		if strings.EqualFold(tf.Name, f) {
			return &expr.Field{X: x, Idx: i, Name: tf.Name, T: tf.Type.Nullable()}, tf.Name, nil
		}
	}
	names := make([]string, len(t.Fields))
	for i, tf := range t.Fields {
		names[i] = tf.Name
	}
	return nil, "", analysisErr("FIELD_NOT_FOUND", "No such struct field %s in %s.", quoteIdent(f), quoteList(names))
}

func (c *exprCtx) mapGet(x, k expr.Expr) (expr.Expr, error) {
	et := *x.Type().Elem
	return &fn{name: "element_at", args: []expr.Expr{x, k}, t: et.Nullable(), strict: true, eval: func(v []types.Value) types.Value {
		m := v[0].MapVal()
		if m == nil {
			return types.NullValue
		}
		for i := range m.Keys {
			if types.Equal(m.Keys[i], v[1]) {
				return m.Vals[i]
			}
		}
		return types.NullValue
	}}, nil
}

// index reads an array element (0-based, as Spark's col[i]).
func (c *exprCtx) index(x expr.Expr, name string, i int64) (expr.Expr, string, error) {
	t := x.Type()
	if t.Kind != types.Array {
		return nil, "", analysisErr("INVALID_EXTRACT_BASE_FIELD_TYPE", "Can't extract a value from %s: need an array.", quoteIdent(name))
	}
	return &fn{name: "get", args: []expr.Expr{x}, t: t.Elem.Nullable(), strict: true, eval: func(v []types.Value) types.Value {
		e := v[0].Elems()
		if i < 0 || i >= int64(len(e)) {
			return types.NullValue
		}
		return e[i]
	}}, fmt.Sprintf("%s[%d]", name, i), nil
}

func (c *exprCtx) literal(l *pb.Expression_Literal) (expr.Expr, string, error) {
	v, t, err := literalValue(l)
	if err != nil {
		return nil, "", err
	}
	name := "NULL"
	if !v.IsNull() {
		switch v.K {
		case types.String:
			name = v.S
		case types.TimestampLTZ:
			name = "TIMESTAMP '" + formatTimestamp(v.I, c.loc()) + "'"
		default:
			name = expr.ToText(v, t, expr.TextSQL)
		}
	}
	return expr.NewConst(v, t), name, nil
}

func literalValue(l *pb.Expression_Literal) (types.Value, types.Type, error) {
	switch v := l.LiteralType.(type) {
	case *pb.Expression_Literal_Null:
		t, err := FromProto(v.Null)
		if err != nil {
			t = types.TNull
		}
		return types.NullValue, t.Nullable(), nil
	case *pb.Expression_Literal_Binary:
		return types.BytesV(v.Binary), types.TBytes.WithNotNull(true), nil
	case *pb.Expression_Literal_Boolean:
		return types.BoolV(v.Boolean), types.TBool.WithNotNull(true), nil
	case *pb.Expression_Literal_Byte:
		return types.IntOf(types.TinyInt, int64(v.Byte)), types.Type{Kind: types.TinyInt, NotNull: true}, nil
	case *pb.Expression_Literal_Short:
		return types.IntOf(types.SmallInt, int64(v.Short)), types.Type{Kind: types.SmallInt, NotNull: true}, nil
	case *pb.Expression_Literal_Integer:
		return types.IntV(int64(v.Integer)), types.TInt.WithNotNull(true), nil
	case *pb.Expression_Literal_Long:
		return types.BigIntV(v.Long), types.TBigInt.WithNotNull(true), nil
	case *pb.Expression_Literal_Float:
		return types.FloatV(float64(v.Float)), types.TFloat.WithNotNull(true), nil
	case *pb.Expression_Literal_Double:
		return types.DoubleV(v.Double), types.TDouble.WithNotNull(true), nil
	case *pb.Expression_Literal_Decimal_:
		s := v.Decimal.Value
		scale := 0
		if i := strings.IndexByte(s, '.'); i >= 0 {
			scale = len(s) - i - 1
		}
		if v.Decimal.Scale != nil {
			scale = int(*v.Decimal.Scale)
		}
		prec := 38
		if v.Decimal.Precision != nil {
			prec = int(*v.Decimal.Precision)
		}
		u, err := types.ParseDecimal(s, scale)
		if err != nil {
			return types.Value{}, types.Type{}, analysisErr("INVALID_LITERAL", "Invalid decimal literal %s", s)
		}
		return types.DecimalV(u, scale), types.DecimalType(prec, scale).WithNotNull(true), nil
	case *pb.Expression_Literal_String_:
		return types.StringV(v.String_), types.TString.WithNotNull(true), nil
	case *pb.Expression_Literal_Date:
		return types.DateV(int64(v.Date)), types.TDate.WithNotNull(true), nil
	case *pb.Expression_Literal_Timestamp:
		return types.TimestampLTZV(v.Timestamp), tTimestamp.WithNotNull(true), nil
	case *pb.Expression_Literal_TimestampNtz:
		return types.TimestampV(v.TimestampNtz), tNTZ.WithNotNull(true), nil
	case *pb.Expression_Literal_DayTimeInterval:
		return types.IntervalV(v.DayTimeInterval), types.Type{Kind: types.IntervalDayTime, NotNull: true}, nil
	case *pb.Expression_Literal_YearMonthInterval:
		return types.MonthsV(int64(v.YearMonthInterval)), types.Type{Kind: types.IntervalYearMonth, NotNull: true}, nil
	case *pb.Expression_Literal_CalendarInterval_:
		ci := v.CalendarInterval
		if ci.Months != 0 {
			return types.MonthsV(int64(ci.Months)), types.Type{Kind: types.IntervalYearMonth, NotNull: true}, nil
		}
		return types.IntervalV(int64(ci.Days)*types.MicrosPerDay + ci.Microseconds), types.Type{Kind: types.IntervalDayTime, NotNull: true}, nil
	case *pb.Expression_Literal_Array_:
		et, err := FromProto(v.Array.ElementType)
		if err != nil {
			return types.Value{}, types.Type{}, err
		}
		var vals []types.Value
		for _, e := range v.Array.Elements {
			ev, _, err := literalValue(e)
			if err != nil {
				return types.Value{}, types.Type{}, err
			}
			vals = append(vals, ev)
		}
		return types.ArrayV(vals), types.ArrayOf(et), nil
	}
	return types.Value{}, types.Type{}, unsupported("This kind of literal")
}

// keyMatch reads a grouping expression from the aggregate's output when e
// is one (outside any aggregate function).
func (c *exprCtx) keyMatch(e *pb.Expression) (expr.Expr, string, bool) {
	if len(c.agg.keys) == 0 || hasAggregate(e) {
		return nil, "", false
	}
	x, name, err := (&exprCtx{t: c.t, in: c.in}).one(e)
	if err != nil {
		return nil, "", false
	}
	for i, k := range c.agg.keys {
		if k.String() == x.String() {
			return c.agg.keyOut[i], name, true
		}
	}
	return nil, "", false
}

// hasAggregate reports whether e calls an aggregate function.
func hasAggregate(e *pb.Expression) bool {
	found := false
	var walk func(e *pb.Expression)
	walk = func(e *pb.Expression) {
		if e == nil || found {
			return
		}
		switch k := e.ExprType.(type) {
		case *pb.Expression_UnresolvedFunction_:
			if aggregates[strings.ToLower(k.UnresolvedFunction.FunctionName)] != nil {
				found = true
				return
			}
			for _, a := range k.UnresolvedFunction.Arguments {
				walk(a)
			}
		case *pb.Expression_CallFunction:
			if aggregates[strings.ToLower(k.CallFunction.FunctionName)] != nil {
				found = true
				return
			}
			for _, a := range k.CallFunction.Arguments {
				walk(a)
			}
		case *pb.Expression_Alias_:
			walk(k.Alias.Expr)
		case *pb.Expression_Cast_:
			walk(k.Cast.Expr)
		case *pb.Expression_UnresolvedExtractValue_:
			walk(k.UnresolvedExtractValue.Child)
		case *pb.Expression_ExpressionString_:
			if pe, err := ParseExpr(k.ExpressionString.Expression); err == nil {
				walk(pe)
			}
		}
	}
	walk(e)
	return found
}

// aggregate adds an aggregate call and returns its output column.
func (c *exprCtx) aggregate(name string, args []*pb.Expression, distinct bool) (expr.Expr, string, error) {
	spec := aggregates[name]
	if c.agg == nil {
		return nil, "", analysisErr("UNSUPPORTED_FEATURE", "The aggregate function %s() is only supported in groupBy().agg(), agg() and SELECT ... GROUP BY; it is not supported here by Tumble.", name)
	}
	inner := &exprCtx{t: c.t, in: c.in}
	var xs []expr.Expr
	var names []string
	star := false
	for _, a := range args {
		if s := a.GetUnresolvedStar(); s != nil && s.GetUnparsedTarget() == "" {
			star = true
			continue
		}
		x, n, err := inner.one(a)
		if err != nil {
			return nil, "", err
		}
		xs = append(xs, x)
		names = append(names, n)
	}
	if name == "count" && (star || len(xs) == 1 && isConst(xs[0])) {
		xs, names = nil, []string{"1"}
		if star {
			names = []string{"*"}
		}
	}
	f, arg, err := spec(c, xs, distinct)
	if err != nil {
		return nil, "", err
	}
	argIdx := -1
	if arg != nil {
		argIdx = len(c.agg.keys) + len(c.agg.args)
		c.agg.args = append(c.agg.args, arg)
	}
	i := len(c.agg.calls)
	c.agg.calls = append(c.agg.calls, engine.AggCall{Func: f, Arg: argIdx})
	display := name
	if distinct {
		display += "(DISTINCT " + strings.Join(names, ", ") + ")"
	} else {
		display += "(" + strings.Join(names, ", ") + ")"
	}
	c.agg.names = append(c.agg.names, fmt.Sprintf("$a%d", i))
	return &expr.Col{Idx: c.agg.aggFirst + i, T: f.Result, Name: display}, display, nil
}

func isConst(x expr.Expr) bool { _, ok := x.(*expr.Const); return ok }

// aggregates are Spark's aggregate functions: each checks its argument
// and returns Tumble's aggregate and the argument it reads (cast to the
// type Spark computes in).
var aggregates = map[string]func(c *exprCtx, xs []expr.Expr, distinct bool) (*agg.Func, expr.Expr, error){}

func init() {
	numericArg := func(name string, xs []expr.Expr) (expr.Expr, error) {
		if len(xs) != 1 {
			return nil, analysisErr("WRONG_NUM_ARGS.WITHOUT_SUGGESTION", "The `%s` requires 1 parameters but the actual number is %d.", name, len(xs))
		}
		return xs[0], nil
	}
	aggregates["sum"] = func(c *exprCtx, xs []expr.Expr, distinct bool) (*agg.Func, expr.Expr, error) {
		x, err := numericArg("sum", xs)
		if err != nil {
			return nil, nil, err
		}
		t := x.Type()
		switch {
		case t.Kind.IsInteger():
			x, err = c.cast(x, types.TBigInt) // sum(int) is bigint
		case t.Kind == types.Decimal:
			x, err = c.cast(x, types.DecimalType(min(t.Precision+10, 38), t.Scale))
		case t.Kind == types.String || t.Kind == types.Float || t.Kind == types.Null:
			x, err = c.cast(x, types.TDouble)
		case t.Kind != types.Double:
			return nil, nil, typeMismatch("sum", 1, x, "\"NUMERIC\" or \"ANSI INTERVAL\"")
		}
		if err != nil {
			return nil, nil, err
		}
		f, err := agg.New("SUM", []types.Type{x.Type()}, distinct, agg.Semantics{})
		return f, x, err
	}
	avg := func(c *exprCtx, xs []expr.Expr, distinct bool) (*agg.Func, expr.Expr, error) {
		x, err := numericArg("avg", xs)
		if err != nil {
			return nil, nil, err
		}
		if t := x.Type(); !(t.Kind.IsNumeric() || t.Kind == types.String || t.Kind == types.Null) {
			return nil, nil, typeMismatch("avg", 1, x, "\"NUMERIC\" or \"ANSI INTERVAL\"")
		}
		if x.Type().Kind != types.Decimal {
			if x, err = c.cast(x, types.TDouble); err != nil { // avg is double
				return nil, nil, err
			}
		}
		f, err := agg.New("AVG", []types.Type{x.Type()}, distinct, agg.Semantics{})
		return f, x, err
	}
	aggregates["avg"], aggregates["mean"] = avg, avg
	aggregates["count"] = func(c *exprCtx, xs []expr.Expr, distinct bool) (*agg.Func, expr.Expr, error) {
		if len(xs) == 0 {
			f, err := agg.New("COUNT", nil, false, agg.Semantics{})
			return f, nil, err
		}
		if len(xs) > 1 {
			return nil, nil, unsupported("count() of several columns")
		}
		f, err := agg.New("COUNT", []types.Type{xs[0].Type()}, distinct, agg.Semantics{})
		return f, xs[0], err
	}
	minmax := func(name string) func(c *exprCtx, xs []expr.Expr, distinct bool) (*agg.Func, expr.Expr, error) {
		return func(c *exprCtx, xs []expr.Expr, distinct bool) (*agg.Func, expr.Expr, error) {
			x, err := numericArg(strings.ToLower(name), xs)
			if err != nil {
				return nil, nil, err
			}
			f, err := agg.New(name, []types.Type{x.Type()}, false, agg.Semantics{})
			return f, x, err
		}
	}
	aggregates["min"], aggregates["max"] = minmax("MIN"), minmax("MAX")
	aggregates["first"], aggregates["last"] = minmax("FIRST_VALUE"), minmax("LAST_VALUE")
	aggregates["collect_list"] = minmax("COLLECT_LIST")
	aggregates["collect_set"] = minmax("COLLECT_SET")
	aggregates["stddev"], aggregates["stddev_samp"], aggregates["std"] = minmax("STDDEV_SAMP"), minmax("STDDEV_SAMP"), minmax("STDDEV_SAMP")
	aggregates["stddev_pop"], aggregates["var_pop"], aggregates["var_samp"], aggregates["variance"] = minmax("STDDEV_POP"), minmax("VAR_POP"), minmax("VAR_SAMP"), minmax("VAR_SAMP")
}

func typeMismatch(fn string, pos int, x expr.Expr, want string) *Error {
	return analysisErr("DATATYPE_MISMATCH.UNEXPECTED_INPUT_TYPE",
		"Cannot resolve \"%s(%s)\" due to data type mismatch: The %s parameter requires the %s type, however \"%s\" has the type %q.",
		fn, x.String(), ordinal(pos), want, x.String(), strings.ToUpper(TypeName(x.Type())))
}

func ordinal(i int) string {
	switch i {
	case 1:
		return "first"
	case 2:
		return "second"
	case 3:
		return "third"
	}
	return fmt.Sprintf("%dth", i)
}

// exprKindName names an expression kind Tumble does not translate.
func exprKindName(e *pb.Expression) string {
	names := map[int]string{8: "UnresolvedRegex (colRegex)", 10: "LambdaFunction", 11: "Window (over)", 13: "UpdateFields (withField)",
		14: "UnresolvedNamedLambdaVariable", 15: "CommonInlineUserDefinedFunction (a UDF)", 17: "NamedArgumentExpression",
		19: "MergeAction", 20: "TypedAggregateExpression", 21: "SubqueryExpression", 999: "extension"}
	if n := unknownField(e.ProtoReflect().GetUnknown()); n != 0 {
		if s, ok := names[n]; ok {
			return s
		}
		return fmt.Sprintf("number %d", n)
	}
	return fmt.Sprintf("%T", e.ExprType)
}
