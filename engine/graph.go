package engine

import (
	"sync/atomic"
)

// A job's plan as a graph of nodes with live counters, for status displays
// (the console's job page, /v1/jobs/{id}). The planner describes the nodes
// and puts a Probe on each edge between operators; a probe counts the
// records that pass (out of the upstream nodes, into the downstream ones)
// and remembers the last watermark. The cost is a few uncontended atomic
// adds per batch, nothing per record. Operators add their late rows to
// their node through OpContext.LateDropped; checkpoints record the bytes
// of each operator's state.

// NodeStats are one plan node's counters. Safe for concurrent use.
type NodeStats struct {
	In, Out     atomic.Int64
	LateDropped atomic.Int64
	// StateBytes is the size of the node's operator state in the last
	// checkpoint; -1 before the first.
	StateBytes atomic.Int64
}

// GraphNode is one node of a job's plan.
type GraphNode struct {
	ID int
	// Name is the node's kind ("WindowAggregate"); Detail its EXPLAIN line.
	Name, Detail string
	// Inputs are the ids of the nodes feeding this one. A node computed
	// once for several consumers (a reused sub-plan, fanned out by a Tee)
	// is an input of each.
	Inputs []int
	// Op is the operator that runs the node, nil for nodes that only pass
	// records on (a watermark assigner, a union).
	Op    Op
	Stats NodeStats
	edges []*Probe
}

// NewGraphNode returns a node with no state recorded yet.
func NewGraphNode(id int, name, detail string) *GraphNode {
	n := &GraphNode{ID: id, Name: name, Detail: detail}
	n.Stats.StateBytes.Store(-1)
	return n
}

// Watermark is the lowest watermark that reached the node over its input
// edges (MinWatermark before every edge has seen one).
func (n *GraphNode) Watermark() int64 {
	if len(n.edges) == 0 {
		return MinWatermark
	}
	wm := MaxWatermark
	for _, e := range n.edges {
		wm = min(wm, e.wm.Load())
	}
	return wm
}

// Probe is an edge of the graph: it forwards records and watermarks to
// next, counting them out of the nodes in from and into the nodes in to
// (pass-through nodes appear in both), and keeps the last watermark.
type Probe struct {
	next     Op
	from, to []*NodeStats
	wm       atomic.Int64
}

// NewProbe returns an edge into next; the records it carries leave the
// nodes in from and enter the nodes in to, whose input watermark it
// counts in.
func NewProbe(next Op, from, to []*GraphNode) *Probe {
	p := &Probe{next: next}
	p.wm.Store(MinWatermark)
	for _, n := range from {
		p.from = append(p.from, &n.Stats)
	}
	for _, n := range to {
		p.to = append(p.to, &n.Stats)
		n.edges = append(n.edges, p)
	}
	return p
}

// Open, Close: the operator behind a probe is opened and closed by the job.
func (p *Probe) Open(*OpContext) error { return nil }
func (p *Probe) Close() error          { return nil }

func (p *Probe) Process(recs []Rec) error {
	n := int64(len(recs))
	for _, s := range p.from {
		s.Out.Add(n)
	}
	for _, s := range p.to {
		s.In.Add(n)
	}
	return p.next.Process(recs)
}

func (p *Probe) Watermark(wm int64) error {
	p.wm.Store(wm)
	return p.next.Watermark(wm)
}

// Graph returns the nodes of the job's plan (nil when the job was built
// without one). After a restart the counters start again from zero.
func (j *Job) Graph() []*GraphNode { return j.Spec().Graph }

// opContexts gives each operator its own context, with the counters of
// the graph node it runs.
func opContexts(spec *JobSpec, base OpContext) map[Op]*OpContext {
	out := make(map[Op]*OpContext, len(spec.Ops))
	for _, n := range spec.Graph {
		if n.Op != nil {
			c := base
			c.node = &n.Stats
			out[n.Op] = &c
		}
	}
	return out
}
