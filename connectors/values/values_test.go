package values

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

func spec(opts map[string]string) *engine.TableSpec {
	o := map[string]string{"connector": Name}
	for k, v := range opts {
		o[k] = v
	}
	return &engine.TableSpec{Name: "t", Options: o}
}

func TestSourceIsEmpty(t *testing.T) {
	s, err := NewSource(spec(map[string]string{"data-id": "anything"}))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Open(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if b, err := s.Poll(ctx); err != io.EOF || b != nil || !s.Bounded() {
		t.Fatalf("a terminating source should end at once: %v %v", b, err)
	}
}

func TestNonTerminatingSourceWaits(t *testing.T) {
	s, err := NewSource(spec(map[string]string{"terminating": "false"}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := s.Poll(ctx); !errors.Is(err, context.DeadlineExceeded) || s.Bounded() {
		t.Fatalf("a non-terminating source should wait for its context: %v", err)
	}
}

func TestOptions(t *testing.T) {
	if _, err := NewSource(spec(map[string]string{"failing-source": "true"})); !errors.Is(err, ErrEmpty) {
		t.Fatalf("failing source without rows: %v", err)
	}
	for _, o := range []map[string]string{
		{"bounded": "yes"},
		{"bounded": "true", "terminating": "false"},
		{"changelog-mode": "I,X"},
	} {
		if _, err := NewSource(spec(o)); !errors.Is(err, ErrOption) {
			t.Errorf("%v: want an option error, got %v", o, err)
		}
	}
	reg := engine.NewRegistry()
	Register(reg)
	c, err := reg.Lookup(Name)
	if err != nil {
		t.Fatal(err)
	}
	if m := c.Changes(spec(map[string]string{"changelog-mode": "I,UB,UA,D"})); m != engine.AllChanges {
		t.Errorf("changelog-mode I,UB,UA,D: %v", m)
	}
	up := spec(map[string]string{"changelog-mode": "I,UA,D"})
	up.PrimaryKey = []string{"id"}
	if m := c.Changes(up); m != engine.UpsertChanges {
		t.Errorf("changelog-mode I,UA,D with a key: %v", m)
	}
	if m := c.Changes(spec(nil)); m != engine.InsertOnlyChanges {
		t.Errorf("default changelog-mode: %v", m)
	}
}

func TestSinkCounts(t *testing.T) {
	s := &Sink{}
	ctx := context.Background()
	if err := s.Write(ctx, []engine.Rec{{Row: types.Row{types.IntV(1)}}, {Row: types.Row{types.IntV(2)}}}); err != nil {
		t.Fatal(err)
	}
	if s.Flush(ctx) != nil || s.Count() != 2 || s.Close() != nil {
		t.Fatal("values sink misbehaves")
	}
}
