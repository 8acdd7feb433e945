package planner

import (
	"strings"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner/dialect"
	"github.com/tumble/tumble/sql"
)

// JOIN: equality conjuncts become keys, the rest a condition; the
// dialect's join rule picks regular joins or ksqlDB's by input kind.

// bindJoin binds left JOIN right ON cond: equality conjuncts between the
// two sides become the join keys, the rest a residual condition. Flink
// joins keep both sides (regular join); ksqlDB picks by input kind:
// stream-stream WITHIN (interval join), stream-table (lookup join),
// table-table (regular join on the keys).
func (b *binder) bindJoin(n *sql.Join) (*fromResult, error) {
	lf, err := b.bindFrom(n.Left)
	if err != nil {
		return nil, err
	}
	rf, err := b.bindFrom(n.Right)
	if err != nil {
		return nil, err
	}
	for _, fr := range []*fromResult{lf, rf} {
		if fr.tvf != nil {
			fr.node = materializeTVF(fr)
			fr.tvf = nil
		}
	}
	lw := len(lf.sc.fields)
	fields := append(append([]Field(nil), lf.sc.fields...), rf.sc.fields...)
	sc := &scope{fields: fields}
	pos := joinPos(n)
	var conjuncts []expr.Expr
	if n.On != nil {
		eb := &exprBinder{b: b, sc: sc}
		if b.rules.Joins == dialect.JoinsByInputKind {
			if err := eb.ksqlJoinTypes(n.On); err != nil {
				return nil, err
			}
		}
		cond, err := eb.bind(n.On)
		if err != nil {
			return nil, err
		}
		if err := wantBool(cond, n.On.ExprPos(), "ON"); err != nil {
			return nil, err
		}
		conjuncts = splitAnd(cond)
	}
	for _, name := range n.Using {
		li, err := (&scope{fields: lf.sc.fields}).resolve([]string{name}, pos, b.rules.CaseInsensitive)
		if err != nil {
			return nil, err
		}
		ri, err := (&scope{fields: rf.sc.fields}).resolve([]string{name}, pos, b.rules.CaseInsensitive)
		if err != nil {
			return nil, err
		}
		eq, err := expr.NewCompare("=", &expr.Col{Idx: li, T: fields[li].Type, Name: fields[li].Name},
			&expr.Col{Idx: lw + ri, T: fields[lw+ri].Type, Name: fields[lw+ri].Name})
		if err != nil {
			return nil, wrapErr(err, pos)
		}
		conjuncts = append(conjuncts, eq)
	}
	byKind := b.rules.Joins == dialect.JoinsByInputKind
	j := &JoinNode{Left: lf.node, Right: rf.node, ByInputKind: byKind}
	switch strings.ToUpper(n.Type) {
	case "LEFT", "LEFT OUTER":
		j.Type = engine.LeftJoin
	case "RIGHT", "RIGHT OUTER":
		j.Type = engine.RightJoin
	case "FULL", "FULL OUTER", "OUTER":
		j.Type = engine.FullJoin
	}
	var residual []expr.Expr
	for _, c := range conjuncts {
		l, r, ok := equiSides(c, lw)
		if !ok {
			residual = append(residual, c)
			continue
		}
		j.LeftKeys = append(j.LeftKeys, l)
		j.RightKeys = append(j.RightKeys, shiftCols(r, -lw))
	}
	switch len(residual) {
	case 0:
	case 1:
		j.Cond = residual[0]
	default:
		j.Cond = &expr.And{Args: residual}
	}
	if ref, ok := n.Right.(*sql.TableRef); ok && ref.ForSystemTime != nil && !byKind {
		return b.bindTemporalJoin(n, ref, lf, rf, j, lw)
	}
	// Outer joins make the other side's columns nullable; time attributes
	// do not survive a regular join, but do an interval join's (Flink's
	// rule: its output is bounded by its inputs' watermarks).
	_, interval := intervalJoinOf(j)
	for i := range fields {
		padded := (i < lw && (j.Type == engine.RightJoin || j.Type == engine.FullJoin)) ||
			(i >= lw && (j.Type == engine.LeftJoin || j.Type == engine.FullJoin))
		if padded {
			fields[i].Type = fields[i].Type.Nullable()
		}
		if !byKind && !interval {
			fields[i].Rowtime = false
		}
		fields[i].Key = false
	}
	fr := &fromResult{table: lf.table, join: j}
	if byKind {
		if err := b.ksqlJoinKind(n, j, lf, rf, fields, lw); err != nil {
			return nil, err
		}
		fr.tableResult = j.Kind == engine.RegularJoin
	}
	j.fields = fields
	fr.node = j
	if byKind {
		fr.node, fields = b.ksqlSyntheticKey(j, fields, lw)
	}
	fr.sc = &scope{fields: fields}
	return fr, nil
}

func splitAnd(e expr.Expr) []expr.Expr {
	if a, ok := e.(*expr.And); ok {
		var out []expr.Expr
		for _, x := range a.Args {
			out = append(out, splitAnd(x)...)
		}
		return out
	}
	return []expr.Expr{e}
}

// equiSides splits left = right where each side reads only one input.
func equiSides(e expr.Expr, lw int) (l, r expr.Expr, ok bool) {
	var a, b expr.Expr
	switch x := e.(type) {
	case *expr.Bin:
		if x.Op != "=" {
			return nil, nil, false
		}
		a, b = x.L, x.R
	default:
		// column = 'literal' and friends compile to other nodes; only
		// column = column pairs matter here.
		if s := e.String(); !strings.Contains(s, " = ") {
			return nil, nil, false
		}
		if c, ok := e.(*expr.Call); ok && len(c.Args) == 2 && c.Name == "=" {
			a, b = c.Args[0], c.Args[1]
		} else {
			return nil, nil, false
		}
	}
	side := func(x expr.Expr) int { // 0 left, 1 right, -1 both/none
		cols := expr.Columns(x)
		if len(cols) == 0 {
			return -1
		}
		s := -1
		for _, c := range cols {
			cs := 0
			if c >= lw {
				cs = 1
			}
			if s >= 0 && s != cs {
				return -1
			}
			s = cs
		}
		return s
	}
	sa, sb := side(a), side(b)
	switch {
	case sa == 0 && sb == 1:
		return a, b, true
	case sa == 1 && sb == 0:
		return b, a, true
	}
	return nil, nil, false
}

func shiftCols(e expr.Expr, d int) expr.Expr {
	return expr.Rewrite(e, func(x expr.Expr) expr.Expr {
		if c, ok := x.(*expr.Col); ok {
			return &expr.Col{Idx: c.Idx + d, T: c.T, Name: c.Name}
		}
		return x
	})
}

// ksqlJoinKind picks the ksqlDB join from the inputs' kinds and marks the
// join key columns.
func (b *binder) ksqlJoinKind(n *sql.Join, j *JoinNode, lf, rf *fromResult, fields []Field, lw int) error {
	pos := joinPos(n)
	lt, rt := isTableInput(lf), isTableInput(rf)
	var kafka []string
	for _, fr := range []*fromResult{lf, rf} {
		if fr.join == nil && fr.table != nil && fr.table.KSQL != nil && fr.table.KSQL.ValueFormat == "KAFKA" {
			kafka = append(kafka, fr.table.Name)
		}
	}
	if len(kafka) > 0 {
		return sql.Errorf(pos, "Source(s) %s are using the 'KAFKA' value format. This format does not yet support JOIN.", strings.Join(kafka, ", "))
	}
	if len(j.LeftKeys) == 0 {
		return sql.Errorf(pos, "Invalid join condition: joins must be on an equality of one column of each side, e.g. ON a.id = b.id")
	}
	switch {
	case !lt && !rt:
		if n.Within == nil {
			return sql.Errorf(pos, "Stream-Stream joins must have a WITHIN clause specified. None was provided. To learn about how to specify a WITHIN clause with a stream-stream join, please visit: https://docs.confluent.io/current/ksql/docs/syntax-reference.html#create-stream-as-select")
		}
		j.Kind = engine.IntervalJoin
		ms := int64(types.MicrosPerMilli)
		j.Before, j.After = n.Within.Before*ms, n.Within.After*ms
		j.Grace = b.rules.WindowGrace.Microseconds()
		if n.Within.Grace >= 0 {
			j.Grace = n.Within.Grace * ms
		} else {
			j.Eager = true // ksqlDB's joins without GRACE PERIOD
		}
		j.LeftTime, j.RightTime = -1, -1
		for i, f := range fields {
			if f.Name == colEventTime {
				if i < lw && j.LeftTime < 0 {
					j.LeftTime = i
				} else if i >= lw && j.RightTime < 0 {
					j.RightTime = i - lw
				}
			}
		}
		if j.LeftTime < 0 || j.RightTime < 0 {
			return sql.Errorf(pos, "stream-stream joins need two streams")
		}
	case !lt && rt:
		if j.Type == engine.RightJoin || j.Type == engine.FullJoin {
			return sql.Errorf(pos, "Invalid join type: full-outer join not supported for stream-table join. Got %s JOIN.", strings.ToUpper(n.Type))
		}
		if n.Within != nil {
			return sql.Errorf(pos, "A window definition was provided for a Stream-Table join. These joins are not windowed. Please drop the window definition (ie. the WITHIN clause) and try to re-run your join.")
		}
		j.Kind = engine.LookupJoin
	case lt && !rt:
		return sql.Errorf(pos, "Invalid join order: table-stream joins are not supported; only stream-table joins. Got %s JOIN %s.", sourceName(lf), sourceName(rf))
	default:
		j.Kind = engine.RegularJoin
		if n.Within != nil {
			return sql.Errorf(pos, "A window definition was provided for a Table-Table join. These joins are not windowed. Please drop the window definition (ie. the WITHIN clause) and try to re-run your join.")
		}
		if err := b.ksqlTableJoin(n, j, lf, rf, fields, lw); err != nil {
			return err
		}
	}
	// The join keys are the result's key candidates.
	return b.ksqlJoinKeys(pos, j, lf, rf, fields, lw)
}
