package planner

import (
	"regexp"
	"strings"
)

// State ids. A savepoint keeps each operator's state under an id that
// says what the state is, so that a job built from a changed statement
// restores the state of the operators it kept: the operator's kind and
// configuration as EXPLAIN describes it, without the names its outputs
// are given (AS ...), and the names and types of its inputs' columns. A
// change of projection above a window or group aggregate keeps its id; a
// change of its keys, aggregates, window or input changes it, and the
// savepoint's state for it is then unclaimed (an error unless
// 'execution.savepoint.ignore-unclaimed-state'). Sources are named by
// table and topic or path, so a restored job resumes their positions.

var outputAlias = regexp.MustCompile("\\s+AS\\s+(`[^`]*`|[\\w$]+)")

// stateID names the state of the operator built from n.
func stateID(n Node) string {
	var sb strings.Builder
	sb.WriteString(outputAlias.ReplaceAllString(n.Describe(), ""))
	for _, in := range n.Inputs() {
		sb.WriteString(" <- [")
		for i, f := range in.Fields() {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(f.Name + " " + f.Type.String())
		}
		sb.WriteString("]")
	}
	return sb.String()
}

// sourceID names the positions of a scan's source.
func sourceID(n *Scan) string {
	if n.Values != nil {
		return "source VALUES"
	}
	id := "source " + n.Table.Name + " (" + n.Table.Connector()
	for _, k := range []string{"topic", "path"} {
		if v := n.Table.Option(k); v != "" {
			id += " " + k + "=" + v
		}
	}
	return id + ")"
}
