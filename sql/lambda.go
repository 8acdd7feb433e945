package sql

// ksqlDB's lambdas: x => body and (x, y) => body, arguments of TRANSFORM,
// FILTER and REDUCE. The rewriter replaces the parameters and the arrow by
// a placeholder call without arguments followed by a comma, so that tidb
// sees the body as the next argument of the enclosing call; the converter
// then folds the marker and that argument into one Lambda.

// Lambda is (params) => body. Params are normalized like identifiers.
type Lambda struct {
	Params []string
	Body   Expr
	Pos    Pos
}

func (e *Lambda) ExprPos() Pos { return e.Pos }

// lambdas finds the arrows of one bracket level (ksqlDB only) and records
// the replacement of each lambda's parameter list.
func (r *rewriter) lambdas(lo, hi int) {
	if r.p.d != KSQL {
		return
	}
	argStart := func(i int) bool { return i == lo || r.toks[i-1].isOp(",") }
	for a := lo; a < hi; a++ {
		t := r.toks[a]
		if t.isOp("(") || t.isOp("[") {
			a = r.match[a]
			continue
		}
		if !t.isOp("=>") {
			continue
		}
		var start int
		var params []string
		switch prev := r.tok(a-1, hi); {
		case a > lo && prev.isName() && argStart(a-1):
			start = a - 1
			params = []string{r.p.normIdent(prev)}
		case a > lo && prev.isOp(")") && argStart(r.match[a-1]):
			start = r.match[a-1]
			for k := start + 1; k < a-1; k++ {
				pt := r.toks[k]
				if !pt.isName() {
					r.p.unexpected(pt, "a lambda parameter name")
				}
				params = append(params, r.p.normIdent(pt))
				if k+1 < a-1 {
					if !r.toks[k+1].isOp(",") {
						r.p.unexpected(r.toks[k+1], "',' or ')'")
					}
					k++
				}
			}
			if len(params) == 0 {
				r.p.fail(t, "a lambda needs parameters")
			}
		default:
			r.p.fail(t, "'=>' must follow lambda parameters, as in x => x + 1 or (k, v) => v")
		}
		if a+1 >= hi || r.toks[a+1].isOp(",") {
			r.p.fail(t, "a lambda needs a body after =>")
		}
		ph, name := r.newPH(phLambda, r.toks[start].off)
		ph.names = params
		r.replace[start] = name + "() ,"
		for k := start + 1; k <= a; k++ {
			r.skip[k] = true
		}
	}
}

// foldLambdas joins each lambda marker with the argument after it.
func foldLambdas(args []Expr) []Expr {
	out := args[:0:0]
	for i := 0; i < len(args); i++ {
		if l, ok := args[i].(*Lambda); ok && l.Body == nil && i+1 < len(args) {
			out = append(out, &Lambda{Params: l.Params, Body: args[i+1], Pos: l.Pos})
			i++
			continue
		}
		out = append(out, args[i])
	}
	return out
}

// phLambda is the placeholder of a lambda's parameters.
const phLambda phKind = 100
