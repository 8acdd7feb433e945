package engine

import (
	"cmp"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/tumble/tumble/engine/agg"
	"github.com/tumble/tumble/engine/types"
)

// WindowKind is the shape of an event-time window.
type WindowKind int

const (
	Tumble WindowKind = iota
	Hop
	Cumulate
	Session
)

func (k WindowKind) String() string {
	return [...]string{"TUMBLE", "HOP", "CUMULATE", "SESSION"}[k]
}

// Window describes windows; durations are microseconds. Slide is HOP's
// slide, Step is CUMULATE's step, Gap is SESSION's gap.
type Window struct {
	Kind   WindowKind
	Size   int64
	Slide  int64
	Step   int64
	Gap    int64
	Offset int64
}

// String renders the window for EXPLAIN, e.g. TUMBLE(size=[3 s]).
func (w Window) String() string {
	switch w.Kind {
	case Hop:
		return fmt.Sprintf("HOP(slide=[%s], size=[%s])", Dur(w.Slide), Dur(w.Size))
	case Cumulate:
		return fmt.Sprintf("CUMULATE(max_size=[%s], step=[%s])", Dur(w.Size), Dur(w.Step))
	case Session:
		return fmt.Sprintf("SESSION(gap=[%s])", Dur(w.Gap))
	}
	return fmt.Sprintf("TUMBLE(size=[%s])", Dur(w.Size))
}

// Dur renders microseconds as Flink does in plans: "3 s", "500 ms", "1 min".
func Dur(us int64) string {
	ms := us / types.MicrosPerMilli
	switch {
	case ms%86400000 == 0 && ms != 0:
		return fmt.Sprintf("%d d", ms/86400000)
	case ms%3600000 == 0 && ms != 0:
		return fmt.Sprintf("%d h", ms/3600000)
	case ms%60000 == 0 && ms != 0:
		return fmt.Sprintf("%d min", ms/60000)
	case ms%1000 == 0:
		return fmt.Sprintf("%d s", ms/1000)
	}
	return fmt.Sprintf("%d ms", ms)
}

func floorMod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// assign appends the [start, end) windows containing ts.
func (w Window) assign(dst [][2]int64, ts int64) [][2]int64 {
	switch w.Kind {
	case Tumble:
		start := ts - floorMod(ts-w.Offset, w.Size)
		return append(dst, [2]int64{start, start + w.Size})
	case Hop:
		last := ts - floorMod(ts-w.Offset, w.Slide)
		for start := last; start > ts-w.Size; start -= w.Slide {
			dst = append(dst, [2]int64{start, start + w.Size})
		}
		return dst
	case Cumulate:
		start := ts - floorMod(ts-w.Offset, w.Size)
		for end := start + w.Step; end <= start+w.Size; end += w.Step {
			if end > ts {
				dst = append(dst, [2]int64{start, end})
			}
		}
		return dst
	}
	return dst
}

// windowMaxTs is the last event time a window covers: end - 1 ms, as Flink's
// window_time (millisecond timestamps).
func windowMaxTs(end int64) int64 { return end - types.MicrosPerMilli }

// EmitMode says when an aggregate emits.
type EmitMode int

const (
	EmitOnWatermark EmitMode = iota // Flink: once, when the watermark passes the end
	EmitEveryRow                    // ksqlDB EMIT CHANGES: the new value after each row
	EmitFinal                       // ksqlDB EMIT FINAL: once, when stream time closes the window
)

// AggCall is one aggregate of an aggregating operator: the function and
// the input column of its argument (-1 for COUNT(*)).
type AggCall struct {
	Func *agg.Func
	Arg  int
	// HasFilter: only rows whose column Filter is TRUE are aggregated
	// (agg(...) FILTER (WHERE cond)).
	HasFilter bool
	Filter    int
}

// String renders the call with the input column names.
func (a AggCall) String(names []string) string {
	arg := ""
	if a.Arg >= 0 && a.Arg < len(names) {
		arg = names[a.Arg]
	}
	s := a.Func.String(arg)
	if a.HasFilter && a.Filter < len(names) {
		s += " FILTER " + names[a.Filter]
	}
	return s
}

// group is the state of one key in one window (or in a group aggregate).
type group struct {
	key  types.Row
	accs []agg.Acc
	// count of rows added minus retracted (for group aggregates)
	rows int64
	// emitted is the last result sent downstream (updating output)
	emitted types.Row
	maxTs   int64
	// nextFire is when the key's pending early or late firing is due
	// (processing time, micros; 0: none).
	nextFire int64
}

func newGroup(key types.Row, aggs []AggCall) *group {
	g := &group{key: key, accs: make([]agg.Acc, len(aggs))}
	for i, a := range aggs {
		g.accs[i] = a.Func.NewAcc()
	}
	return g
}

func (g *group) add(row types.Row, aggs []AggCall, retract bool) {
	addRow(g.accs, row, aggs, retract)
	if retract {
		g.rows--
	} else {
		g.rows++
	}
}

// addRow adds (or retracts) row to the accumulators of aggs.
func addRow(accs []agg.Acc, row types.Row, aggs []AggCall, retract bool) {
	for i, a := range aggs {
		if a.HasFilter {
			if f := row[a.Filter]; f.K != types.Boolean || f.I == 0 {
				continue
			}
		}
		var v types.Value
		if a.Arg >= 0 {
			v = row[a.Arg]
		}
		if retract {
			accs[i].Retract(v)
		} else {
			accs[i].Add(v)
		}
	}
}

// groupTable is an insertion-ordered hash table of groups.
type groupTable struct {
	index  map[string]int
	groups []*group
	single *group // the only group when there are no keys
}

func (t *groupTable) get(key []byte, row types.Row, keys []int, aggs []AggCall) *group {
	if len(keys) == 0 {
		if t.single == nil {
			t.single = newGroup(nil, aggs)
			t.groups = append(t.groups, t.single)
		}
		return t.single
	}
	if i, ok := t.index[string(key)]; ok {
		return t.groups[i]
	}
	k := make(types.Row, len(keys))
	for i, c := range keys {
		k[i] = row[c]
	}
	g := newGroup(k, aggs)
	if t.index == nil {
		t.index = map[string]int{}
	}
	t.index[string(key)] = len(t.groups)
	t.groups = append(t.groups, g)
	return g
}

func appendKeyCols(buf []byte, row types.Row, keys []int) []byte {
	for _, c := range keys {
		buf = types.AppendKey(buf, row[c])
	}
	return buf
}

// WindowAgg is the window aggregate (Flink's WindowAggregate over a window
// TVF, or a legacy group window). Input rows carry the time attribute at
// TimeCol (microseconds), grouping keys at Keys and aggregate arguments at
// the AggCall.Arg columns. Output rows are
//
//	keys..., window_start, window_end, window_time, aggregates...
//
// and each window is emitted once, when the watermark passes its end.
// Rows whose windows have all fired are late: dropped and counted.
type WindowAgg struct {
	base
	W        Window
	TimeCol  int
	Keys     []int
	Aggs     []AggCall
	TimeKind types.Kind // kind of window_start/end values (Timestamp or TimestampLTZ)
	// Emit selects when results go out: once per window on the watermark
	// (Flink, the default), after every row (ksqlDB EMIT CHANGES), or once
	// when the window closes by stream time (ksqlDB EMIT FINAL).
	Emit EmitMode
	// Grace is how long after its end a window still accepts rows, by
	// stream time (the largest row time seen); ksqlDB modes only.
	Grace int64
	// Retention (EmitFinal only, 0: none) is how long, by stream time,
	// a window's state outlives its start: a window that closes after
	// streamTime - Retention has passed its start is dropped unemitted,
	// as Kafka Streams' window store (retention: size + grace) has
	// expired it by then. It happens when stream time jumps ahead of a
	// window's close.
	Retention  int64
	streamTime int64
	// Proctime makes the windows processing-time windows (Flink's window
	// TVF over a PROCTIME() column): the time column holds the wall clock
	// when each row was processed; windows fire when the wall clock passes
	// their end, told by ticks through Clock(), and at the end of input.
	// Event-time watermarks do not fire them.
	Proctime bool
	// Now is the wall clock processing-time windows fire by (nil:
	// time.Now); the job's ProcClock input ticks by the same one.
	Now func() time.Time
	// Strategy is the early and late firing of an event-time window that
	// fires on the watermark (window_emit.go).
	Strategy EmitStrategy
	// Attached: each row belongs to the one window it carries, from
	// row[StartCol] to row[TimeCol] (its window_start and window_end),
	// instead of the windows W assigns to a time (Flink's window-attached
	// windowing: a window aggregate over the output of another window
	// operator, the windows W describes). Event-time windows fired on the
	// watermark only; such windows are never sliced.
	Attached bool
	StartCol int

	firedOnTime map[[2]int64]bool // windows kept for their allowed lateness
	fired       [][2]int64        // those windows, by end
	timers      []emitTimer       // pending early and late firings, by time
	// Watermarked: Spark's micro-batch modes drop (or, in append mode,
	// emit) windows once the largest event time minus Grace passes their
	// end (see processMicroBatch).
	Watermarked bool

	wm int64
	// slice is the length of the slices whose state HOP and CUMULATE
	// windows share (window_slice.go); 0: state per window. pending
	// then holds the slices, whose state is in sl.
	slice   int64
	sl      slicedState
	windows map[[2]int64]*groupTable
	pending [][2]int64 // open windows (or slices), sorted by end then start
	keyBuf  []byte
	assign  [][2]int64
	out     []Rec
	arena   arena
	lastWin [2]int64
	lastTab *groupTable
	mb      microBatch // the current micro-batch (Spark's output modes)
}

var (
	_ Op          = (*WindowAgg)(nil)
	_ Snapshotter = (*WindowAgg)(nil)
)

// Open implements Op.
func (w *WindowAgg) Open(c *OpContext) error {
	w.oc = c
	w.wm = MinWatermark
	w.streamTime = MinWatermark
	w.windows = map[[2]int64]*groupTable{}
	if w.TimeKind == 0 {
		w.TimeKind = types.Timestamp
	}
	if w.W.Kind == Session {
		return fmt.Errorf("session windows are not supported by WindowAgg")
	}
	w.slice = w.sliceLen()
	return nil
}

func (w *WindowAgg) table(win [2]int64) *groupTable {
	if w.lastTab != nil && win == w.lastWin {
		return w.lastTab
	}
	t, ok := w.windows[win]
	if !ok {
		t = &groupTable{}
		w.windows[win] = t
		i := sort.Search(len(w.pending), func(i int) bool {
			p := w.pending[i]
			return p[1] > win[1] || (p[1] == win[1] && p[0] >= win[0])
		})
		w.pending = append(w.pending, [2]int64{})
		copy(w.pending[i+1:], w.pending[i:])
		w.pending[i] = win
	}
	w.lastWin, w.lastTab = win, t
	return t
}

// Process implements Op.
func (w *WindowAgg) Process(recs []Rec) error {
	if w.Emit.MicroBatch() {
		return w.processMicroBatch(recs)
	}
	if w.Emit != EmitOnWatermark {
		return w.processStreamTime(recs)
	}
	if w.updates() {
		return w.processUpdates(recs)
	}
	if w.slice > 0 {
		return w.processSliced(recs)
	}
	for i := range recs {
		r := &recs[i]
		tv := r.Row[w.TimeCol]
		if tv.IsNull() {
			w.oc.LateDropped(1)
			continue
		}
		ts := tv.I
		if w.Attached {
			w.assign = append(w.assign[:0], [2]int64{r.Row[w.StartCol].I, ts})
		} else {
			w.assign = w.W.assign(w.assign[:0], ts)
		}
		late := true
		if len(w.Keys) > 0 {
			w.keyBuf = appendKeyCols(w.keyBuf[:0], r.Row, w.Keys)
		}
		for _, win := range w.assign {
			if windowMaxTs(win[1]) <= w.wm {
				continue // this window has fired
			}
			late = false
			g := w.table(win).get(w.keyBuf, r.Row, w.Keys, w.Aggs)
			g.add(r.Row, w.Aggs, r.Kind.IsRetract())
		}
		if late {
			w.oc.LateDropped(1)
		}
	}
	return nil
}

// processStreamTime is ksqlDB's windowed aggregation: stream time is the
// largest row time seen; a window accepts rows while end > streamTime -
// grace; EMIT CHANGES sends the window's new value after each row, EMIT
// FINAL sends each window once stream time has closed it.
func (w *WindowAgg) processStreamTime(recs []Rec) error {
	w.out = w.out[:0]
	w.arena.reset()
	for i := range recs {
		r := &recs[i]
		if r.Kind == Delete || anyNull(r.Row, w.Keys) {
			continue // a stream's tombstone, or a NULL grouping key
		}
		tv := r.Row[w.TimeCol]
		if tv.IsNull() {
			w.oc.LateDropped(1)
			continue
		}
		ts := tv.I
		if ts > w.streamTime {
			w.streamTime = ts
		}
		closeTime := w.streamTime - w.Grace
		w.assign = w.W.assign(w.assign[:0], ts)
		// Kafka Streams updates a row's windows in ascending start order.
		slices.SortFunc(w.assign, func(a, b [2]int64) int { return cmp.Compare(a[0], b[0]) })
		if len(w.Keys) > 0 {
			w.keyBuf = appendKeyCols(w.keyBuf[:0], r.Row, w.Keys)
		}
		late := true
		for _, win := range w.assign {
			if win[0] < 0 {
				continue // Kafka Streams' windows start at or after the epoch
			}
			if win[1] <= closeTime {
				continue
			}
			late = false
			g := w.table(win).get(w.keyBuf, r.Row, w.Keys, w.Aggs)
			g.add(r.Row, w.Aggs, r.Kind.IsRetract())
			if r.Ts > g.maxTs {
				g.maxTs = r.Ts
			}
			if w.Emit == EmitEveryRow {
				w.out = append(w.out, Rec{Row: w.result(win, g), Kind: UpdateAfter, Ts: g.maxTs})
			}
		}
		if late {
			w.oc.LateDropped(1)
		}
		w.closeUpTo(closeTime)
	}
	return w.emit(w.out)
}

// closeUpTo emits and forgets (EMIT FINAL) or forgets (EMIT CHANGES)
// windows whose end is at or before closeTime.
func (w *WindowAgg) closeUpTo(closeTime int64) {
	n := 0
	for n < len(w.pending) && w.pending[n][1] <= closeTime {
		n++
	}
	if n == 0 {
		return
	}
	for _, win := range w.pending[:n] {
		t := w.windows[win]
		expired := w.Retention > 0 && win[0] < w.streamTime-w.Retention
		if w.Emit == EmitFinal && !expired {
			for _, g := range t.groups {
				w.out = append(w.out, Rec{Row: w.result(win, g), Kind: Insert, Ts: g.maxTs})
			}
		}
		delete(w.windows, win)
	}
	w.pending = append(w.pending[:0], w.pending[n:]...)
	w.lastTab = nil
}

// Watermark implements Op: fire every window whose end has passed.
func (w *WindowAgg) Watermark(wm int64) error {
	if w.Emit.MicroBatch() {
		return w.forwardWatermark(wm) // Spark's watermark is the aggregate's own
	}
	if w.Emit != EmitOnWatermark {
		if wm == MaxWatermark && w.Emit == EmitFinal {
			// End of input: close every window.
			w.out = w.out[:0]
			w.arena.reset()
			w.closeUpTo(MaxWatermark)
			if err := w.emit(w.out); err != nil {
				return err
			}
		}
		return w.forwardWatermark(wm)
	}
	if w.Proctime && wm != MaxWatermark {
		return w.forwardWatermark(wm)
	}
	fire := w.fire
	if w.updates() {
		fire = w.fireUpdates
	}
	if err := fire(wm); err != nil {
		return err
	}
	return w.forwardWatermark(wm)
}

// fire emits and forgets the windows that end at or before t (the last
// time they cover is at most t). When they have different ends, each
// end's results are followed by a watermark of its window_time (event-time
// windows), so that an operator downstream can finish that window before
// the next one's results come: at the end of a bounded input every window
// fires at once.
func (w *WindowAgg) fire(t int64) error {
	if w.slice > 0 {
		return w.fireSliced(t)
	}
	if t <= w.wm {
		return nil
	}
	w.wm = t
	n := 0
	for n < len(w.pending) && windowMaxTs(w.pending[n][1]) <= t {
		n++
	}
	if n == 0 {
		return nil
	}
	w.out = w.out[:0]
	w.arena.reset()
	for k, win := range w.pending[:n] {
		if k > 0 && win[1] != w.pending[k-1][1] && !w.Proctime {
			if err := w.flushWatermark(windowMaxTs(w.pending[k-1][1])); err != nil {
				return err
			}
		}
		tab := w.windows[win]
		for _, g := range tab.groups {
			w.out = append(w.out, Rec{Row: w.result(win, g), Kind: Insert, Ts: windowMaxTs(win[1]) / types.MicrosPerMilli})
			if len(w.out) == fireChunk {
				if err := w.emit(w.out); err != nil {
					return err
				}
				w.out = w.out[:0]
				w.arena.reset()
			}
		}
		delete(w.windows, win)
	}
	w.pending = append(w.pending[:0], w.pending[n:]...)
	w.lastTab = nil
	return w.emit(w.out)
}

// fireChunk is how many results a firing sends downstream at a time: the
// windows of a whole bounded input may all fire on its final watermark,
// and their results are not all held at once (nor the rows each operator
// downstream builds from them).
const fireChunk = 4096

// Clock is the operator that a ProcClock input feeds: each tick fires the
// processing-time windows that the wall clock (WindowAgg.Now) has passed.
func (w *WindowAgg) Clock() Op { return &windowClock{w: w} }

type windowClock struct{ w *WindowAgg }

func (c *windowClock) Open(*OpContext) error { return nil }
func (c *windowClock) Close() error          { return nil }
func (c *windowClock) Watermark(int64) error { return nil }
func (c *windowClock) Process([]Rec) error {
	return c.w.fire(wallClock(c.w.Now).UnixMilli() * types.MicrosPerMilli)
}

// flushWatermark sends the results built so far, then the watermark wm.
func (w *WindowAgg) flushWatermark(wm int64) error {
	if err := w.emit(w.out); err != nil {
		return err
	}
	w.out = w.out[:0]
	w.arena.reset()
	return w.forwardWatermark(wm)
}

func (w *WindowAgg) result(win [2]int64, g *group) types.Row {
	return w.resultOf(win, g.key, g.accs)
}

func (w *WindowAgg) resultOf(win [2]int64, key types.Row, accs []agg.Acc) types.Row {
	row := w.arena.row(len(w.Keys) + 3 + len(w.Aggs))
	n := copy(row, key)
	row[n] = types.Value{K: w.TimeKind, I: win[0]}
	row[n+1] = types.Value{K: w.TimeKind, I: win[1]}
	row[n+2] = types.Value{K: w.TimeKind, I: windowMaxTs(win[1])}
	for i, a := range accs {
		row[n+3+i] = a.Result()
	}
	return row
}

// Snapshot implements Snapshotter.
func (w *WindowAgg) Snapshot(e *types.Enc) error {
	e.Int(w.wm)
	e.Int(w.streamTime)
	if w.updates() {
		w.snapshotUpdates(e)
		return nil
	}
	if w.slice > 0 {
		// No windows in the section a per-window state uses, then the
		// slices (see Restore).
		e.Uint(0)
		e.Uint(slicedStateFormat)
		e.Int(w.slice)
		w.snapshotSlices(e)
		return nil
	}
	w.snapshotTables(e)
	return nil
}

// snapshotTables writes the open windows and their groups.
func (w *WindowAgg) snapshotTables(e *types.Enc) {
	e.Uint(uint64(len(w.pending)))
	for _, win := range w.pending {
		e.Int(win[0])
		e.Int(win[1])
		t := w.windows[win]
		e.Uint(uint64(len(t.groups)))
		for _, g := range t.groups {
			e.Row(g.key)
			e.Int(g.maxTs)
			for _, a := range g.accs {
				a.Encode(e)
			}
		}
	}
}

// Restore implements Snapshotter. A state kept per window (written by a
// Tumble before sliced windows, or by an operator that does not slice)
// is restored as such, and the operator then keeps its state per window;
// a sliced state restores only into an operator with the same slices.
func (w *WindowAgg) Restore(d *types.Dec) error {
	w.wm = d.Int()
	w.streamTime = d.Int()
	if w.updates() {
		w.restoreUpdates(d)
		return d.Err
	}
	if n := d.Uint(); n > 0 {
		w.slice = 0
		w.restoreTables(d, n)
		return d.Err
	}
	if len(d.B) == 0 {
		return d.Err // no open window
	}
	if f := d.Uint(); f != slicedStateFormat {
		if d.Err != nil {
			return d.Err
		}
		return fmt.Errorf("window aggregate state of an unknown format (%d): written by a newer Tumble?", f)
	}
	s := d.Int()
	if d.Err == nil && s != w.slice {
		if w.slice == 0 {
			return fmt.Errorf("window aggregate state is kept in slices of %s, but this %s aggregate keeps its state per window", Dur(s), w.W)
		}
		return fmt.Errorf("window aggregate state is kept in slices of %s, but this %s aggregate slices by %s", Dur(s), w.W, Dur(w.slice))
	}
	w.restoreSlices(d)
	return d.Err
}

// restoreTables reads n windows that snapshotTables wrote.
func (w *WindowAgg) restoreTables(d *types.Dec, n uint64) {
	for i := uint64(0); i < n && d.Err == nil; i++ {
		win := [2]int64{d.Int(), d.Int()}
		t := w.table(win)
		ng := d.Uint()
		for j := uint64(0); j < ng && d.Err == nil; j++ {
			key := d.Row()
			var kb []byte
			for _, v := range key {
				kb = types.AppendKey(kb, v)
			}
			g := newGroup(key, w.Aggs)
			if len(w.Keys) == 0 {
				t.single = g
			} else {
				if t.index == nil {
					t.index = map[string]int{}
				}
				t.index[string(kb)] = len(t.groups)
			}
			t.groups = append(t.groups, g)
			g.maxTs = d.Int()
			for _, a := range g.accs {
				a.Decode(d)
			}
		}
	}
	w.lastTab = nil
}
