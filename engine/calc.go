package engine

import (
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

// Calc filters and projects rows (Flink's Calc node).
type Calc struct {
	base
	Filter  expr.Expr   // nil: keep all
	Project []expr.Expr // nil: pass rows through
	// Reject receives rows the filter drops; used by nothing yet.
	out   []Rec
	arena arena
}

var _ Op = (*Calc)(nil)

// NewCalc builds a Calc.
func NewCalc(filter expr.Expr, project []expr.Expr) *Calc {
	return &Calc{Filter: filter, Project: project}
}

func (c *Calc) Process(recs []Rec) error {
	c.out = c.out[:0]
	c.arena.reset()
	for i := range recs {
		r := &recs[i]
		if c.Filter != nil {
			v := c.Filter.Eval(r.Row)
			if v.K != types.Boolean || v.I == 0 {
				continue
			}
		}
		if c.Project == nil {
			c.out = append(c.out, *r)
			continue
		}
		row := c.arena.row(len(c.Project))
		for j, e := range c.Project {
			row[j] = e.Eval(r.Row)
		}
		c.out = append(c.out, Rec{Row: row, Kind: r.Kind, Ts: r.Ts})
	}
	return c.emit(c.out)
}
