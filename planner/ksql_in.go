package planner

import (
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strings"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/sql"
)

// bindCoercedIn binds x [NOT] IN (v, ...) as ksqlDB does: NULL literals
// leave the list; x and the values, in that order, are coerced to one
// common type (the first non-NULL one's, widened by the others: numbers
// to the widest, a string literal read as the number or boolean it
// spells, a STRUCT constructor's fields merged with the others'); then
// x matches a value equal to it, elements, fields and map values that
// are both NULL being equal. A NULL x matches nothing, and the result is
// never NULL.
func (eb *exprBinder) bindCoercedIn(n *sql.In) (expr.Expr, error) {
	items := []sql.Expr{n.X}
	for _, e := range n.List {
		if !isNullLiteral(e) {
			items = append(items, e)
		}
	}
	bound, err := eb.bindAll(items)
	if err != nil {
		return nil, err
	}
	c := listCoercer{eb: eb}
	var common *types.Type
	for i, it := range items {
		if common, err = c.resolve(it, bound[i].Type(), common); err != nil {
			return nil, sql.Errorf(n.Pos, "Invalid Predicate: %s", err.Error())
		}
	}
	not := n.Not
	if common == nil { // only NULLs
		return expr.NewConst(types.BoolV(not), types.Type{Kind: types.Boolean, NotNull: true}), nil
	}
	args := make([]expr.Expr, len(items))
	for i := range items {
		if args[i], err = c.convert(items[i], bound[i], *common); err != nil {
			return nil, sql.Errorf(items[i].ExprPos(), "Invalid Predicate: %s", err.Error())
		}
	}
	name := "IN"
	if not {
		name = "NOT IN"
	}
	return &expr.Call{Name: name, Args: args, T: types.Type{Kind: types.Boolean, NotNull: true},
		Fn: func(a []types.Value) types.Value {
			found := false
			if !a[0].IsNull() {
				for _, v := range a[1:] {
					if !v.IsNull() && types.Compare(a[0], v) == 0 {
						found = true
						break
					}
				}
			}
			return types.BoolV(found != not)
		}}, nil
}

// listCoercer finds the common type of a list of expressions as ksqlDB's
// user lists (IN lists) do, and converts each to it.
type listCoercer struct{ eb *exprBinder }

// errCoercion is a value of a type the list's type cannot take; it names
// the outermost expression that does not fit.
type errCoercion struct{ msg string }

func (e *errCoercion) Error() string { return e.msg }

func coercionFailure(e sql.Expr, from, to types.Type) error {
	return &errCoercion{fmt.Sprintf("operator does not exist: %s = %s (%s)\nHint: You might need to add explicit type casts.",
		to.KSQLString(), from.KSQLString(), ksqlExprText(e))}
}

func invalidSyntax(value string, to types.Type) error {
	return fmt.Errorf("invalid input syntax for type %s: \"%s\".", ksqlBaseType(to), value)
}

// resolve widens common (nil before the first non-NULL expression) by e,
// of type t.
func (c listCoercer) resolve(e sql.Expr, t types.Type, common *types.Type) (*types.Type, error) {
	if t.Kind == types.Null {
		return common, nil
	}
	if common == nil {
		t = t.Nullable()
		return &t, nil
	}
	target := *common
	wrap := func(err error) error {
		var ce *errCoercion
		if errors.As(err, &ce) {
			return coercionFailure(e, t, target)
		}
		return err
	}
	switch n := e.(type) {
	case *sql.ArrayCtor:
		if target.Kind != types.Array {
			return nil, coercionFailure(e, t, target)
		}
		el, err := c.structured(*target.Elem, n.Elems)
		if err != nil {
			return nil, wrap(err)
		}
		r := types.ArrayOf(el)
		return &r, nil
	case *sql.MapCtor:
		if target.Kind != types.Map {
			return nil, coercionFailure(e, t, target)
		}
		k, err := c.structured(*target.Key, n.Keys)
		if err != nil {
			return nil, wrap(err)
		}
		v, err := c.structured(*target.Elem, n.Vals)
		if err != nil {
			return nil, wrap(err)
		}
		r := types.MapOf(k, v)
		return &r, nil
	case *sql.StructCtor:
		if target.Kind != types.Struct {
			return nil, coercionFailure(e, t, target)
		}
		r, err := c.structFields(n, target)
		if err != nil {
			return nil, wrap(err)
		}
		return &r, nil
	case *sql.Literal:
		if n.Kind == sql.LitString {
			switch {
			case target.Kind.IsNumeric():
				r, err := numericFromString(n.Text, target)
				return &r, err
			case target.Kind == types.Boolean:
				if _, ok := parseKSQLBool(n.Text); !ok {
					return nil, invalidSyntax(n.Text, target)
				}
				return common, nil
			}
		}
	}
	_, literal := e.(*sql.Literal)
	if r, ok := canCoerce(t, target, literal); ok {
		return &r, nil
	}
	if r, ok := canCoerce(target, t, literal); ok {
		return &r, nil
	}
	return nil, coercionFailure(e, t, target)
}

// structured is the common type of a constructor's elements (or keys, or
// values) with the type target the list has for them.
func (c listCoercer) structured(target types.Type, elems []sql.Expr) (types.Type, error) {
	common := &target
	for _, e := range elems {
		x, err := c.eb.bind(e)
		if err != nil {
			return types.Type{}, err
		}
		if common, err = c.resolve(e, x.Type(), common); err != nil {
			return types.Type{}, err
		}
	}
	return common.Nullable(), nil
}

// structFields merges a STRUCT constructor's fields with target's: its own
// fields first, then target's others; a field both have takes their
// common type. Names match case-sensitively.
func (c listCoercer) structFields(n *sql.StructCtor, target types.Type) (types.Type, error) {
	out := types.Type{Kind: types.Struct}
	seen := map[string]bool{}
	for i, name := range n.Names {
		if seen[name] {
			continue
		}
		seen[name] = true
		x, err := c.eb.bind(n.Vals[i])
		if err != nil {
			return types.Type{}, err
		}
		ft := x.Type().Nullable()
		for _, tf := range target.Fields {
			if tf.Name == name {
				r, err := c.resolve(n.Vals[i], x.Type(), &tf.Type)
				if err != nil {
					return types.Type{}, err
				}
				ft = r.Nullable()
			}
		}
		out.Fields = append(out.Fields, types.Field{Name: name, Type: ft})
	}
	for _, tf := range target.Fields {
		if !seen[tf.Name] {
			seen[tf.Name] = true
			out.Fields = append(out.Fields, tf)
		}
	}
	return out, nil
}

// canCoerce is the type values of from and to both fit when from's can
// be coerced to to's, as ksqlDB's value coercer says: numbers widen; a
// string reads as a temporal or BYTES; collections and structs by their
// parts. lax (for literals) also turns strings into numbers and booleans
// and those into strings.
func canCoerce(from, to types.Type, lax bool) (types.Type, bool) {
	to = to.Nullable()
	f, t := from.Kind, to.Kind
	switch {
	case f == types.Null:
		return to, true
	case f.IsNumeric() && t.IsNumeric():
		fr, tr := numericRank(from), numericRank(to)
		switch {
		case tr == rankDouble:
			return to, true
		case fr == rankDouble:
			return types.Type{}, false
		case tr == rankDecimal || fr == rankDecimal:
			if fr > tr {
				return types.Type{}, false
			}
			return widenDecimal(from, to), true
		case fr <= tr:
			return to, true
		}
		return types.Type{}, false
	case f == t && (f == types.Boolean || f == types.String || f == types.Bytes || f == types.Date || f == types.Time):
		return to, true
	case (f == types.Timestamp || f == types.TimestampLTZ) && (t == types.Timestamp || t == types.TimestampLTZ):
		return to, true
	case f == types.String && (t == types.Bytes || t.IsTemporal()):
		return to, true
	case f == types.Array && t == types.Array:
		el, ok := canCoerce(*from.Elem, *to.Elem, lax)
		return types.ArrayOf(el), ok
	case f == types.Map && t == types.Map:
		k, ok := canCoerce(*from.Key, *to.Key, lax)
		if !ok {
			return types.Type{}, false
		}
		v, ok := canCoerce(*from.Elem, *to.Elem, lax)
		return types.MapOf(k, v), ok
	case f == types.Struct && t == types.Struct:
		out := types.Type{Kind: types.Struct}
		idx := map[string]int{}
		for _, fl := range append(append([]types.Field(nil), from.Fields...), to.Fields...) {
			if _, ok := idx[fl.Name]; ok {
				continue
			}
			idx[fl.Name] = len(out.Fields)
			out.Fields = append(out.Fields, types.Field{Name: fl.Name, Type: fl.Type.Nullable()})
		}
		for _, ff := range from.Fields {
			for _, tf := range to.Fields {
				if ff.Name == tf.Name {
					ft, ok := canCoerce(ff.Type, tf.Type, lax)
					if !ok {
						return types.Type{}, false
					}
					out.Fields[idx[ff.Name]].Type = ft.Nullable()
				}
			}
		}
		return out, true
	case lax && t == types.String && (f == types.Boolean || f.IsNumeric() || f.IsTemporal()):
		return to, true
	case lax && f == types.String && (t == types.Boolean || t.IsNumeric()):
		return to, true
	}
	return types.Type{}, false
}

const (
	rankInt = iota
	rankBigInt
	rankDecimal
	rankDouble
)

func numericRank(t types.Type) int {
	switch t.Kind {
	case types.BigInt:
		return rankBigInt
	case types.Decimal:
		return rankDecimal
	case types.Float, types.Double:
		return rankDouble
	}
	return rankInt
}

// decimalOf is the DECIMAL an integer type fits in (ksqlDB's
// DecimalUtil.toSqlDecimal).
func decimalOf(t types.Type) types.Type {
	switch t.Kind {
	case types.Decimal:
		return t
	case types.BigInt:
		return types.DecimalType(19, 0)
	}
	return types.DecimalType(10, 0)
}

// widenDecimal is the DECIMAL both a and b fit in: the most integer
// digits and the largest scale of the two.
func widenDecimal(a, b types.Type) types.Type {
	da, db := decimalOf(a), decimalOf(b)
	whole := max(da.Precision-da.Scale, db.Precision-db.Scale)
	scale := max(da.Scale, db.Scale)
	return types.DecimalType(whole+scale, scale)
}

var numberText = regexp.MustCompile(`^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$`)

// numericFromString is the common type of a numeric target and a string
// literal that must spell a number: the literal's own type is INTEGER or
// BIGINT for an integer that fits, else a DECIMAL of its digits.
func numericFromString(s string, target types.Type) (types.Type, error) {
	v := strings.TrimSpace(s)
	if !numberText.MatchString(v) {
		return types.Type{}, invalidSyntax(s, target)
	}
	var src types.Type
	if !strings.ContainsAny(v, ".eE") {
		bi, _ := new(big.Int).SetString(strings.TrimPrefix(v, "+"), 10)
		switch {
		case bi.IsInt64() && bi.Int64() > -1<<31 && bi.Int64() < 1<<31-1:
			src = types.TInt
		case bi.IsInt64() && bi.Int64() > -1<<63 && bi.Int64() < 1<<63-1:
			src = types.TBigInt
		}
	}
	if src.Kind == types.Null {
		src = decimalOfText(v)
	}
	switch tr := numericRank(target); {
	case tr == rankDouble:
		return types.TDouble, nil
	case tr == rankDecimal || src.Kind == types.Decimal:
		return widenDecimal(src, target), nil
	case numericRank(src) <= tr:
		return target.Nullable(), nil
	}
	return src, nil
}

// decimalOfText is the DECIMAL type of a number's text: its significant
// digits and the digits after its point (an exponent moves the point).
func decimalOfText(v string) types.Type {
	mant, exp := v, 0
	if i := strings.IndexAny(v, "eE"); i >= 0 {
		mant = v[:i]
		fmt.Sscan(v[i+1:], &exp)
	}
	mant = strings.TrimLeft(mant, "+-")
	scale := 0
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		scale = len(mant) - i - 1
		mant = mant[:i] + mant[i+1:]
	}
	scale -= exp
	if scale < 0 {
		mant += strings.Repeat("0", -scale)
		scale = 0
	}
	digits := strings.TrimLeft(mant, "0")
	return types.DecimalType(max(len(digits), scale, 1), scale)
}

// parseKSQLBool reads a boolean as ksqlDB's literals do: any
// case-insensitive prefix of "true" or "yes" is TRUE, of "false" or "no"
// FALSE.
func parseKSQLBool(s string) (bool, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return false, false
	}
	prefix := func(word string) bool { return len(s) <= len(word) && word[:len(s)] == s }
	switch {
	case prefix("true") || prefix("yes"):
		return true, true
	case prefix("false") || prefix("no"):
		return false, true
	}
	return false, false
}

// convert turns x (bound from e) into a value of the list's common type:
// a literal is coerced as ksqlDB coerces literals (strings parsed,
// numbers and booleans written as text), any other expression CAST.
func (c listCoercer) convert(e sql.Expr, x expr.Expr, common types.Type) (expr.Expr, error) {
	t := x.Type()
	if t.Kind == types.Null {
		return expr.NewConst(types.NullValue, common), nil
	}
	if t.Nullable().Equal(common.Nullable()) {
		return x, nil
	}
	env := c.eb.b.env
	if l, ok := e.(*sql.Literal); ok {
		switch {
		case l.Kind == sql.LitString && common.Kind == types.Boolean:
			b, ok := parseKSQLBool(l.Text)
			if !ok {
				return nil, invalidSyntax(l.Text, common)
			}
			return expr.NewConst(types.BoolV(b), common), nil
		case l.Kind == sql.LitString && common.Kind.IsNumeric():
			s := expr.NewConst(types.StringV(strings.TrimSpace(l.Text)), types.TString)
			cast, err := expr.NewCast(s, common, true, env)
			if err != nil {
				return nil, err
			}
			if v := cast.Eval(nil); !v.IsNull() {
				return expr.NewConst(v, common), nil
			}
			return nil, invalidSyntax(l.Text, common)
		case common.Kind == types.String && (l.Kind == sql.LitBool || l.Kind == sql.LitInt || l.Kind == sql.LitDecimal || l.Kind == sql.LitFloat):
			text := l.Text
			if l.Kind == sql.LitBool {
				text = strings.ToLower(text)
			}
			return expr.NewConst(types.StringV(text), common), nil
		}
	}
	return expr.NewCast(x, common, true, env)
}

// ksqlTypeError is an expression whose operand types do not fit
// (ksqlDB's type checks), which a WHERE or HAVING names as its own.
type ksqlTypeError struct{ err *sql.Error }

func (e *ksqlTypeError) Error() string { return e.err.Error() }
func (e *ksqlTypeError) Unwrap() error { return e.err }

// ksqlComparisonNames are ksqlDB's names of the comparison operators.
var ksqlComparisonNames = map[string]string{
	"=": "EQUAL", "<>": "NOT_EQUAL", "!=": "NOT_EQUAL", "<": "LESS_THAN", "<=": "LESS_THAN_OR_EQUAL",
	">": "GREATER_THAN", ">=": "GREATER_THAN_OR_EQUAL",
	"IS DISTINCT FROM": "IS_DISTINCT_FROM", "IS NOT DISTINCT FROM": "IS_NOT_DISTINCT_FROM",
}

// ksqlCheckComparison refuses a comparison of operand types ksqlDB does
// not compare: numbers compare with numbers, strings with strings and
// temporals, DATE and TIMESTAMP with each other and strings, TIME with
// TIME and strings, BYTES with BYTES; BOOLEAN, ARRAY, MAP and STRUCT
// values only for (in)equality, with their own kind.
func (eb *exprBinder) ksqlCheckComparison(n *sql.Binary) error {
	opName, ok := ksqlComparisonNames[n.Op]
	if !ok {
		return nil
	}
	l, err := eb.bind(n.L)
	if err != nil {
		return err
	}
	r, err := eb.bind(n.R)
	if err != nil {
		return err
	}
	lt, rt := l.Type(), r.Type()
	if lt.Kind == types.Null || rt.Kind == types.Null || ksqlComparable(lt, rt, opName) {
		return nil
	}
	return &ksqlTypeError{sql.Errorf(n.Pos, "Cannot compare %s (%s) to %s (%s) with %s.",
		eb.ksqlOperandText(n.L), lt.KSQLString(), eb.ksqlOperandText(n.R), rt.KSQLString(), opName)}
}

// ksqlOperandText prints an operand as ksqlDB does once it has resolved
// it: over a join, a column S.C is the join's column S_C.
func (eb *exprBinder) ksqlOperandText(e sql.Expr) string {
	sc := eb.sc
	if eb.agg != nil {
		sc = eb.agg.input
	}
	quals := map[string]bool{}
	for _, f := range sc.fields {
		if f.Qual != "" {
			quals[strings.ToUpper(f.Qual)] = true
		}
	}
	if len(quals) > 1 {
		e = ksqlMapIdents(e, func(id *sql.Ident) *sql.Ident {
			if len(id.Parts) == 2 {
				return &sql.Ident{Parts: []string{strings.ToUpper(id.Parts[0]) + "_" + id.Parts[1]}, Pos: id.Pos}
			}
			return id
		})
	}
	return ksqlExprText(e)
}

func ksqlComparable(l, r types.Type, op string) bool {
	equality := op == "EQUAL" || op == "NOT_EQUAL" || op == "IS_DISTINCT_FROM" || op == "IS_NOT_DISTINCT_FROM"
	lk, rk := l.Kind, r.Kind
	dateOrTS := func(k types.Kind) bool { return k == types.Date || k == types.Timestamp || k == types.TimestampLTZ }
	switch {
	case lk.IsNumeric():
		return rk.IsNumeric()
	case lk == types.String:
		return rk == types.String || rk.IsTemporal()
	case lk == types.Boolean || lk == types.Array || lk == types.Map || lk == types.Struct:
		return rk == lk && equality
	case lk == types.Time:
		return rk == types.Time || rk == types.String
	case dateOrTS(lk):
		return dateOrTS(rk) || rk == types.String
	case lk == types.Bytes:
		return rk == types.Bytes
	}
	return true
}

// clauseTypeError names the clause in an expression type error, as ksqlDB
// does: "Error in WHERE expression: Cannot compare ...".
func (b *binder) clauseTypeError(clause string, err error) error {
	var te *ksqlTypeError
	if !b.rules.KSQLTypeChecks || !errors.As(err, &te) {
		return err
	}
	return sql.Errorf(te.err.Pos, "Error in %s expression: %s", clause, te.err.Msg)
}

// wantFilter checks that a WHERE or HAVING condition is boolean.
func (b *binder) wantFilter(cond expr.Expr, e sql.Expr, clause string) error {
	if k := cond.Type().Kind; b.rules.KSQLTypeChecks && k != types.Boolean && k != types.Null {
		return sql.Errorf(e.ExprPos(), "Type error in %s expression: Should evaluate to boolean but is %s (%s) instead.",
			clause, ksqlExprText(e), cond.Type().KSQLString())
	}
	return wantBool(cond, e.ExprPos(), clause)
}
