package expr

// benchDialects are the semantics the benchmarks compare.
func benchDialects() []struct {
	name string
	env  *Env
} {
	return []struct {
		name string
		env  *Env
	}{
		{"flink", testEnv(false, nil)},
		{"ksql", testEnv(true, nil)},
	}
}
