package session

import (
	"context"
	"strings"
	"sync"

	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/sql"
)

// statements executes the statements whose meaning is a dialect's own:
// DDL over its sources, INSERT, queries, SHOW, DESCRIBE, DROP, EXPLAIN,
// and the shape of some answers. Each dialect's executor is registered
// under the dialect's name (flinkStatements in session.go, ksqlStatements
// in ksql.go); a dialect without one gets Flink's. Session.Execute runs
// the rest (SET, RESET, HELP, STOP JOB, ...) the same for every dialect.
type statements interface {
	createTable(n *sql.CreateTable) (*planner.Result, error)
	createAs(ctx context.Context, n *sql.CreateAs) (*planner.Result, error)
	insert(ctx context.Context, n *sql.Insert) (*planner.Result, error)
	query(ctx context.Context, n *sql.Query) (*planner.Result, error)
	// drop and show may reach the broker (DROP ... DELETE TOPIC, SHOW
	// TOPICS): they stop when ctx is done.
	drop(ctx context.Context, n *sql.Drop) (*planner.Result, error)
	show(ctx context.Context, n *sql.Show) (*planner.Result, error)
	describe(n *sql.Describe) (*planner.Result, error)
	// plan is the plan EXPLAIN shows for an INSERT, a query or a CREATE
	// ... AS SELECT.
	plan(st sql.Statement) (planner.Node, error)
	// explainQuery is EXPLAIN of a running query by its id.
	explainQuery(n *sql.Explain) (*planner.Result, error)
	// declare puts what a CREATE ... AS SELECT creates into the catalog
	// without starting its query (Session.Declare).
	declare(n *sql.CreateAs) error
	// setDone is the answer to SET key = value.
	setDone(key, value string) *planner.Result
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

// ok is the plain success answer.
func ok(msg string) *planner.Result { return &planner.Result{Kind: planner.ResultOK, Message: msg} }

func title(s string) string { return strings.ToUpper(s[:1]) + s[1:] }
