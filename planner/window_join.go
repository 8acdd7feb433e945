package planner

import (
	"fmt"
	"strings"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
)

// Window joins: two inputs carrying the bounds of the same event-time
// windows (a window TVF or a window aggregate each), joined on both
// window_start and window_end, as Flink plans them.

// WindowJoin is Flink's window join (see engine.WindowJoin): each window's
// rows of both sides are joined once, when the watermark passes the
// window's end, and then forgotten. Its fields are the left fields
// followed by the right fields (the left fields alone for SEMI and ANTI).
type WindowJoin struct {
	Left, Right         Node
	Type                engine.JoinType
	LeftKeys, RightKeys []expr.Expr // besides the window bounds; RightKeys over the right fields
	Cond                expr.Expr   // over the joined fields
	LeftWin, RightWin   winProps
	fields              []Field
}

var _ binaryOp = (*WindowJoin)(nil)

func (j *WindowJoin) Fields() []Field { return j.fields }
func (j *WindowJoin) Inputs() []Node  { return []Node{j.Left, j.Right} }
func (j *WindowJoin) Mode() Changelog { return InsertOnly }

// Describe shows both inputs' windows as Flink's plans do.
func (j *WindowJoin) Describe() string {
	lf, rf := j.Left.Fields(), j.Right.Fields()
	win := func(p winProps, fs []Field) string {
		s := p.window.String()
		return strings.Replace(s, "(", fmt.Sprintf("(win_start=[%s], win_end=[%s], ", fs[p.start].Name, fs[p.end].Name), 1)
	}
	return fmt.Sprintf("WindowJoin(leftWindow=[%s], rightWindow=[%s], joinType=[%s], where=[%s], leftFields=[%s], rightFields=[%s])",
		win(j.LeftWin, lf), win(j.RightWin, rf), j.Type, j.condition(),
		strings.Join(fieldNames(lf), ", "), strings.Join(fieldNames(rf), ", "))
}

// condition renders the whole join condition, window bounds included.
func (j *WindowJoin) condition() string {
	lw := len(j.Left.Fields())
	lf, rf := j.Left.Fields(), j.Right.Fields()
	col := func(fs []Field, i int) expr.Expr { return &expr.Col{Idx: i, T: fs[i].Type, Name: fs[i].Name} }
	lk := append([]expr.Expr{col(lf, j.LeftWin.start), col(lf, j.LeftWin.end)}, j.LeftKeys...)
	rk := append([]expr.Expr{col(rf, j.RightWin.start), col(rf, j.RightWin.end)}, j.RightKeys...)
	return joinCondition(lw, lk, rk, j.Cond)
}

func (j *WindowJoin) withInputs(left, right Node) Node {
	c := *j
	c.Left, c.Right = left, right
	return &c
}

func (j *WindowJoin) newBinaryOp() (op, left, right engine.Op) {
	w := &engine.WindowJoin{Type: j.Type, LeftKeys: j.LeftKeys, RightKeys: j.RightKeys, Cond: j.Cond,
		LeftWidth: len(j.Left.Fields()), RightWidth: len(j.Right.Fields()),
		LeftStart: j.LeftWin.start, LeftEnd: j.LeftWin.end, RightStart: j.RightWin.start, RightEnd: j.RightWin.end}
	return w, w.Left(), w.Right()
}

// windowJoinOf plans a regular join as a window join when Flink would:
// both inputs insert-only and windowed by equal event-time windows, and
// the keys equate both window_start and window_end.
func windowJoinOf(j *JoinNode) (*WindowJoin, bool) {
	if j.Kind != engine.RegularJoin || j.ByInputKind || j.Left.Mode() != InsertOnly || j.Right.Mode() != InsertOnly {
		return nil, false
	}
	lp, ok := windowPropsOf(j.Left)
	if !ok {
		return nil, false
	}
	rp, ok := windowPropsOf(j.Right)
	if !ok || lp.window != rp.window {
		return nil, false
	}
	isCol := func(e expr.Expr, i int) bool {
		c, ok := e.(*expr.Col)
		return ok && c.Idx == i
	}
	start, end := false, false
	var lk, rk []expr.Expr
	for i := range j.LeftKeys {
		switch {
		case isCol(j.LeftKeys[i], lp.start) && isCol(j.RightKeys[i], rp.start):
			start = true
		case isCol(j.LeftKeys[i], lp.end) && isCol(j.RightKeys[i], rp.end):
			end = true
		default:
			lk, rk = append(lk, j.LeftKeys[i]), append(rk, j.RightKeys[i])
		}
	}
	if !start || !end {
		return nil, false
	}
	return &WindowJoin{Left: j.Left, Right: j.Right, Type: j.Type, LeftKeys: lk, RightKeys: rk, Cond: j.Cond,
		LeftWin: lp, RightWin: rp, fields: j.fields}, true
}

// windowJoinRule turns a regular join on both window bounds into a window
// join (after filter-into-join, which moves a comma join's WHERE into the
// join).
var windowJoinRule = joinRule(func(j *JoinNode) (Node, bool) { return windowJoinOf(j) })
