package blackhole

import (
	"context"
	"testing"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

func TestBlackhole(t *testing.T) {
	reg := engine.NewRegistry()
	Register(reg)
	c, err := reg.Lookup("blackhole")
	if err != nil || c.Source != nil || c.AcceptsOption("anything") {
		t.Fatalf("%v %+v", err, c)
	}
	s, err := c.Sink(&engine.TableSpec{Name: "b"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := s.Write(ctx, []engine.Rec{{Row: types.Row{types.IntV(1)}}, {Kind: engine.Delete}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil || s.(*Sink).Count() != 2 || s.Close() != nil {
		t.Fatal("blackhole misbehaves")
	}
}
