package engine

import (
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

// TableFilter filters an upsert stream keyed by Keys (ksqlDB's WHERE or
// HAVING on a table): a row that passes goes out as an update; a row that
// fails goes out as a delete of its key, but only when the key's previous
// row had passed (so nothing is deleted that was never there).
type TableFilter struct {
	base
	Filter expr.Expr
	Keys   []int

	passed map[string]bool
	keyBuf []byte
	out    []Rec
}

var (
	_ Op          = (*TableFilter)(nil)
	_ Snapshotter = (*TableFilter)(nil)
)

func (f *TableFilter) Open(c *OpContext) error {
	f.oc = c
	f.passed = map[string]bool{}
	return nil
}

func (f *TableFilter) Process(recs []Rec) error {
	f.out = f.out[:0]
	for _, r := range recs {
		f.keyBuf = appendKeyCols(f.keyBuf[:0], r.Row, f.Keys)
		prev := f.passed[string(f.keyBuf)]
		if r.Kind == UpdateBefore {
			continue // the update that follows decides
		}
		if r.Kind == Delete {
			if prev {
				f.out = append(f.out, r)
				delete(f.passed, string(f.keyBuf))
			}
			continue
		}
		v := f.Filter.Eval(r.Row)
		if v.K == types.Boolean && v.I != 0 {
			f.passed[string(f.keyBuf)] = true
			f.out = append(f.out, r)
			continue
		}
		if prev {
			delete(f.passed, string(f.keyBuf))
			f.out = append(f.out, Rec{Row: r.Row, Kind: Delete, Ts: r.Ts})
		}
	}
	return f.emit(f.out)
}

func (f *TableFilter) Snapshot(e *types.Enc) error {
	e.Uint(uint64(len(f.passed)))
	for k := range f.passed {
		e.String(k)
	}
	return nil
}

func (f *TableFilter) Restore(d *types.Dec) error {
	n := d.Uint()
	for i := uint64(0); i < n && d.Err == nil; i++ {
		f.passed[d.String()] = true
	}
	return d.Err
}
