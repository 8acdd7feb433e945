package planner

import (
	"math"
	"strconv"
	"strings"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/sql"
)

// bindPairArg binds the column arguments of an aggregate whose
// accumulator takes them as one ROW: CORRELATION(x, y) as ROW(x, y), and
// ksqlDB's TOPK(sort, other..., k) with other columns as
// ROW(sort_col, col0, col1, ...), ordered by its first field. rest are
// the constant arguments left. ok is false for other calls.
func (eb *exprBinder) bindPairArg(c *sql.Call) (row expr.Expr, rest []sql.Expr, ok bool, err error) {
	var cols []sql.Expr
	var names []string
	switch {
	case strings.EqualFold(c.Name, "CORRELATION") && len(c.Args) == 2:
		cols, names = c.Args, []string{"X", "Y"}
	case strings.EqualFold(c.Name, "TOPK") && len(c.Args) > 2:
		cols, rest = c.Args[:len(c.Args)-1], c.Args[len(c.Args)-1:]
		names = []string{"sort_col"}
		for i := 1; i < len(cols); i++ {
			names = append(names, "col"+strconv.Itoa(i-1))
		}
	default:
		return nil, nil, false, nil
	}
	args := make([]expr.Expr, len(cols))
	fields := make([]types.Field, len(cols))
	for i, a := range cols {
		if args[i], err = eb.bind(a); err != nil {
			return nil, nil, true, err
		}
		fields[i] = types.Field{Name: names[i], Type: args[i].Type().Nullable()}
	}
	t := types.Type{Kind: types.Struct, Fields: fields}
	return &expr.Call{Name: "ROW", Args: args, T: t, Fn: func(a []types.Value) types.Value {
		return types.StructV(append([]types.Value(nil), a...))
	}}, rest, true, nil
}

// structuredStateAggs are the aggregates whose state ksqlDB keeps as a
// STRUCT, ARRAY or MAP.
var structuredStateAggs = map[string]bool{
	"AVG": true, "STDDEV_SAMP": true, "STDDEV_SAMPLE": true, "CORRELATION": true,
	"COLLECT_LIST": true, "COLLECT_SET": true, "TOPK": true, "TOPKDISTINCT": true,
	"HISTOGRAM": true, "EARLIEST_BY_OFFSET": true, "LATEST_BY_OFFSET": true,
}

// checkIntermediateFormat refuses, as ksqlDB does, aggregates whose state
// the source's value format cannot hold: DELIMITED has no nested types.
func checkIntermediateFormat(sel *sql.Select, fr *fromResult) error {
	if fr.table == nil || fr.table.KSQL == nil || fr.table.KSQL.ValueFormat != "DELIMITED" {
		return nil
	}
	var bad *sql.Call
	check := func(e sql.Expr) {
		walkSQL(e, func(x sql.Expr) {
			if c, ok := x.(*sql.Call); ok && bad == nil && structuredStateAggs[strings.ToUpper(c.Name)] {
				bad = c
			}
		})
	}
	for _, it := range sel.Items {
		if it.Expr != nil {
			check(it.Expr)
		}
	}
	if sel.Having != nil {
		check(sel.Having)
	}
	if bad != nil {
		return sql.Errorf(bad.Pos, "One of the functions used in the statement has an intermediate type that the value format can not handle. Please remove the function or change the format.")
	}
	return nil
}

// bindKSQLCtor binds ARRAY[...], MAP(k := v, ...) and STRUCT(f := v, ...)
// with ksqlDB's rules: string literals among numbers are numbers ('2e1' is
// 20 in an ARRAY of BIGINT), map keys must be strings (a NULL literal key
// is an error), struct field names must differ.
func (eb *exprBinder) bindKSQLCtor(e sql.Expr) (expr.Expr, bool, error) {
	env := eb.b.env
	switch n := e.(type) {
	case *sql.ArrayCtor:
		elems, err := eb.bindAll(n.Elems)
		if err != nil {
			return nil, true, err
		}
		if elems, err = numericLiterals(elems, n.Pos); err != nil {
			return nil, true, err
		}
		x, err := bindArrayCtor(elems, n.Pos, env)
		return x, true, err
	case *sql.MapCtor:
		keys, err := eb.bindAll(n.Keys)
		if err != nil {
			return nil, true, err
		}
		vals, err := eb.bindAll(n.Vals)
		if err != nil {
			return nil, true, err
		}
		var kinds []string
		bad := false
		for _, k := range keys {
			kinds = append(kinds, k.Type().KSQLString())
			bad = bad || k.Type().Kind != types.String
		}
		if bad {
			return nil, true, sql.Errorf(n.Pos, "Only STRING keys are supported in maps but got: [%s]", strings.Join(kinds, ", "))
		}
		if vals, err = numericLiterals(vals, n.Pos); err != nil {
			return nil, true, err
		}
		x, err := bindMapCtor(keys, vals, n.Pos, env)
		return x, true, err
	case *sql.StructCtor:
		seen := map[string]bool{}
		for _, name := range n.Names {
			if name != "" && seen[name] {
				return nil, true, sql.Errorf(n.Pos, "Duplicate field names found in STRUCT")
			}
			seen[name] = true
		}
	}
	return nil, false, nil
}

// numericLiterals turns the string literals of a constructor's elements
// into numbers when the other elements are numbers.
func numericLiterals(elems []expr.Expr, pos sql.Pos) ([]expr.Expr, error) {
	var others []types.Type
	hasLit := false
	for _, e := range elems {
		if c, ok := e.(*expr.Const); ok && c.T.Kind == types.String && !c.V.IsNull() {
			hasLit = true
			continue
		}
		others = append(others, e.Type())
	}
	if !hasLit || len(others) == 0 {
		return elems, nil
	}
	t, ok := expr.CommonType(others...)
	if !ok || !t.Kind.IsNumeric() {
		return elems, nil
	}
	out := make([]expr.Expr, len(elems))
	for i, e := range elems {
		out[i] = e
		c, ok := e.(*expr.Const)
		if !ok || c.T.Kind != types.String || c.V.IsNull() {
			continue
		}
		v, ok := parseNumberAs(strings.TrimSpace(c.V.S), t)
		if !ok {
			return nil, sql.Errorf(pos, "invalid input syntax for type %s: \"%s\"", t.KSQLString(), c.V.S)
		}
		out[i] = expr.NewConst(v, t.WithNotNull(true))
	}
	return out, nil
}

// parseNumberAs reads text as a number of type t, as a decimal number
// would be read (so '2e1' is the integer 20).
func parseNumberAs(s string, t types.Type) (types.Value, bool) {
	switch {
	case t.Kind.IsInteger():
		if i, err := strconv.ParseInt(s, 10, 64); err == nil {
			return types.IntOf(t.Kind, i), true
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<62 {
			return types.Value{}, false
		}
		return types.IntOf(t.Kind, int64(f)), true
	case t.Kind == types.Decimal:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return types.Value{}, false
		}
		u, err := types.ParseDecimal(strconv.FormatFloat(f, 'f', -1, 64), t.Scale)
		return types.DecimalV(u, t.Scale), err == nil
	default:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return types.Value{}, false
		}
		if t.Kind == types.Float {
			return types.FloatV(f), true
		}
		return types.DoubleV(f), true
	}
}

// NullRowsNode applies ksqlDB's meaning of a stream's tombstones to a
// query's result (engine.NullRows): the columns computed from the record
// key alone keep their values, the others are NULL.
type NullRowsNode struct {
	Input Node
	Drop  bool
	Keep  []bool
}

var _ unaryOp = (*NullRowsNode)(nil)

func (n *NullRowsNode) Fields() []Field  { return n.Input.Fields() }
func (n *NullRowsNode) Inputs() []Node   { return []Node{n.Input} }
func (n *NullRowsNode) Mode() Changelog  { return n.Input.Mode() }
func (n *NullRowsNode) newOp() engine.Op { return &engine.NullRows{Drop: n.Drop, Keep: n.Keep} }
func (n *NullRowsNode) withInput(in Node) Node {
	c := *n
	c.Input = in
	return &c
}

func (n *NullRowsNode) Describe() string {
	if n.Drop {
		return "NullRows(drop)"
	}
	return "NullRows"
}

// withNullRows puts a NullRowsNode over the result of a query that reads a
// stream, and makes its select list's comparisons FALSE on NULL.
func (p *ksqlPlanned) withNullRows(n Node) Node {
	var keep []bool
	if c, ok := n.(*Calc); ok {
		in := c.Input.Fields()
		keep = make([]bool, len(c.Projects))
		for i, x := range c.Projects {
			// computed from the record key alone (or constant)
			keep[i] = true
			for _, idx := range expr.Columns(x) {
				keep[i] = keep[i] && idx < len(in) && in[idx].Key
			}
		}
	}
	n = nullFalseSelect(n)
	if !p.streamNulls {
		return n
	}
	return &NullRowsNode{Input: n, Drop: p.nullDrop, Keep: keep}
}

// nullFalseSelect makes the comparisons of a query's select list (its top
// Calc) FALSE on NULL, as ksqlDB's are.
func nullFalseSelect(n Node) Node {
	c, ok := n.(*Calc)
	if !ok {
		return n
	}
	cp := *c
	cp.Projects = make([]expr.Expr, len(c.Projects))
	for i, x := range c.Projects {
		cp.Projects[i] = expr.CompareNullFalse(x)
	}
	return &cp
}

func isNullLiteral(e sql.Expr) bool {
	l, ok := e.(*sql.Literal)
	return ok && l.Kind == sql.LitNull
}

// sqlText renders an expression for an error message.
func sqlText(e sql.Expr) string {
	switch n := e.(type) {
	case *sql.Literal:
		if n.Kind == sql.LitNull {
			return "NULL"
		}
	case *sql.Ident:
		return strings.Join(n.Parts, ".")
	}
	return sql.SQL(e)
}
