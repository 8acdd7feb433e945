package engine

import "github.com/tumble/tumble/engine/types"

// Expand copies each row once per grouping set, for GROUPING SETS, ROLLUP
// and CUBE (Flink's Expand): in the i-th copy the columns Nulls[i] are
// NULL and a last BIGINT column holds i. Row kinds pass through, so an
// updating input stays updating.
type Expand struct {
	base
	Nulls [][]int

	out   []Rec
	arena arena
}

var _ Op = (*Expand)(nil)

func (e *Expand) Process(recs []Rec) error {
	e.out = e.out[:0]
	e.arena.reset()
	for i := range recs {
		r := &recs[i]
		for set, nulls := range e.Nulls {
			row := e.arena.row(len(r.Row) + 1)
			n := copy(row, r.Row)
			for _, c := range nulls {
				row[c] = types.NullValue
			}
			row[n] = types.BigIntV(int64(set))
			e.out = append(e.out, Rec{Row: row, Kind: r.Kind, Ts: r.Ts})
		}
	}
	return e.emit(e.out)
}
