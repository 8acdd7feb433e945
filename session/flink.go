package session

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/sql"
)

// Flink SQL's executor: CREATE TABLE, INSERT, queries, SHOW and DESCRIBE,
// over the planner's catalog and plans.

func (s *Session) execInsert(ctx context.Context, n *sql.Insert) (*planner.Result, error) {
	pl := s.planner()
	plan, err := pl.PlanInsert(n)
	if err != nil {
		return nil, err
	}
	_, text := n.Span()
	id := s.newJobID(nil)
	info := &JobInfo{ID: id, Name: pl.JobName("insert-into_" + plan.Table.ID().String()), Statement: text, Dialect: s.Dialect, Sink: plan.Table.Name}
	if err := s.startPlan(ctx, pl, info, plan); err != nil {
		return nil, err
	}
	warnings := pl.HintWarnings(plan)
	if v, _ := s.Setting("table.dml-sync"); strings.EqualFold(v, "true") {
		// The job has finished: Flink's client says so instead of the id.
		return &planner.Result{Kind: planner.ResultOK, Message: "Complete execution of the SQL update statement.", JobID: id, Warnings: warnings}, nil
	}
	return &planner.Result{Kind: planner.ResultJob, JobID: id, Warnings: warnings}, nil
}

func (s *Session) execQuery(ctx context.Context, n *sql.Query) (*planner.Result, error) {
	pl := s.planner()
	node, err := pl.PlanQuery(n.Select)
	if err != nil {
		return nil, err
	}
	r, err := s.startStream(pl, node, n)
	if r != nil {
		r.Warnings = append(r.Warnings, pl.HintWarnings(node)...)
	}
	return r, err
}

func (s *Session) execShow(n *sql.Show) (*planner.Result, error) {
	switch n.What {
	case "TABLES", "VIEWS":
		return s.planner().ShowTables(n)
	case "CATALOGS", "DATABASES", "CURRENT CATALOG", "CURRENT DATABASE":
		return s.planner().ShowCatalogs(n)
	case "CREATE CATALOG":
		return s.planner().ShowCreateCatalog(n)
	case "COLUMNS":
		return s.planner().ShowColumns(n)
	case "CREATE TABLE", "CREATE VIEW":
		return s.planner().ShowCreate(n)
	case "JOBS":
		// SHOW JOBS EXTENDED adds the job's counters (Flink shows them in its
		// web UI; the REPL has no other place).
		r := &planner.Result{Kind: planner.ResultTable, Columns: []string{"job id", "job name", "status", "start time"}}
		if n.Extended {
			r.Columns = append(r.Columns, "records in", "records out", "skipped", "late dropped", "state expired", "watermark", "checkpoints", "restarts", "error")
		}
		for _, j := range s.Jobs.List() {
			row := []string{j.ID, j.Name, string(j.Job.Status()), statusTime(j.Job.Started())}
			if n.Extended {
				m := j.Job.Metrics.Snapshot()
				wm := ""
				if m.Watermark != engine.MinWatermark && m.Watermark != engine.MaxWatermark {
					wm = types.FormatTimestamp(m.Watermark, 3, ' ')
				}
				errText := ""
				if err := j.Job.Err(); err != nil {
					errText = err.Error()
				}
				row = append(row, strconv.FormatInt(m.RecordsIn, 10), strconv.FormatInt(m.RecordsOut, 10),
					strconv.FormatInt(m.Skipped, 10), strconv.FormatInt(m.LateDropped, 10), strconv.FormatInt(m.Expired, 10), wm,
					strconv.FormatInt(m.Checkpoints, 10), strconv.FormatInt(j.Job.Restarts(), 10), errText)
			}
			r.Rows = append(r.Rows, row)
		}
		return r, nil
	case "FUNCTIONS":
		r := &planner.Result{Kind: planner.ResultTable, Columns: []string{"function name"}}
		names := append(expr.FunctionNames(), "AVG", "COUNT", "MAX", "MIN", "SUM")
		names = append(names, s.planner().UserFunctions()...)
		sort.Strings(names)
		for _, f := range names {
			r.Rows = append(r.Rows, []string{f})
		}
		return r, nil
	case "JARS":
		return &planner.Result{Kind: planner.ResultTable, Columns: []string{"jars"}}, nil
	case "MODULES", "FULL MODULES":
		return showModules(n.What == "FULL MODULES"), nil
	case "USER FUNCTIONS":
		r := &planner.Result{Kind: planner.ResultTable, Columns: []string{"function name"}}
		for _, f := range s.planner().UserFunctions() {
			r.Rows = append(r.Rows, []string{f})
		}
		return r, nil
	}
	return nil, sql.Errorf(n.Start, "SHOW %s is not supported", n.What)
}

func (s *Session) execDescribe(n *sql.Describe) (*planner.Result, error) {
	t, err := s.planner().FlinkObject(n.Name)
	if err != nil {
		return nil, err
	}
	return planner.Describe(t, nil), nil
}

// flinkStatements is Flink SQL's executor (and that of a dialect without
// one of its own).
type flinkStatements struct{ s *Session }

func init() { registerStatements("flink", func(s *Session) statements { return flinkStatements{s} }) }

func (x flinkStatements) createTable(n *sql.CreateTable) (*planner.Result, error) {
	return x.s.planner().CreateTable(n)
}

// createAs is CREATE TABLE name WITH (...) AS query: the table is
// created with the query's columns, then the query's rows are inserted
// into it as by INSERT INTO (a failed start undoes the creation).
func (x flinkStatements) createAs(ctx context.Context, n *sql.CreateAs) (*planner.Result, error) {
	undo, err := x.s.planner().CreateTableAs(n)
	if err != nil {
		return nil, err
	}
	r, err := x.s.execInsert(ctx, &sql.Insert{Base: n.Base, Table: n.Name, Query: n.Query})
	if err != nil {
		undo()
	}
	return r, err
}

func (x flinkStatements) insert(ctx context.Context, n *sql.Insert) (*planner.Result, error) {
	return x.s.execInsert(ctx, n)
}

func (x flinkStatements) query(ctx context.Context, n *sql.Query) (*planner.Result, error) {
	return x.s.execQuery(ctx, n)
}

func (x flinkStatements) drop(_ context.Context, n *sql.Drop) (*planner.Result, error) {
	return x.s.planner().Drop(n)
}

func (x flinkStatements) show(_ context.Context, n *sql.Show) (*planner.Result, error) {
	return x.s.execShow(n)
}

func (x flinkStatements) describe(n *sql.Describe) (*planner.Result, error) {
	return x.s.execDescribe(n)
}

func (x flinkStatements) plan(st sql.Statement) (planner.Node, error) {
	return x.s.planner().FlinkPlan(st)
}

func (x flinkStatements) explainQuery(n *sql.Explain) (*planner.Result, error) {
	return x.s.explainQueryID(n) // as ksqlDB's: Flink has no EXPLAIN <id>
}

func (x flinkStatements) setDone(string, string) *planner.Result {
	return ok("Execute statement succeeded.")
}

func (x flinkStatements) stopRemoves() bool { return false }
func (x flinkStatements) declare(n *sql.CreateAs) error {
	return sql.Errorf(n.Start, "only ksqlDB's CREATE ... AS SELECT can be declared without running")
}
