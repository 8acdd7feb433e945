package jdbc

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// Sink writes rows to a PostgreSQL table, as Flink's jdbc sink does. With a
// primary key it upserts (INSERT ... ON CONFLICT (key) DO UPDATE) for +I
// and +U and deletes for -D, keeping only each key's last change in its
// buffer: a -U that no +U of its key follows before the buffer is written
// deletes the row. Without a primary key it only inserts (the planner
// gives it insert-only queries). The buffer is written, in one
// transaction, when it holds 'sink.buffer-flush.max-rows' rows (100), when
// a write finds 'sink.buffer-flush.interval' (1 s) passed, and at every
// Flush (each checkpoint); a failed write is retried 'sink.max-retries'
// times (3). Methods are called from one goroutine.
type Sink struct {
	cfg        *config
	conn       *pgx.Conn
	pkCols     []int
	upsertSQL  string
	deleteSQL  string
	maxRows    int
	interval   time.Duration
	maxRetries int

	keys      map[string]int // key -> index in pending (upsert mode)
	pending   []pendingRow
	lastFlush time.Time
	keyBuf    []byte
}

type pendingRow struct {
	row    types.Row
	delete bool
}

var _ engine.Sink = (*Sink)(nil)

// NewSink checks a table's options; it connects on the first write.
func NewSink(spec *engine.TableSpec) (*Sink, error) {
	cfg, err := parseConfig(spec)
	if err != nil {
		return nil, err
	}
	s := &Sink{cfg: cfg, maxRows: 100, interval: time.Second, maxRetries: 3, keys: map[string]int{}, lastFlush: time.Now()}
	if v, ok := spec.Option("sink.buffer-flush.max-rows"); ok {
		if s.maxRows, err = strconv.Atoi(strings.TrimSpace(v)); err != nil || s.maxRows < 0 {
			return nil, optErr(spec, "'sink.buffer-flush.max-rows' must be a number of rows, not '%s'", v)
		}
	}
	if v, ok := spec.Option("sink.buffer-flush.interval"); ok {
		if s.interval, err = types.ParseDuration(v); err != nil {
			return nil, optErr(spec, "'sink.buffer-flush.interval': %v", err)
		}
	}
	if v, ok := spec.Option("sink.max-retries"); ok {
		if s.maxRetries, err = strconv.Atoi(strings.TrimSpace(v)); err != nil || s.maxRetries < 0 {
			return nil, optErr(spec, "'sink.max-retries' must be a number, not '%s'", v)
		}
	}
	for _, k := range cfg.pk {
		for i, c := range cfg.cols {
			if c == k {
				s.pkCols = append(s.pkCols, i)
			}
		}
	}
	ph := make([]string, len(cfg.cols))
	for i := range ph {
		ph[i] = "$" + strconv.Itoa(i+1)
	}
	s.upsertSQL = "INSERT INTO " + cfg.table + " (" + strings.Join(cfg.cols, ", ") + ") VALUES (" + strings.Join(ph, ", ") + ")"
	if len(s.pkCols) > 0 {
		var sets []string
		for i, c := range cfg.cols {
			if !hasCol(s.pkCols, i) {
				sets = append(sets, c+" = EXCLUDED."+c)
			}
		}
		if len(sets) == 0 {
			s.upsertSQL += " ON CONFLICT (" + strings.Join(cfg.pk, ", ") + ") DO NOTHING"
		} else {
			s.upsertSQL += " ON CONFLICT (" + strings.Join(cfg.pk, ", ") + ") DO UPDATE SET " + strings.Join(sets, ", ")
		}
		conds := make([]string, len(s.pkCols))
		for i, c := range s.pkCols {
			conds[i] = cfg.cols[c] + " = $" + strconv.Itoa(i+1)
		}
		s.deleteSQL = "DELETE FROM " + cfg.table + " WHERE " + strings.Join(conds, " AND ")
	}
	return s, nil
}

func hasCol(cols []int, c int) bool {
	for _, x := range cols {
		if x == c {
			return true
		}
	}
	return false
}

// Write buffers the records; it writes the buffer when it is full or the
// interval has passed.
func (s *Sink) Write(ctx context.Context, recs []engine.Rec) error {
	for _, r := range recs {
		del := r.Kind.IsRetract()
		if len(s.pkCols) == 0 {
			if r.Kind != engine.Insert {
				return engine.Permanent(fmt.Errorf("jdbc table '%s': a %s record needs a PRIMARY KEY on the table", s.cfg.spec.Name, r.Kind))
			}
			s.pending = append(s.pending, pendingRow{row: append(types.Row(nil), r.Row...)})
			continue
		}
		s.keyBuf = s.keyBuf[:0]
		for _, c := range s.pkCols {
			s.keyBuf = types.AppendKey(s.keyBuf, r.Row[c])
		}
		p := pendingRow{row: append(types.Row(nil), r.Row...), delete: del}
		if i, ok := s.keys[string(s.keyBuf)]; ok {
			s.pending[i] = p
		} else {
			s.keys[string(s.keyBuf)] = len(s.pending)
			s.pending = append(s.pending, p)
		}
	}
	if len(s.pending) >= s.maxRows || time.Since(s.lastFlush) >= s.interval {
		return s.Flush(ctx)
	}
	return nil
}

// Flush writes the buffer in one transaction, retrying failures.
func (s *Sink) Flush(ctx context.Context) error {
	if len(s.pending) == 0 {
		s.lastFlush = time.Now()
		return nil
	}
	var err error
	for attempt := 0; attempt <= s.maxRetries; attempt++ {
		if attempt > 0 {
			select {
			case <-time.After(time.Duration(attempt) * time.Second):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if err = s.write(ctx); err == nil {
			s.pending = s.pending[:0]
			clear(s.keys)
			s.lastFlush = time.Now()
			return nil
		}
	}
	return fmt.Errorf("jdbc table '%s': writing %d rows: %w", s.cfg.spec.Name, len(s.pending), err)
}

func (s *Sink) write(ctx context.Context) error {
	if s.conn == nil || s.conn.IsClosed() {
		s.conn = nil
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		conn, err := pgx.Connect(cctx, s.cfg.conn)
		cancel()
		if err != nil {
			return err
		}
		s.conn = conn
	}
	b := &pgx.Batch{}
	for _, p := range s.pending {
		if p.delete {
			args := make([]any, len(s.pkCols))
			for i, c := range s.pkCols {
				args[i] = sinkParam(p.row[c])
			}
			b.Queue(s.deleteSQL, args...)
			continue
		}
		args := make([]any, len(p.row))
		for i, v := range p.row {
			args[i] = sinkParam(v)
		}
		b.Queue(s.upsertSQL, args...)
	}
	tx, err := s.conn.Begin(ctx)
	if err != nil {
		return err
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		tx.Rollback(ctx)
		return err
	}
	return tx.Commit(ctx)
}

// sinkParam is the Go value a column value is written as; PostgreSQL
// takes text for the types it parses (DECIMAL, dates and times).
func sinkParam(v types.Value) any {
	switch v.K {
	case types.Decimal, types.Date, types.Time, types.Timestamp:
		return v.String()
	}
	return param(v)
}

// Close implements engine.Sink.
func (s *Sink) Close() error {
	if s.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return s.conn.Close(ctx)
	}
	return nil
}
