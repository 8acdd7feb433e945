package planner

import (
	"sort"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/sql"
)

// applyStateTTLHint applies Flink's SELECT /*+ STATE_TTL('t' = '1d') */
// hint to the plan of its SELECT: a regular join whose input is the table
// (or alias) t keeps that input's rows for the duration, and so does a
// group aggregate reading t. The hint wins over table.exec.state.ttl. A
// name that is no input of a join or aggregate of the query is an error.
func applyStateTTLHint(n Node, opts []sql.Option) error {
	ttls := map[string]time.Duration{}
	for _, o := range opts {
		d, err := parseDuration(o.Value)
		if err != nil || d < 0 {
			return sql.Errorf(o.Pos, "STATE_TTL hint: '%s' for '%s' is not a duration", o.Value, o.Key)
		}
		ttls[o.Key] = d
	}
	used := map[string]bool{}
	var walk func(n Node)
	walk = func(n Node) {
		switch x := n.(type) {
		case *GroupAggregate:
			names := inputNames(x.Input)
			for k, d := range ttls {
				if names[k] {
					x.TTL, used[k] = d, true
				}
			}
		case *JoinNode:
			if x.Kind == engine.RegularJoin {
				left, right := inputNames(x.Left), inputNames(x.Right)
				for k, d := range ttls {
					if left[k] {
						x.LeftTTL, used[k] = d, true
					}
					if right[k] {
						x.RightTTL, used[k] = d, true
					}
				}
			}
		}
		for _, in := range n.Inputs() {
			walk(in)
		}
	}
	walk(n)
	var unused []sql.Option
	for _, o := range opts {
		if !used[o.Key] {
			unused = append(unused, o)
		}
	}
	if len(unused) > 0 {
		sort.Slice(unused, func(i, j int) bool { return unused[i].Pos.Offset < unused[j].Pos.Offset })
		o := unused[0]
		return sql.Errorf(o.Pos, "STATE_TTL hint: '%s' is not the table or alias of an input of a regular join or a group aggregate of this query", o.Key)
	}
	return nil
}

// inputNames are the names an input answers to in a STATE_TTL hint: down
// a chain of one-input nodes, the table a scan reads and the alias its
// columns carry (or the one alias all columns of a subquery carry).
func inputNames(n Node) map[string]bool {
	out := map[string]bool{}
	for n != nil {
		if q := commonQual(n.Fields()); q != "" {
			out[q] = true
		}
		if s, ok := n.(*Scan); ok {
			if s.Table != nil {
				out[s.Table.Name] = true
			}
			return out
		}
		ins := n.Inputs()
		if len(ins) != 1 {
			return out
		}
		n = ins[0]
	}
	return out
}

// commonQual is the qualifier every field carries, or "".
func commonQual(fs []Field) string {
	q := ""
	for i, f := range fs {
		if f.Qual == "" || i > 0 && f.Qual != q {
			return ""
		}
		q = f.Qual
	}
	return q
}
