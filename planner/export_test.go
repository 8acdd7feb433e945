package planner

import (
	"fmt"

	"github.com/tumble/tumble/sql"
)

// BoundPlan binds a SELECT, before any rule (for the rule tests of
// package planner_test).
func (pl *Planner) BoundPlan(sel *sql.Select) (Node, error) {
	return newBinder(pl).bindSelect(sel)
}

// ApplyRules rewrites a plan with the named rules only, bottom-up, as
// optimize applies all of them.
func ApplyRules(n Node, names []string) (Node, error) {
	var use []rule
	for _, name := range names {
		found := false
		for _, r := range rules {
			if r.name == name {
				use, found = append(use, r), true
			}
		}
		if !found {
			return nil, fmt.Errorf("no rule named %q (rules: %v)", name, RuleNames())
		}
	}
	var apply func(Node) Node
	apply = func(n Node) Node {
		n = withInputs(n, apply)
		for _, r := range use {
			n = r.apply(n)
		}
		return n
	}
	return apply(n), nil
}

// RuleNames lists the rules in the order optimize applies them.
func RuleNames() []string {
	out := make([]string, len(rules))
	for i, r := range rules {
		out[i] = r.name
	}
	return out
}
