package planner

import (
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/sql"
)

// What a front-end that does not bind SQL (Spark Connect's DataFrame
// plans) uses to make the same plan nodes as the binder, and to build and
// run them.

// NewScan reads table t: its fields are the table's physical columns, in
// order (computed columns and watermarks are the caller's to add).
func NewScan(t *Table) *Scan {
	s := &Scan{Table: t}
	for _, c := range t.Columns {
		if c.Kind != sql.Computed {
			s.fields = append(s.fields, Field{Name: c.Name, Type: c.Type})
		}
	}
	return s
}

// NewValues is a bounded scan of fixed rows with the given fields.
func NewValues(fields []Field, rows []types.Row) *Scan {
	if rows == nil {
		rows = []types.Row{}
	}
	return &Scan{Table: &Table{Name: "values"}, Values: rows, fields: fields}
}

// NewCalc filters in (filter may be nil) and projects it; the fields are
// named by names and typed by the projections.
func NewCalc(in Node, filter expr.Expr, projects []expr.Expr, names []string) *Calc {
	fields := make([]Field, len(projects))
	for i, p := range projects {
		fields[i] = Field{Name: names[i], Type: p.Type()}
		if c, ok := p.(*expr.Col); ok {
			f := in.Fields()[c.Idx]
			fields[i].Rowtime, fields[i].Proctime = f.Rowtime, f.Proctime
		}
	}
	return &Calc{Input: in, Filter: filter, Projects: projects, fields: fields}
}

// NewWindowAggregate aggregates in per window of w over the time column
// and per keys. Its fields are the keys, window_start, window_end,
// window_time (of the time column's kind), then the aggregates named by
// aggNames.
func NewWindowAggregate(in Node, w engine.Window, timeCol int, keys []int, aggs []engine.AggCall, aggNames []string, emit engine.EmitMode, grace int64, watermarked bool) *WindowAggregate {
	infs := in.Fields()
	var fields []Field
	for _, k := range keys {
		f := infs[k]
		f.Rowtime, f.Proctime, f.Qual = false, false, ""
		fields = append(fields, f)
	}
	wt := types.Type{Kind: infs[timeCol].Type.Kind, Precision: 6, NotNull: true}
	fields = append(fields, Field{Name: "window_start", Type: wt}, Field{Name: "window_end", Type: wt}, Field{Name: "window_time", Type: wt})
	for i, a := range aggs {
		fields = append(fields, Field{Name: aggNames[i], Type: a.Func.Result})
	}
	return &WindowAggregate{Input: in, Window: w, TimeCol: timeCol, Keys: keys, Aggs: aggs, AggNames: aggNames,
		fields: fields, Emit: emit, Grace: grace, Watermarked: watermarked}
}

// NewGroupAggregate is an unbounded GROUP BY over in: fields are the keys,
// then the aggregates named by aggNames.
func NewGroupAggregate(in Node, keys []int, aggs []engine.AggCall, aggNames []string) *GroupAggregate {
	infs := in.Fields()
	var fields []Field
	for _, k := range keys {
		f := infs[k]
		f.Rowtime, f.Proctime, f.Qual = false, false, ""
		fields = append(fields, f)
	}
	for i, a := range aggs {
		fields = append(fields, Field{Name: aggNames[i], Type: a.Func.Result})
	}
	return &GroupAggregate{Input: in, Keys: keys, Aggs: aggs, AggNames: aggNames, fields: fields}
}

// NewUnion is UNION ALL of inputs with the same fields.
func NewUnion(ins ...Node) *Union { return &Union{Ins: ins} }

// BuildCollectJob compiles node into a job whose rows go to sink (a
// client), without checkpoints.
func (pl *Planner) BuildCollectJob(node Node, sink engine.Sink) (*engine.JobSpec, error) {
	spec, err := pl.Build(&Sink{Input: node}, sink, "*client*")
	if err != nil {
		return nil, err
	}
	if err := pl.JobSettings(spec, "collect"); err != nil {
		return nil, err
	}
	spec.CheckpointDir = ""
	return spec, nil
}

// Optimize applies the planner's rules to a plan built by a front-end.
func Optimize(n Node) Node { return optimize(n) }

// TableScan reads a catalog table as a query does: its columns (computed
// ones included) and its watermark.
func (pl *Planner) TableScan(t *Table) (Node, error) {
	return newBinder(pl).scan(t, t.Name)
}
