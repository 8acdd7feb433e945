package planner

import (
	"fmt"
	"strings"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

// Interval joins: a join whose condition bounds one input's event time by
// the other's (l.rt BETWEEN r.rt - INTERVAL '1' HOUR AND r.rt, or
// comparisons with >, >=, <, <=) on both sides, as Flink plans them.

// IntervalJoin is Flink's event-time interval join (see
// engine.TimeIntervalJoin): a right row at time r joins a left row at time
// l when l+Lower <= r <= l+Upper, both inputs append-only; rows are dropped
// once the watermark passes the last time the other side could match
// them. Its fields are the left fields followed by the right fields; an
// interval join written in ON keeps both inputs' time attributes.
type IntervalJoin struct {
	Left, Right         Node
	Type                engine.JoinType
	LeftKeys, RightKeys []expr.Expr // RightKeys are over the right fields
	Cond                expr.Expr   // over the joined fields, without the time bounds
	Bounds              intervalBounds
	fields              []Field
}

var _ binaryOp = (*IntervalJoin)(nil)

func (j *IntervalJoin) Fields() []Field { return j.fields }
func (j *IntervalJoin) Inputs() []Node  { return []Node{j.Left, j.Right} }
func (j *IntervalJoin) Mode() Changelog { return InsertOnly }

// Describe shows the bounds as Flink's plans do: the left time relative to
// the right one, in milliseconds.
func (j *IntervalJoin) Describe() string {
	lf, rf := j.Left.Fields(), j.Right.Fields()
	b := j.Bounds
	conds := joinCondition(len(lf), j.LeftKeys, j.RightKeys, andOf(append(append([]expr.Expr(nil), b.preds...), condList(j.Cond)...)))
	return fmt.Sprintf("IntervalJoin(joinType=[%s], windowBounds=[isRowTime=true, leftLowerBound=%s, leftUpperBound=%s, leftTimeIndex=%d, rightTimeIndex=%d], where=[%s], leftFields=[%s], rightFields=[%s])",
		j.Type, millis(-b.upper), millis(-b.lower), b.leftTime, b.rightTime, conds,
		strings.Join(fieldNames(lf), ", "), strings.Join(fieldNames(rf), ", "))
}

func (j *IntervalJoin) withInputs(left, right Node) Node {
	c := *j
	c.Left, c.Right = left, right
	return &c
}

func (j *IntervalJoin) newBinaryOp() (op, left, right engine.Op) {
	t := &engine.TimeIntervalJoin{Type: j.Type, LeftKeys: j.LeftKeys, RightKeys: j.RightKeys, Cond: j.Cond,
		LeftWidth: len(j.Left.Fields()), RightWidth: len(j.Right.Fields()),
		LeftTime: j.Bounds.leftTime, RightTime: j.Bounds.rightTime, Lower: j.Bounds.lower, Upper: j.Bounds.upper,
		Clock: engine.ByWatermark}
	return t, t.Left(), t.Right()
}

// millis renders micros as milliseconds, with a fraction only when needed.
func millis(us int64) string {
	if us%types.MicrosPerMilli == 0 {
		return fmt.Sprint(us / types.MicrosPerMilli)
	}
	return fmt.Sprintf("%.3f", float64(us)/float64(types.MicrosPerMilli))
}

func condList(e expr.Expr) []expr.Expr {
	if e == nil {
		return nil
	}
	return splitAnd(e)
}

// intervalBounds are the time bounds of an interval join: right time r
// and left time l join when l+lower <= r <= l+upper (micros); leftTime and
// rightTime are the time attribute columns, preds the conjuncts that gave
// the bounds.
type intervalBounds struct {
	lower, upper        int64
	leftTime, rightTime int
	preds               []expr.Expr
}

// timeOperand reads col, col + interval or col - interval (interval + col)
// over the joined fields: the column and the constant offset (micros).
func timeOperand(e expr.Expr) (col int, off int64, ok bool) {
	switch x := e.(type) {
	case *expr.Col:
		return x.Idx, 0, true
	case *expr.Bin:
		if x.Op != "+" && x.Op != "-" {
			return 0, 0, false
		}
		if k, isConst := x.R.(*expr.Const); isConst && k.T.Kind == types.IntervalDayTime && !k.V.IsNull() {
			c, o, ok := timeOperand(x.L)
			if !ok {
				return 0, 0, false
			}
			if x.Op == "-" {
				return c, o - k.V.I, true
			}
			return c, o + k.V.I, true
		}
		if k, isConst := x.L.(*expr.Const); isConst && x.Op == "+" && k.T.Kind == types.IntervalDayTime && !k.V.IsNull() {
			c, o, ok := timeOperand(x.R)
			return c, o + k.V.I, ok
		}
	}
	return 0, 0, false
}

// timeBounds finds the interval-join bounds among a join's conjuncts over
// the joined fields (lw left fields first): comparisons between an
// event-time attribute of each side, each maybe shifted by a constant
// interval. It needs both a lower and an upper bound, on one time
// attribute per side; the conjuncts that are not bounds come back in rest.
func timeBounds(conds []expr.Expr, left, right []Field) (b intervalBounds, rest []expr.Expr, ok bool) {
	lw := len(left)
	b.leftTime, b.rightTime = -1, -1
	hasLower, hasUpper := false, false
	for _, c := range conds {
		bin, isBin := c.(*expr.Bin)
		if !isBin || (bin.Op != "<" && bin.Op != "<=" && bin.Op != ">" && bin.Op != ">=") {
			rest = append(rest, c)
			continue
		}
		lc, lo, ok1 := timeOperand(bin.L)
		rc, ro, ok2 := timeOperand(bin.R)
		op := bin.Op
		if ok1 && ok2 && lc >= lw && rc < lw {
			// right op left: turn it around
			lc, lo, rc, ro = rc, ro, lc, lo
			op = map[string]string{"<": ">", "<=": ">=", ">": "<", ">=": "<="}[op]
		}
		if !ok1 || !ok2 || lc >= lw || rc < lw || !left[lc].Rowtime || !right[rc-lw].Rowtime ||
			(b.leftTime >= 0 && b.leftTime != lc) || (b.rightTime >= 0 && b.rightTime != rc-lw) {
			rest = append(rest, c)
			continue
		}
		b.leftTime, b.rightTime = lc, rc-lw
		// A strict bound moves by the times' step: a millisecond for
		// TIMESTAMP(3), as Flink's time attributes are.
		step := int64(1)
		if max(left[lc].Type.Precision, right[rc-lw].Type.Precision) <= 3 {
			step = types.MicrosPerMilli
		}
		// l + lo OP r + ro, i.e. r - l OP' lo - ro
		d := lo - ro
		switch op {
		case ">=": // r - l <= d
			b.upper, hasUpper = minIf(hasUpper, b.upper, d), true
		case ">":
			b.upper, hasUpper = minIf(hasUpper, b.upper, d-step), true
		case "<=": // r - l >= d
			b.lower, hasLower = maxIf(hasLower, b.lower, d), true
		case "<":
			b.lower, hasLower = maxIf(hasLower, b.lower, d+step), true
		}
		b.preds = append(b.preds, c)
	}
	if !hasLower || !hasUpper {
		return intervalBounds{}, conds, false
	}
	return b, rest, true
}

func minIf(had bool, cur, v int64) int64 {
	if had {
		return min(cur, v)
	}
	return v
}

func maxIf(had bool, cur, v int64) int64 {
	if had {
		return max(cur, v)
	}
	return v
}

// intervalJoinOf plans a regular join as an interval join when Flink
// would: an inner or outer join of two append-only inputs whose condition
// bounds the time attribute of each side by the other's.
func intervalJoinOf(j *JoinNode) (*IntervalJoin, bool) {
	if j.Kind != engine.RegularJoin || j.ByInputKind || j.Type > engine.FullJoin ||
		j.Left.Mode() != InsertOnly || j.Right.Mode() != InsertOnly || j.Cond == nil {
		return nil, false
	}
	b, rest, ok := timeBounds(splitAnd(j.Cond), j.Left.Fields(), j.Right.Fields())
	if !ok {
		return nil, false
	}
	return &IntervalJoin{Left: j.Left, Right: j.Right, Type: j.Type, LeftKeys: j.LeftKeys, RightKeys: j.RightKeys,
		Cond: andOf(rest), Bounds: b, fields: j.fields}, true
}

// intervalJoinRule turns a regular join into an interval join (after
// filter-into-join, which moves a comma join's WHERE into the join).
var intervalJoinRule = joinRule(func(j *JoinNode) (Node, bool) { return intervalJoinOf(j) })

// joinRule makes a rule that replaces a JoinNode by what of gives, where
// the join is the node itself or the input of a Calc (the rules run
// bottom-up, and filter-into-join gives the Calc a new join).
func joinRule(of func(*JoinNode) (Node, bool)) func(Node) Node {
	return func(n Node) Node {
		switch x := n.(type) {
		case *JoinNode:
			if r, ok := of(x); ok {
				return r
			}
		case *Calc:
			if j, ok := x.Input.(*JoinNode); ok {
				if r, ok := of(j); ok {
					c := *x
					c.Input = r
					return &c
				}
			}
		}
		return n
	}
}
