package engine

import "testing"

type countOp struct {
	n  int
	wm int64
}

func (c *countOp) Open(*OpContext) error    { return nil }
func (c *countOp) Process(recs []Rec) error { c.n += len(recs); return nil }
func (c *countOp) Watermark(wm int64) error { c.wm = wm; return nil }
func (c *countOp) Close() error             { return nil }

// A probe counts records out of its upstream nodes and into its downstream
// ones (pass-through nodes both); a node's watermark is the lowest over its
// input edges.
func TestProbeCounts(t *testing.T) {
	sink := &countOp{}
	top, union, left, right := NewGraphNode(0, "Sink", ""), NewGraphNode(1, "Union", ""), NewGraphNode(2, "Scan", ""), NewGraphNode(3, "Scan", "")
	pl := NewProbe(sink, []*GraphNode{left, union}, []*GraphNode{left, union, top})
	pr := NewProbe(sink, []*GraphNode{right, union}, []*GraphNode{right, union, top})
	if top.Watermark() != MinWatermark || left.Stats.StateBytes.Load() != -1 {
		t.Fatal("fresh node")
	}
	pl.Process(make([]Rec, 3))
	pr.Process(make([]Rec, 2))
	pl.Watermark(100)
	if top.Watermark() != MinWatermark {
		t.Errorf("one edge without a watermark holds the node back: %d", top.Watermark())
	}
	pr.Watermark(40)
	if got := top.Watermark(); got != 40 || left.Watermark() != 100 {
		t.Errorf("watermarks: top %d left %d", got, left.Watermark())
	}
	if sink.n != 5 || top.Stats.In.Load() != 5 || top.Stats.Out.Load() != 0 ||
		union.Stats.In.Load() != 5 || union.Stats.Out.Load() != 5 ||
		left.Stats.In.Load() != 3 || left.Stats.Out.Load() != 3 || right.Stats.Out.Load() != 2 {
		t.Errorf("counts: sink %d top %d/%d union %d/%d left %d/%d right %d",
			sink.n, top.Stats.In.Load(), top.Stats.Out.Load(), union.Stats.In.Load(), union.Stats.Out.Load(),
			left.Stats.In.Load(), left.Stats.Out.Load(), right.Stats.Out.Load())
	}
}

// The cost of a probe on an edge, per batch (the seed job has five).
func BenchmarkProbe(b *testing.B) {
	b.ReportAllocs()
	sink := &countOp{}
	up, down := NewGraphNode(0, "Calc", ""), NewGraphNode(1, "Sink", "")
	p := NewProbe(sink, []*GraphNode{up}, []*GraphNode{down})
	recs := make([]Rec, 500)
	for b.Loop() {
		p.Process(recs)
	}
}
