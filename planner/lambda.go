package planner

import (
	"strings"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner/dialect"
	"github.com/tumble/tumble/sql"
)

// bindKSQLParts binds what ksqlDB's dialect adds to expressions, as the
// dialect's rules ask: a call of TRANSFORM, FILTER or REDUCE with lambda
// arguments and a reference to a lambda parameter (unless lambdas are
// refused), comparisons with a NULL literal refused, and Java's typing of
// ARRAY, MAP and STRUCT literals (ksql_funcs.go). ok is false for
// anything else.
func (eb *exprBinder) bindKSQLParts(e sql.Expr) (x expr.Expr, ok bool, err error) {
	rules := eb.b.rules
	_, noLambdas := rules.Refuses(dialect.FeatureLambdas)
	switch n := e.(type) {
	case *sql.Binary:
		if rules.NullLiteralComparisons == dialect.Refused {
			switch n.Op {
			case "=", "<>", "!=", "<", "<=", ">", ">=":
				if isNullLiteral(n.L) || isNullLiteral(n.R) {
					return nil, true, sql.Errorf(n.Pos, "Comparison with NULL not supported: %s %s %s", sqlText(n.L), n.Op, sqlText(n.R))
				}
			}
		}
		if rules.KSQLTypeChecks {
			if err := eb.ksqlCheckComparison(n); err != nil {
				return nil, true, err
			}
		}
	case *sql.ArrayCtor, *sql.MapCtor, *sql.StructCtor:
		if rules.CollectionLiterals != dialect.LiteralsJava || eb.agg != nil {
			return nil, false, nil // in an aggregate it may be a grouping expression: bindInAgg matches it
		}
		return eb.bindKSQLCtor(e)
	case *sql.Ident:
		if len(n.Parts) != 1 {
			return nil, false, nil
		}
		for i := len(eb.b.ksql.lambdas) - 1; i >= 0; i-- {
			if v, found := eb.b.ksql.lambdas[i][n.Parts[0]]; found {
				return v, true, nil
			}
		}
	case *sql.Lambda:
		if noLambdas {
			return nil, false, nil
		}
		return nil, true, sql.Errorf(n.Pos, "a lambda (x => ...) is only allowed as an argument of TRANSFORM, FILTER or REDUCE")
	case *sql.Call:
		if noLambdas || !expr.IsHigherOrder(n.Name) {
			return nil, false, nil
		}
		for _, a := range n.Args {
			if _, isLambda := a.(*sql.Lambda); isLambda {
				x, err := eb.bindHigherOrder(n)
				return x, true, err
			}
		}
	}
	return nil, false, nil
}

// bindHigherOrder binds TRANSFORM(coll, lambda[, lambda]), FILTER(coll,
// lambda) or REDUCE(coll, init, lambda).
func (eb *exprBinder) bindHigherOrder(n *sql.Call) (expr.Expr, error) {
	name := strings.ToUpper(n.Name)
	nvals := 1
	if name == "REDUCE" {
		nvals = 2
	}
	if len(n.Args) <= nvals {
		return nil, sql.Errorf(n.Pos, "%s takes a collection%s and lambdas", name, map[bool]string{true: ", an initial state"}[nvals == 2])
	}
	vals := make([]expr.Expr, nvals)
	for i := range vals {
		if _, isLambda := n.Args[i].(*sql.Lambda); isLambda {
			return nil, sql.Errorf(n.Args[i].ExprPos(), "%s takes a value here, not a lambda", name)
		}
		x, err := eb.bind(n.Args[i])
		if err != nil {
			return nil, err
		}
		vals[i] = x
	}
	var init expr.Expr
	initType := types.Type{Kind: types.Null}
	if nvals == 2 {
		init = vals[1]
		initType = init.Type()
	}
	coll := vals[0]
	if coll.Type().Kind == types.Null {
		// an untyped NULL collection: the result is NULL, whatever the lambdas
		return expr.NewConst(types.NullValue, types.Type{Kind: types.Null}), nil
	}
	params, nfns, err := expr.LambdaParamTypes(name, coll.Type(), initType)
	if err != nil {
		return nil, wrapErr(err, n.Pos)
	}
	lambdaArgs := n.Args[nvals:]
	if len(lambdaArgs) != nfns {
		return nil, sql.Errorf(n.Pos, "%s over %s takes %d lambda(s), not %d", name, coll.Type().KSQLString(), nfns, len(lambdaArgs))
	}
	var fns []*expr.Lambda
	for _, a := range lambdaArgs {
		l, ok := a.(*sql.Lambda)
		if !ok {
			return nil, sql.Errorf(a.ExprPos(), "%s takes a lambda here, as in x => x + 1", name)
		}
		fn, err := eb.bindLambda(l, params)
		if err != nil {
			return nil, err
		}
		fns = append(fns, fn)
	}
	x, err := expr.NewHigherOrder(name, coll, init, fns, eb.b.env)
	if err != nil {
		return nil, wrapErr(err, n.Pos)
	}
	return x, nil
}

// bindLambda binds a lambda's body with its parameters typed.
func (eb *exprBinder) bindLambda(l *sql.Lambda, params []types.Type) (*expr.Lambda, error) {
	if len(l.Params) != len(params) {
		return nil, sql.Errorf(l.Pos, "this lambda takes %d argument(s), not %d", len(params), len(l.Params))
	}
	vars := map[string]*expr.LambdaVar{}
	fn := &expr.Lambda{}
	for i, p := range l.Params {
		if _, err := eb.sc.resolve([]string{p}, l.Pos, eb.ci()); err == nil {
			return nil, sql.Errorf(l.Pos, "Lambda function argument can't be a column name: %s", p)
		}
		for _, outer := range eb.b.ksql.lambdas {
			if _, dup := outer[p]; dup {
				return nil, sql.Errorf(l.Pos, "Reusing lambda arguments in nested lambda is not allowed")
			}
		}
		if _, dup := vars[p]; dup {
			return nil, sql.Errorf(l.Pos, "Lambda argument %s is given twice", p)
		}
		v := &expr.LambdaVar{Name: p, T: params[i]}
		vars[p] = v
		fn.Params = append(fn.Params, v)
	}
	eb.b.ksql.lambdas = append(eb.b.ksql.lambdas, vars)
	body, err := eb.bind(l.Body)
	eb.b.ksql.lambdas = eb.b.ksql.lambdas[:len(eb.b.ksql.lambdas)-1]
	if err != nil {
		return nil, err
	}
	fn.Body = body
	return fn, nil
}

// structStar binds s->* of a ksqlDB select list: one column per field of
// the struct s, named after the field.
func (b *binder) structStar(fa *sql.FieldAccess, sc *scope, a *aggCtx) ([]expr.Expr, []Field, error) {
	eb := &exprBinder{b: b, sc: sc, agg: a}
	x, err := eb.bind(fa.X)
	if err != nil {
		return nil, nil, err
	}
	t := x.Type()
	if t.Kind != types.Struct {
		return nil, nil, sql.Errorf(fa.Pos, "Can not dereference field '*' of a value of type %s", t.KSQLString())
	}
	var projects []expr.Expr
	var fields []Field
	for i, f := range t.Fields {
		projects = append(projects, &expr.Field{X: x, Idx: i, Name: f.Name, T: f.Type.Nullable()})
		fields = append(fields, Field{Name: f.Name, Type: f.Type.Nullable()})
	}
	return projects, fields, nil
}
