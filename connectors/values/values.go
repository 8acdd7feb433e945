// Package values owns Flink's 'values' connector, the table connector of
// Flink's own tests (its TestValuesTableFactory): a source of the rows a
// test registered under the table's 'data-id', and a sink that keeps
// nothing. Tumble has no way to register rows, so every 'data-id' names
// no rows, as an unregistered one does in Flink: the source is empty.
package values

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/tumble/tumble/engine"
)

// Name is the connector name.
const Name = "values"

const idleWait = 200 * time.Millisecond

// ErrOption is wrapped by errors about a values table's options.
var ErrOption = errors.New("invalid values table option")

// ErrEmpty is the failure of a 'failing-source' with no rows, in Flink's
// words.
var ErrEmpty = errors.New("testing elements of values source shouldn't be empty.")

// Register adds the 'values' connector (a source and a sink) to r.
func Register(r *engine.Registry) {
	r.Register(&engine.Connector{
		Name:     Name,
		Source:   func(spec *engine.TableSpec) (engine.Source, error) { return NewSource(spec) },
		Sink:     func(*engine.TableSpec) (engine.Sink, error) { return &Sink{}, nil },
		Options:  []string{"connector", "data-id", "bounded", "terminating", "changelog-mode", "failing-source"},
		Validate: func(spec *engine.TableSpec) error { _, err := options(spec); return err },
		Changes: func(spec *engine.TableSpec) engine.ChangelogMode {
			o, _ := options(spec)
			return o.changes
		},
	})
}

// opts are a table's options, checked.
type opts struct {
	bounded, terminating, failing bool
	changes                       engine.ChangelogMode
}

func options(spec *engine.TableSpec) (opts, error) {
	o := opts{terminating: true}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: table '%s': %s", ErrOption, spec.Name, fmt.Sprintf(format, args...))
	}
	flag := func(key string, into *bool) error {
		v, ok := spec.Option(key)
		if !ok {
			return nil
		}
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			*into = true
		case "false":
			*into = false
		default:
			return bad("'%s' must be 'true' or 'false', not '%s'", key, v)
		}
		return nil
	}
	for _, f := range []struct {
		key  string
		into *bool
	}{{"bounded", &o.bounded}, {"terminating", &o.terminating}, {"failing-source", &o.failing}} {
		if err := flag(f.key, f.into); err != nil {
			return o, err
		}
	}
	if o.bounded && !o.terminating {
		return o, bad("Source can not be bounded and infinite at the same time.")
	}
	// 'changelog-mode' lists the kinds the source produces: I, UB, UA, D.
	if v, ok := spec.Option("changelog-mode"); ok {
		kinds := map[string]bool{}
		for _, k := range strings.Split(v, ",") {
			k = strings.ToUpper(strings.TrimSpace(k))
			switch k {
			case "I", "UB", "UA", "D":
				kinds[k] = true
			default:
				return o, bad("'changelog-mode' lists the kinds I, UB, UA and D, not '%s'", k)
			}
		}
		switch {
		case kinds["UB"]:
			o.changes = engine.AllChanges
		case kinds["UA"] || kinds["D"]:
			if len(spec.PrimaryKey) == 0 {
				o.changes = engine.AllChanges
			} else {
				o.changes = engine.UpsertChanges
			}
		}
	}
	return o, nil
}

// Source emits the rows registered under the table's 'data-id': none.
// With 'terminating' (the default) it ends at once; otherwise it stays
// open, producing nothing, until its job stops. Poll is called from one
// goroutine.
type Source struct {
	o opts
}

var _ engine.Source = (*Source)(nil)

// NewSource checks the options; a 'failing-source' refuses to start with
// no rows, as Flink's does.
func NewSource(spec *engine.TableSpec) (*Source, error) {
	o, err := options(spec)
	if err != nil {
		return nil, err
	}
	if o.failing {
		return nil, ErrEmpty
	}
	return &Source{o: o}, nil
}

// Open does nothing.
func (s *Source) Open(ctx context.Context, _ map[int32]int64) error { return ctx.Err() }

// Splits returns the single split, 0.
func (s *Source) Splits() []int32 { return []int32{0} }

// Poll returns io.EOF for a terminating source; otherwise it waits
// ~200 ms (or until ctx is done) and returns no rows, so that the caller
// can run its timers.
func (s *Source) Poll(ctx context.Context) ([]engine.SplitBatch, error) {
	if s.o.terminating {
		return nil, io.EOF
	}
	t := time.NewTimer(idleWait)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return nil, nil
	}
}

// Bounded reports whether the source ends.
func (s *Source) Bounded() bool { return s.o.terminating }

// Close does nothing.
func (s *Source) Close() error { return nil }

// Sink keeps nothing: Flink's collects rows for its tests to read, which
// nothing in Tumble can. It counts them; the count is safe to read from
// any goroutine.
type Sink struct {
	n atomic.Int64
}

var _ engine.Sink = (*Sink)(nil)

// Write counts recs; it never blocks.
func (s *Sink) Write(_ context.Context, recs []engine.Rec) error {
	s.n.Add(int64(len(recs)))
	return nil
}

// Flush does nothing.
func (s *Sink) Flush(context.Context) error { return nil }

// Close does nothing.
func (s *Sink) Close() error { return nil }

// Count returns the number of records written so far.
func (s *Sink) Count() int64 { return s.n.Load() }
