package kafka

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// UpsertSource is the source of an 'upsert-kafka' table. Besides a scan it
// serves lookups (engine.LookupSource): it materializes the topic's latest
// row per primary key, and before answering a batch of lookups it reads
// the topic up to the end offsets of that moment, so a lookup sees every
// row written before it.
type UpsertSource struct {
	*Source
	lk *upsertLookup
}

var _ engine.LookupSource = (*UpsertSource)(nil)

// upsertLookup is the materialized table: rows by primary key, and the
// primary keys by lookup key.
type upsertLookup struct {
	pk, keys []int
	rows     map[string]types.Row
	byKey    map[string]map[string]struct{}
	pos      map[int32]int64
	eof      bool // a bounded read (batch mode) reached its end
	buf      []byte
}

// NewUpsertSource builds the source of an 'upsert-kafka' table: read from
// the earliest offset, tombstones as Delete.
func NewUpsertSource(spec *engine.TableSpec) (*UpsertSource, error) {
	s, err := newSource(spec, true)
	if err != nil {
		return nil, err
	}
	return &UpsertSource{Source: s}, nil
}

// OpenLookup implements engine.LookupSource: it opens the source on the
// whole topic.
func (u *UpsertSource) OpenLookup(ctx context.Context, keys []int) error {
	spec := u.cfg.spec
	l := &upsertLookup{keys: keys, rows: map[string]types.Row{}, byKey: map[string]map[string]struct{}{}, pos: map[int32]int64{}}
	for _, name := range spec.PrimaryKey {
		for i, c := range spec.Columns {
			if c.Name == name {
				l.pk = append(l.pk, i)
			}
		}
	}
	u.lk = l
	return u.Source.Open(ctx, nil)
}

func (l *upsertLookup) key(row types.Row, cols []int) (string, bool) {
	l.buf = l.buf[:0]
	for _, c := range cols {
		if row[c].IsNull() {
			return "", false
		}
		l.buf = types.AppendKey(l.buf, row[c])
	}
	return string(l.buf), true
}

func (l *upsertLookup) apply(r engine.Rec) {
	pk, ok := l.key(r.Row, l.pk)
	if !ok {
		return
	}
	if old, had := l.rows[pk]; had {
		if k, ok := l.key(old, l.keys); ok {
			delete(l.byKey[k], pk)
			if len(l.byKey[k]) == 0 {
				delete(l.byKey, k)
			}
		}
		delete(l.rows, pk)
	}
	if r.Kind == engine.Delete || r.Kind == engine.UpdateBefore {
		return
	}
	row := append(types.Row(nil), r.Row...)
	l.rows[pk] = row
	if k, ok := l.key(row, l.keys); ok {
		if l.byKey[k] == nil {
			l.byKey[k] = map[string]struct{}{}
		}
		l.byKey[k][pk] = struct{}{}
	}
}

// catchUp reads the topic up to its end offsets now.
func (u *UpsertSource) catchUp(ctx context.Context) error {
	l := u.lk
	if l.eof {
		return nil
	}
	end, _, err := u.listed(ctx, u.adm.ListEndOffsets)
	if err != nil {
		return err
	}
	behind := func() bool {
		for p, e := range end {
			if l.pos[p] < e {
				return true
			}
		}
		return false
	}
	ctx, cancel := context.WithTimeout(ctx, u.cfg.timeout)
	defer cancel()
	for behind() {
		batches, err := u.Poll(ctx)
		if errors.Is(err, io.EOF) {
			l.eof = true
			return nil
		}
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("kafka source '%s': reading the topic for lookups: %w", u.cfg.name, err)
			}
			return err
		}
		for _, b := range batches {
			for _, r := range b.Recs {
				l.apply(r)
			}
			l.pos[b.Split] = b.Next
		}
	}
	return nil
}

// Lookup implements engine.LookupSource.
func (u *UpsertSource) Lookup(ctx context.Context, keys []types.Row) ([][]types.Row, error) {
	l := u.lk
	if l == nil {
		return nil, fmt.Errorf("kafka source '%s': Lookup before OpenLookup", u.cfg.name)
	}
	start := time.Now()
	if err := u.catchUp(ctx); err != nil {
		return nil, err
	}
	if d := time.Since(start); d > time.Second {
		u.log.Info("kafka: caught up with the topic for lookups", "took", d, "rows", len(l.rows))
	}
	out := make([][]types.Row, len(keys))
	for i, k := range keys {
		l.buf = l.buf[:0]
		for _, v := range k {
			l.buf = types.AppendKey(l.buf, v)
		}
		for pk := range l.byKey[string(l.buf)] {
			out[i] = append(out[i], append(types.Row(nil), l.rows[pk]...))
		}
	}
	return out, nil
}
