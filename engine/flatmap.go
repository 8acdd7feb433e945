package engine

import (
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

// FlatMap applies table functions (ksqlDB's EXPLODE, CUBE_EXPLODE): each
// generator evaluates to an ARRAY per input row, and the row comes out
// once per element, followed by one column per generator. Generators are
// zipped as ksqlDB does: a row yields as many rows as its longest array,
// shorter arrays giving NULL past their end; a row whose arrays are all
// NULL or empty yields nothing. Rows keep their kind and timestamp; the
// output is in input order, elements in array order.
type FlatMap struct {
	base
	Gens []expr.Expr
	out  []Rec
	// arena holds the output rows of one batch.
	arena arena
	elems [][]types.Value
}

var _ Op = (*FlatMap)(nil)

func (f *FlatMap) Process(recs []Rec) error {
	f.out = f.out[:0]
	f.arena.reset()
	if cap(f.elems) < len(f.Gens) {
		f.elems = make([][]types.Value, len(f.Gens))
	}
	elems := f.elems[:len(f.Gens)]
	for i := range recs {
		r := &recs[i]
		n := 0
		for g, gen := range f.Gens {
			v := gen.Eval(r.Row)
			elems[g] = nil
			if !v.IsNull() {
				elems[g] = v.Elems()
			}
			n = max(n, len(elems[g]))
		}
		w := len(r.Row)
		for k := 0; k < n; k++ {
			row := f.arena.row(w + len(f.Gens))
			copy(row, r.Row)
			for g := range f.Gens {
				if k < len(elems[g]) {
					row[w+g] = elems[g][k]
				} else {
					row[w+g] = types.NullValue
				}
			}
			f.out = append(f.out, Rec{Row: row, Kind: r.Kind, Ts: r.Ts})
		}
	}
	return f.emit(f.out)
}

// Describe implements Describer.
func (f *FlatMap) Describe() string {
	s := "FlatMap("
	for i, g := range f.Gens {
		if i > 0 {
			s += ", "
		}
		s += g.String()
	}
	return s + ")"
}
