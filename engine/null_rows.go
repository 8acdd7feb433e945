package engine

import "github.com/tumble/tumble/engine/types"

// NullRows gives a ksqlDB stream's tombstones (records whose value is
// NULL, Delete here) ksqlDB's meaning: a NULL row, which a WHERE clause
// drops (Drop) and which otherwise comes out as a tombstone whose columns
// are all NULL but the record key's (Keep). Other records pass unchanged.
type NullRows struct {
	base
	Drop  bool
	Keep  []bool // columns copied from the input record's key
	out   []Rec
	arena arena
}

var _ Op = (*NullRows)(nil)

func (n *NullRows) Process(recs []Rec) error {
	n.out = n.out[:0]
	n.arena.reset()
	for i := range recs {
		r := recs[i]
		if r.Kind == Delete {
			if n.Drop {
				continue
			}
			row := n.arena.row(len(r.Row))
			for c := range row {
				if c < len(n.Keep) && n.Keep[c] {
					row[c] = r.Row[c]
				} else {
					row[c] = types.NullValue
				}
			}
			r.Row = row
		}
		n.out = append(n.out, r)
	}
	return n.emit(n.out)
}

// Describe implements Describer.
func (n *NullRows) Describe() string {
	if n.Drop {
		return "NullRows(drop)"
	}
	return "NullRows"
}
