package agg

import "github.com/tumble/tumble/engine/types"

// benchDialects are the semantics the benchmarks compare.
var benchDialects = []struct {
	name string
	new  func(name string, args []types.Type) (*Func, error)
}{
	{"flink", func(name string, args []types.Type) (*Func, error) { return New(name, args, false, Semantics{}) }},
	{"ksql", func(name string, args []types.Type) (*Func, error) { return New(name, args, false, ksqlSem) }},
}
