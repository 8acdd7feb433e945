package expr

import "github.com/tumble/tumble/engine/types"

// CompareNullFalse rewrites the comparisons (=, <>, <, <=, >, >=) of e so
// that a NULL operand gives FALSE rather than NULL, as ksqlDB's comparisons
// do in a select list.
func CompareNullFalse(e Expr) Expr {
	return Rewrite(e, func(x Expr) Expr {
		switch n := x.(type) {
		case *Bin:
			switch n.Op {
			case "=", "<>", "<", "<=", ">", ">=":
				return &nullFalse{X: n}
			}
		case *colEqString:
			return &nullFalse{X: n}
		}
		return x
	})
}

// nullFalse is FALSE where X is NULL.
type nullFalse struct{ X Expr }

var _ Parent = (*nullFalse)(nil)

func (n *nullFalse) Eval(row types.Row) types.Value {
	v := n.X.Eval(row)
	if v.IsNull() {
		return types.BoolV(false)
	}
	return v
}
func (n *nullFalse) Type() types.Type              { return types.Type{Kind: types.Boolean, NotNull: true} }
func (n *nullFalse) String() string                { return n.X.String() }
func (n *nullFalse) Children() []Expr              { return []Expr{n.X} }
func (n *nullFalse) WithChildren(kids []Expr) Expr { return &nullFalse{X: kids[0]} }
