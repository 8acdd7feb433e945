package engine

import (
	"context"
	"io"

	"github.com/tumble/tumble/engine/types"
)

// ValuesSource is a bounded source over fixed rows (INSERT ... VALUES, and
// tests). It has one split; its position is the number of rows emitted.
type ValuesSource struct {
	Rows []types.Row
	// Batch is how many rows each Poll returns (default: all).
	Batch int
	pos   int
}

var _ Source = (*ValuesSource)(nil)

func (v *ValuesSource) Open(_ context.Context, start map[int32]int64) error {
	v.pos = int(start[0])
	return nil
}

func (v *ValuesSource) Splits() []int32 { return []int32{0} }

func (v *ValuesSource) Poll(ctx context.Context) ([]SplitBatch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if v.pos >= len(v.Rows) {
		return nil, io.EOF
	}
	n := len(v.Rows) - v.pos
	if v.Batch > 0 && n > v.Batch {
		n = v.Batch
	}
	recs := make([]Rec, n)
	for i := range recs {
		recs[i] = Rec{Row: v.Rows[v.pos+i]}
	}
	v.pos += n
	return []SplitBatch{{Split: 0, Recs: recs, Next: int64(v.pos)}}, nil
}

func (v *ValuesSource) Close() error { return nil }

// Bounded implements BoundedSource.
func (v *ValuesSource) Bounded() bool { return true }
