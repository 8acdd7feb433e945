package engine

import "github.com/tumble/tumble/engine/types"

// WindowTVF assigns windows to rows without aggregating: each input row
// comes out once per window it belongs to, with window_start, window_end and
// window_time appended.
type WindowTVF struct {
	base
	W        Window
	TimeCol  int
	TimeKind types.Kind

	assign [][2]int64
	out    []Rec
	arena  arena
}

var _ Op = (*WindowTVF)(nil)

func (w *WindowTVF) Process(recs []Rec) error {
	w.out = w.out[:0]
	w.arena.reset()
	tk := w.TimeKind
	if tk == 0 {
		tk = types.Timestamp
	}
	for i := range recs {
		r := &recs[i]
		tv := r.Row[w.TimeCol]
		if tv.IsNull() {
			continue
		}
		w.assign = w.W.assign(w.assign[:0], tv.I)
		for _, win := range w.assign {
			row := w.arena.row(len(r.Row) + 3)
			n := copy(row, r.Row)
			row[n] = types.Value{K: types.Timestamp, I: win[0]}
			row[n+1] = types.Value{K: types.Timestamp, I: win[1]}
			row[n+2] = types.Value{K: tk, I: windowMaxTs(win[1])}
			w.out = append(w.out, Rec{Row: row, Kind: r.Kind, Ts: r.Ts})
		}
	}
	return w.emit(w.out)
}
