package planner

import (
	"fmt"
	"strings"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/sql"
)

// unaryOp is a plan node with one input that builds one engine operator;
// withInputs and the job builder handle such nodes without knowing them.
type unaryOp interface {
	Node
	withInput(in Node) Node
	newOp() engine.Op
}

// FlatMap applies ksqlDB's table functions (EXPLODE, CUBE_EXPLODE): its
// fields are the input's followed by one hidden column per table function
// call, and a row comes out per element (see engine.FlatMap).
type FlatMap struct {
	Input  Node
	Gens   []expr.Expr // each an ARRAY over the input row
	fields []Field
}

var _ unaryOp = (*FlatMap)(nil)

func (f *FlatMap) Fields() []Field  { return f.fields }
func (f *FlatMap) Inputs() []Node   { return []Node{f.Input} }
func (f *FlatMap) Mode() Changelog  { return f.Input.Mode() }
func (f *FlatMap) newOp() engine.Op { return &engine.FlatMap{Gens: f.Gens} }
func (f *FlatMap) withInput(in Node) Node {
	c := *f
	c.Input = in
	return &c
}

func (f *FlatMap) Describe() string {
	parts := make([]string, len(f.Gens))
	for i, g := range f.Gens {
		parts[i] = g.String()
	}
	return "FlatMap(explode=[" + strings.Join(parts, ", ") + "])"
}

// isTableFunction says whether a ksqlDB function returns rows.
func isTableFunction(name string) bool {
	switch strings.ToUpper(name) {
	case "EXPLODE", "CUBE_EXPLODE":
		return true
	}
	return false
}

// tableFunctionCalls lists the table function calls of a select list.
func tableFunctionCalls(sel *sql.Select) []*sql.Call {
	var calls []*sql.Call
	for _, it := range sel.Items {
		if it.Expr == nil {
			continue
		}
		walkSQL(it.Expr, func(x sql.Expr) {
			if c, ok := x.(*sql.Call); ok && isTableFunction(c.Name) {
				calls = append(calls, c)
			}
		})
	}
	return calls
}

// bindTableFunctions puts a FlatMap over the FROM clause's node for the
// table functions of a ksqlDB select list; binding the list then resolves
// each call to its column (binder.special).
func (b *binder) bindTableFunctions(sel *sql.Select, fr *fromResult, srcTable bool) error {
	calls := tableFunctionCalls(sel)
	if len(calls) == 0 {
		return nil
	}
	if srcTable {
		return sql.Errorf(calls[0].Pos, "Table source is not supported with table functions")
	}
	fields := append([]Field(nil), fr.sc.fields...)
	var gens []expr.Expr
	cols := map[*sql.Call]*expr.Col{}
	for _, c := range calls {
		if len(c.Args) != 1 {
			return sql.Errorf(c.Pos, "Function '%s' takes one argument", strings.ToLower(c.Name))
		}
		eb := &exprBinder{b: b, sc: fr.sc}
		x, err := eb.bind(c.Args[0])
		if err != nil {
			return err
		}
		t := x.Type()
		if t.Kind != types.Array {
			return sql.Errorf(c.Pos, "Function '%s' does not accept parameters (%s).", strings.ToLower(c.Name), t.KSQLString())
		}
		elem := t.Elem.Nullable()
		if strings.EqualFold(c.Name, "CUBE_EXPLODE") {
			x = cubeOf(x)
			inner := elem // a copy: &elem would make the type its own element
			elem = types.Type{Kind: types.Array, Elem: &inner}
		}
		name := fmt.Sprintf("$TF%d", len(gens))
		cols[c] = &expr.Col{Idx: len(fields), T: elem, Name: name}
		fields = append(fields, Field{Name: name, Type: elem, Hidden: true})
		gens = append(gens, x)
	}
	fr.node = &FlatMap{Input: fr.node, Gens: gens, fields: fields}
	fr.sc = &scope{fields: fields}
	b.ksql.tableFuncs = cols
	return nil
}

// tableFunctionCol resolves a table function call of the select list to
// its FlatMap column (binder.special).
func (b *binder) tableFunctionCol(n *sql.Call) (func() (expr.Expr, error), bool) {
	if !isTableFunction(n.Name) {
		return nil, false
	}
	return func() (expr.Expr, error) {
		if c, ok := b.ksql.tableFuncs[n]; ok {
			return c, nil
		}
		return nil, sql.Errorf(n.Pos, "Table function %s is only allowed in the select list of a query over a stream", strings.ToUpper(n.Name))
	}, true
}

// cubeOf is ksqlDB's CUBE_EXPLODE generator: every combination of the
// array's elements and NULLs (2^n arrays, the all-NULL one first),
// skipping combinations that repeat because an element is NULL.
func cubeOf(x expr.Expr) expr.Expr {
	t := x.Type()
	return &expr.Call{Name: "CUBE", Args: []expr.Expr{x}, T: types.Type{Kind: types.Array, Elem: &t}, Strict: true,
		Fn: func(a []types.Value) types.Value {
			in := a[0].Elems()
			n := len(in)
			if n > 20 {
				n = 20 // 2^20 rows per record is already more than anyone wants
			}
			var out []types.Value
			seen := map[string]bool{}
			for mask := 0; mask < 1<<n; mask++ {
				combo := make([]types.Value, n)
				var key []byte
				for j := 0; j < n; j++ {
					if mask&(1<<(n-1-j)) != 0 {
						combo[j] = in[j]
					} else {
						combo[j] = types.NullValue
					}
					key = types.AppendKey(key, combo[j])
				}
				if seen[string(key)] {
					continue
				}
				seen[string(key)] = true
				out = append(out, types.ArrayV(combo))
			}
			return types.ArrayV(out)
		}}
}
