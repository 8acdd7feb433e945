package planner

import (
	"fmt"
	"strings"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/sql"
)

// Temporal joins: JOIN t FOR SYSTEM_TIME AS OF left.time_attribute.

// binaryOp is a plan node with two inputs that builds one engine operator
// fed through two entry points (the left input's and the right's).
type binaryOp interface {
	Node
	withInputs(left, right Node) Node
	newBinaryOp() (op, left, right engine.Op)
}

// TemporalJoin is Flink's event-time temporal join (see
// engine.TemporalJoin): each left row joins the version of the right,
// versioned table (a primary key and an event-time attribute) valid at the
// left row's rowtime, once the watermark passes it. Its fields are the
// left fields (the left rowtime stays a time attribute) followed by the
// right fields.
type TemporalJoin struct {
	Left, Right         Node
	Type                engine.JoinType // InnerJoin or LeftJoin
	LeftKeys, RightKeys []expr.Expr     // RightKeys are over the right fields
	Cond                expr.Expr       // over the joined fields
	LeftTime, RightTime int             // the rowtime columns of each side
	PrimaryKey          []int           // the right side's, among its fields
	fields              []Field
}

var _ binaryOp = (*TemporalJoin)(nil)

func (j *TemporalJoin) Fields() []Field { return j.fields }
func (j *TemporalJoin) Inputs() []Node  { return []Node{j.Left, j.Right} }
func (j *TemporalJoin) Mode() Changelog {
	if j.Left.Mode() == InsertOnly {
		return InsertOnly
	}
	return Retract
}
func (j *TemporalJoin) Describe() string {
	lf, rf := j.Left.Fields(), j.Right.Fields()
	return fmt.Sprintf("TemporalJoin(joinType=[%s], where=[%s], leftTime=[%s], rightTime=[%s], primaryKey=[%s], leftFields=[%s], rightFields=[%s])",
		j.Type, joinCondition(len(lf), j.LeftKeys, j.RightKeys, j.Cond), lf[j.LeftTime].Name, rf[j.RightTime].Name,
		strings.Join(pick(fieldNames(rf), j.PrimaryKey), ", "), strings.Join(fieldNames(lf), ", "), strings.Join(fieldNames(rf), ", "))
}

func (j *TemporalJoin) withInputs(left, right Node) Node {
	c := *j
	c.Left, c.Right = left, right
	return &c
}

func (j *TemporalJoin) newBinaryOp() (op, left, right engine.Op) {
	t := &engine.TemporalJoin{Left: j.Type == engine.LeftJoin, LeftKeys: j.LeftKeys, RightKeys: j.RightKeys, Cond: j.Cond,
		LeftWidth: len(j.Left.Fields()), RightWidth: len(j.Right.Fields()), LeftTime: j.LeftTime, RightTime: j.RightTime}
	return t, t.LeftInput(), t.RightInput()
}

// bindTemporalJoin plans JOIN right FOR SYSTEM_TIME AS OF left.t ON ...,
// whose keys and condition bindJoin has split into j. An event-time
// attribute makes a TemporalJoin against a versioned table, a
// processing-time one a LookupJoin (lookup.go); Flink's rules and errors
// apply (INNER or LEFT only, a primary key and a rowtime on the
// right, the primary key among the equalities).
func (b *binder) bindTemporalJoin(n *sql.Join, ref *sql.TableRef, lf, rf *fromResult, j *JoinNode, lw int) (*fromResult, error) {
	pos := ref.ForSystemTime.ExprPos()
	eb := &exprBinder{b: b, sc: &scope{fields: lf.sc.fields}}
	at, err := eb.bind(ref.ForSystemTime)
	if err != nil {
		return nil, err
	}
	col, ok := at.(*expr.Col)
	if !ok || (!lf.sc.fields[col.Idx].Rowtime && !lf.sc.fields[col.Idx].Proctime) {
		return nil, sql.Errorf(pos, "Temporal table join currently only supports 'FOR SYSTEM_TIME AS OF' left table's time attribute field")
	}
	if j.Type != engine.InnerJoin && j.Type != engine.LeftJoin {
		return nil, sql.Errorf(joinPos(n), "Temporal table join currently only supports INNER JOIN and LEFT JOIN, not %s", strings.ToUpper(n.Type))
	}
	if len(j.LeftKeys) == 0 {
		return nil, sql.Errorf(joinPos(n), "Temporal table join requires an equality condition on fields of table [%s].", ref.Name.Last())
	}
	if lf.sc.fields[col.Idx].Proctime {
		return b.bindLookupJoin(n, ref, lf, rf, j, lw)
	}
	right := optimize(rf.node) // a deduplicating view becomes a Deduplicate
	rfs := rf.sc.fields
	pk := uniqueKey(right)
	if pk == nil {
		return nil, sql.Errorf(joinPos(n), "Temporal Table Join requires primary key in versioned table, but no primary key can be found. The physical plan is:\n%s", strings.TrimSpace(Explain(right)))
	}
	rt := -1
	for i, f := range rfs {
		if f.Rowtime {
			rt = i
			break
		}
	}
	if rt < 0 {
		return nil, sql.Errorf(joinPos(n), "Event-Time Temporal Table Join requires both primary key and row time attribute in versioned table, but no row time attribute can be found.")
	}
	for _, k := range pk {
		found := false
		for _, rk := range j.RightKeys {
			if c, ok := rk.(*expr.Col); ok && c.Idx == k {
				found = true
			}
		}
		if !found {
			var pairs []string
			for i := range j.LeftKeys {
				pairs = append(pairs, j.LeftKeys[i].String()+"="+j.RightKeys[i].String())
			}
			return nil, sql.Errorf(joinPos(n), "Temporal table's primary key [%s] must be included in the equivalence condition of temporal join, but current temporal join condition is [%s].",
				strings.Join(pick(fieldNames(rfs), pk), ","), strings.Join(pairs, ","))
		}
	}
	if cn, ok := right.(*ChangelogNormalize); ok {
		// The join reads only new versions and deletes: no -U.
		c := *cn
		c.NoUpdateBefore = true
		right = &c
	}
	fields := append(append([]Field(nil), lf.sc.fields...), rfs...)
	for i := range fields {
		if i >= lw {
			fields[i].Rowtime = false // the versions' time is a plain timestamp after the join
			if j.Type == engine.LeftJoin {
				fields[i].Type = fields[i].Type.Nullable()
			}
		}
		fields[i].Key = false
	}
	t := &TemporalJoin{Left: lf.node, Right: right, Type: j.Type, LeftKeys: j.LeftKeys, RightKeys: j.RightKeys, Cond: j.Cond,
		LeftTime: col.Idx, RightTime: rt, PrimaryKey: pk, fields: fields}
	return &fromResult{node: t, sc: &scope{fields: fields}, table: lf.table}, nil
}

// uniqueKey returns the columns of n that identify its rows (a primary or
// upsert key): a normalized upsert source's primary key, a deduplication's
// or a group aggregation's keys, traced through projections; nil when n has
// none.
func uniqueKey(n Node) []int {
	switch x := n.(type) {
	case *renamed:
		return uniqueKey(x.Node)
	case *WatermarkAssigner:
		return uniqueKey(x.Input)
	case *ChangelogNormalize:
		if !x.Final {
			return x.Keys
		}
	case *Deduplicate:
		return x.Keys
	case *GroupAggregate:
		if len(x.Keys) == 0 {
			return nil
		}
		keys := make([]int, len(x.Keys))
		for i := range keys {
			keys[i] = i
		}
		return keys
	case *Calc:
		in := uniqueKey(x.Input)
		if in == nil {
			return nil
		}
		out := make([]int, 0, len(in))
		for _, k := range in {
			found := -1
			for i, p := range x.Projects {
				if c, ok := p.(*expr.Col); ok && c.Idx == k {
					found = i
					break
				}
			}
			if found < 0 {
				return nil
			}
			out = append(out, found)
		}
		return out
	}
	return nil
}

// keepsRowtime reports whether column i of a ROW_NUMBER's input stays an
// event-time attribute: the ordering is that column alone, descending, the
// form of Flink's versioned view (the last row per key by event time,
// whose time attribute a temporal join reads).
func keepsRowtime(in []Field, order []engine.SortKey, i int) bool {
	return in[i].Rowtime && len(order) == 1 && order[0].Col == i && order[0].Desc
}
