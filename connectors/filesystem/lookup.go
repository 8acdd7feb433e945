package filesystem

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tumble/tumble/connectors/format"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

var _ engine.LookupSource = (*Source)(nil)

// defaultLookupTTL is how long a lookup join keeps the files' rows before
// reading them again (Flink's 'lookup.join.cache.ttl').
const defaultLookupTTL = time.Hour

// lookupState is a filesystem table read whole for a lookup join: its
// rows by the lookup key, read again once 'lookup.join.cache.ttl' has
// passed.
type lookupState struct {
	keys   []int
	ttl    time.Duration
	rows   map[string][]types.Row
	loaded time.Time
	keyBuf []byte
}

// OpenLookup implements engine.LookupSource: it reads every file of the
// table (as a bounded read, directory monitoring aside) and indexes the
// rows by the columns keys.
func (s *Source) OpenLookup(ctx context.Context, keys []int) error {
	ttl := defaultLookupTTL
	if v, ok := s.cfg.spec.Option("lookup.join.cache.ttl"); ok {
		d, err := format.ParseDuration(v)
		if err != nil {
			return s.cfg.errf("'lookup.join.cache.ttl': %v", err)
		}
		ttl = d
	}
	s.lookup = &lookupState{keys: keys, ttl: ttl}
	return s.loadLookup(ctx)
}

// Lookup implements engine.LookupSource.
func (s *Source) Lookup(ctx context.Context, keys []types.Row) ([][]types.Row, error) {
	l := s.lookup
	if l == nil {
		return nil, fmt.Errorf("filesystem source '%s': Lookup before OpenLookup", s.cfg.name)
	}
	if time.Since(l.loaded) >= l.ttl {
		if err := s.loadLookup(ctx); err != nil {
			return nil, err
		}
	}
	out := make([][]types.Row, len(keys))
	for i, k := range keys {
		l.keyBuf = l.keyBuf[:0]
		for _, v := range k {
			l.keyBuf = types.AppendKey(l.keyBuf, v)
		}
		for _, r := range l.rows[string(l.keyBuf)] {
			out[i] = append(out[i], append(types.Row(nil), r...))
		}
	}
	return out, nil
}

// loadLookup reads the table's files into the lookup index.
func (s *Source) loadLookup(ctx context.Context) error {
	l := s.lookup
	spec := *s.cfg.spec
	spec.Options = make(map[string]string, len(s.cfg.spec.Options))
	for k, v := range s.cfg.spec.Options {
		if k != "source.monitor-interval" {
			spec.Options[k] = v
		}
	}
	spec.Needed = nil
	src, err := NewSource(&spec)
	if err != nil {
		return err
	}
	defer src.Close()
	if err := src.Open(ctx, nil); err != nil {
		return err
	}
	rows := map[string][]types.Row{}
	for {
		batches, err := src.Poll(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		for _, b := range batches {
			for _, r := range b.Recs {
				l.keyBuf = l.keyBuf[:0]
				null := false
				for _, k := range l.keys {
					if r.Row[k].IsNull() {
						null = true
						break
					}
					l.keyBuf = types.AppendKey(l.keyBuf, r.Row[k])
				}
				if !null {
					rows[string(l.keyBuf)] = append(rows[string(l.keyBuf)], append(types.Row(nil), r.Row...))
				}
			}
		}
	}
	l.rows, l.loaded = rows, time.Now()
	s.log.Info("filesystem: read the table for lookups", "rows", len(rows))
	return nil
}
