package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/session"
	"github.com/tumble/tumble/sql"
)

// GET /v1/tables/{name}/live: a table's or stream's current rows, kept up
// to date and pushed as server-sent events, for the console's live view
// (what Pinot's upsert table shows of the ksqlDB results).
//
// The server runs SELECT * over the object from the start of its topic and
// materializes the changes: a retracting result (a ksqlDB table, a Flink
// table with a primary key, a windowed table's updates) keeps the latest
// row per key — an update takes back the row it replaces, a delete removes
// it — and an insert-only one keeps its newest rows (?limit=, 1,000 by
// default). Changes are coalesced and sent at most every 100 ms, so a
// browser gets each row's latest state, not every update. The query runs
// only while the request is open.

// liveFlushInterval is how often a live view sends what changed.
const liveFlushInterval = 100 * time.Millisecond

// liveMaxLimit bounds the rows an insert-only live view keeps.
const liveMaxLimit = 10000

// LiveHeader is the first event of a live view ("header").
type LiveHeader struct {
	Object  CatalogObject `json:"object"`
	Query   string        `json:"query"`
	Columns []QueryColumn `json:"columns"`
	// Mode is "insert-only" (the newest Limit rows are kept), "retract"
	// (the latest row per key) or "upsert" (updates whose keys are not
	// known: kept as the newest rows).
	Mode  string `json:"changelog_mode"`
	Limit int    `json:"limit"`
}

// liveRow is one row of a live view.
type liveRow struct {
	text  []byte // the row as a JSON array
	count int    // how many times the row is in the result (retract)
	sent  bool   // the client has it
}

// liveView materializes a stream of changes. It is used by one goroutine.
type liveView struct {
	retract bool
	limit   int
	byText  map[string]int64 // retract: row → id
	rows    map[int64]*liveRow
	order   []int64 // insert-only: ids, oldest first
	dirty   map[int64]struct{}
	next    int64
}

func newLiveView(mode planner.Changelog, limit int) *liveView {
	return &liveView{retract: mode == planner.Retract, limit: limit, byText: map[string]int64{},
		rows: map[int64]*liveRow{}, dirty: map[int64]struct{}{}}
}

// apply takes one change; text is its row as a JSON array.
func (v *liveView) apply(kind engine.RowKind, text []byte) {
	if !v.retract {
		v.next++
		id := v.next
		v.rows[id] = &liveRow{text: text, count: 1}
		v.dirty[id] = struct{}{}
		v.order = append(v.order, id)
		if len(v.order) > v.limit {
			old := v.order[0]
			v.order = v.order[1:]
			if r := v.rows[old]; r != nil {
				r.count = 0
			}
			v.dirty[old] = struct{}{}
		}
		return
	}
	key := string(text)
	id, ok := v.byText[key]
	switch kind {
	case engine.UpdateBefore, engine.Delete:
		if !ok {
			return // taking back a row never seen: nothing to show
		}
		r := v.rows[id]
		r.count--
		if r.count <= 0 {
			delete(v.byText, key)
		}
		v.dirty[id] = struct{}{}
	default:
		if !ok {
			v.next++
			id = v.next
			v.byText[key] = id
			v.rows[id] = &liveRow{text: text}
		}
		v.rows[id].count++
		v.dirty[id] = struct{}{}
	}
}

// flush appends to b the JSON of what changed since the last flush
// ({"upsert": [[id, row], ...], "delete": [id, ...], "rows": n}) and
// reports whether anything had.
func (v *liveView) flush(b []byte) ([]byte, bool) {
	if len(v.dirty) == 0 {
		return b, false
	}
	b = append(b, `{"upsert":[`...)
	first := true
	var gone []int64
	for id := range v.dirty {
		r := v.rows[id]
		if r.count <= 0 {
			if r.sent {
				gone = append(gone, id)
			}
			delete(v.rows, id)
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = append(b, '[')
		b = strconv.AppendInt(b, id, 10)
		b = append(b, ',')
		b = append(b, r.text...)
		b = append(b, ']')
		r.sent = true
	}
	b = append(b, `],"delete":[`...)
	for i, id := range gone {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	b = append(b, `],"rows":`...)
	b = strconv.AppendInt(b, int64(len(v.rows)), 10)
	b = append(b, '}')
	clear(v.dirty)
	return b, true
}

// liveQuery is the query behind a live view of t: every row from the
// start of its topic, as the table's dialect reads it.
// A dialect whose clients have no such query has no live views.
func liveQuery(t *planner.Table) (string, sql.Dialect, map[string]string, error) {
	d := planner.DialectOf(t.Dialect)
	live := d.Rules().Client.Live
	if live.Query == "" {
		return "", 0, nil, fmt.Errorf("%s has no live view: %s's tables have none", t.Name, d.Rules().Client.Title)
	}
	name := "`" + strings.ReplaceAll(t.Name, "`", "``") + "`"
	if t.Kind != sql.KindView && t.Connector() == "kafka" {
		name += live.FromStartHint
	}
	return fmt.Sprintf(live.Query, name), t.Dialect, live.Settings, nil
}

func modeName(m planner.Changelog) string {
	switch m {
	case planner.Retract:
		return "retract"
	case planner.Upsert:
		return "upsert"
	}
	return "insert-only"
}

func catalogObject(t *planner.Table) CatalogObject {
	return CatalogObject{Name: t.Name, Kind: strings.ToLower(t.Kind.String()), Dialect: t.Dialect.String()}
}

// handleLiveTable is GET /v1/tables/{name}/live.
func (s *Server) handleLiveTable(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	t, ok := s.cat.Lookup(name, true)
	if !ok {
		s.fail(w, r, http.StatusNotFound, fmt.Errorf("no table, stream or view named '%s'", name))
		return
	}
	limit := 1000
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > liveMaxLimit {
			s.fail(w, r, http.StatusBadRequest, fmt.Errorf("limit must be a number from 1 to %d", liveMaxLimit))
			return
		}
		limit = n
	}
	text, d, props, err := liveQuery(t)
	if err != nil {
		s.fail(w, r, http.StatusBadRequest, err)
		return
	}
	stmts, err := session.Parse(text, d)
	if err != nil || len(stmts) != 1 {
		s.fail(w, r, http.StatusInternalServerError, fmt.Errorf("the live query %q does not parse: %v", text, err))
		return
	}
	out, err := s.execute(r.Context(), s.session(d, props), stmts[0], text)
	if err != nil {
		status := http.StatusBadRequest
		var ie *internalError
		if errors.As(err, &ie) {
			status = http.StatusInternalServerError
		}
		s.fail(w, r, status, err)
		return
	}
	stream := out.result.Stream
	if stream == nil {
		s.fail(w, r, http.StatusInternalServerError, errors.New("the live query did not start"))
		return
	}
	defer stream.Cancel()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	fl := flusher(w)
	hdr := LiveHeader{Object: catalogObject(t), Query: text, Mode: modeName(stream.Changelog), Limit: limit}
	for _, c := range stream.Columns {
		hdr.Columns = append(hdr.Columns, QueryColumn{Name: c.Name, Type: c.Type.String(), DataType: c.Type})
	}
	if err := writeEvent(w, "header", hdr); err != nil {
		return
	}
	fl()
	view := newLiveView(stream.Changelog, limit)
	tick := time.NewTicker(liveFlushInterval)
	defer tick.Stop()
	var buf []byte
	send := func() error {
		var changed bool
		buf, changed = view.flush(append(buf[:0], "event: changes\ndata: "...))
		if !changed {
			return nil
		}
		buf = append(buf, "\n\n"...)
		if _, err := w.Write(buf); err != nil {
			return err
		}
		fl()
		return nil
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.ctx.Done():
			return
		case <-tick.C:
			if send() != nil {
				return
			}
		case rec, ok := <-stream.Rows:
			if !ok {
				if send() != nil {
					return
				}
				end := map[string]any{}
				if err := stream.Err(); err != nil && !errors.Is(err, context.Canceled) {
					end["error"] = errorMessage(err)
				}
				writeEvent(w, "end", end)
				fl()
				return
			}
			row := []byte{'['}
			for i, v := range rec.Row {
				if i > 0 {
					row = append(row, ',')
				}
				row = AppendValue(row, v, stream.Columns[i].Type, tumbleValues)
			}
			view.apply(rec.Kind, append(row, ']'))
		}
	}
}

// writeEvent writes one server-sent event whose data is v as JSON.
func writeEvent(w http.ResponseWriter, event string, v any) error {
	b, err := jsonLine(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "event: %s\ndata: %s\n", event, b)
	return err
}
