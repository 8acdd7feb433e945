package planner

import (
	"context"
	"sync"

	"github.com/tumble/tumble/sql"
)

// statements executes the statements whose meaning is a dialect's own:
// DDL over its sources, INSERT, queries, SHOW, DESCRIBE, DROP, EXPLAIN,
// and the shape of some answers. Each dialect's executor is registered
// under the dialect's name (flinkStatements in session.go, ksqlStatements
// in ksql.go); a dialect without one gets Flink's. Session.Execute runs
// the rest (SET, RESET, HELP, STOP JOB, ...) the same for every dialect.
type statements interface {
	createTable(n *sql.CreateTable) (*Result, error)
	createAs(ctx context.Context, n *sql.CreateAs) (*Result, error)
	insert(ctx context.Context, n *sql.Insert) (*Result, error)
	query(ctx context.Context, n *sql.Query) (*Result, error)
	// drop and show may reach the broker (DROP ... DELETE TOPIC, SHOW
	// TOPICS): they stop when ctx is done.
	drop(ctx context.Context, n *sql.Drop) (*Result, error)
	show(ctx context.Context, n *sql.Show) (*Result, error)
	describe(n *sql.Describe) (*Result, error)
	// plan is the plan EXPLAIN shows for an INSERT, a query or a CREATE
	// ... AS SELECT.
	plan(st sql.Statement) (Node, error)
	// explainQuery is EXPLAIN of a running query by its id.
	explainQuery(n *sql.Explain) (*Result, error)
	// setDone is the answer to SET key = value.
	setDone(key, value string) *Result
	// stopRemoves tells whether stopping a job forgets it (ksqlDB's
	// TERMINATE) or keeps it listed (Flink's STOP JOB).
	stopRemoves() bool
}

var (
	executorsMu sync.RWMutex
	executors   = map[string]func(*Session) statements{}
)

// registerStatements makes newExec the executor of the dialect named
// name.
func registerStatements(name string, newExec func(*Session) statements) {
	executorsMu.Lock()
	defer executorsMu.Unlock()
	executors[name] = newExec
}

// statementsOf returns the session's executor.
func (s *Session) statementsOf() statements {
	executorsMu.RLock()
	newExec, ok := executors[s.dialect.Name()]
	executorsMu.RUnlock()
	if !ok {
		return flinkStatements{s}
	}
	return newExec(s)
}
