package session

import (
	"context"
	"fmt"
	"strings"

	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/sql"
)

// Flink's statement sets: BEGIN STATEMENT SET opens one, the INSERTs (and
// CREATE TABLE ... AS SELECTs) after it are checked and kept, and END
// submits them in order. Tumble runs each as a job of its own (Flink
// plans the set as one job).

// errOnlyInsert is Flink's answer to any other statement in an open set.
const errOnlyInsert = "Only 'INSERT/CREATE TABLE AS' statement is allowed in Statement Set or use 'END' statement to submit Statement Set."

// inStatementSet handles st when it is BEGIN or END or when a statement
// set is open (done reports whether it did).
func (s *Session) inStatementSet(ctx context.Context, st sql.Statement) (r *planner.Result, err error, done bool) {
	n, isSet := st.(*sql.StatementSet)
	switch {
	case isSet && !n.End:
		if s.stmtSet != nil {
			return nil, sql.Errorf(n.Start, "%s", errOnlyInsert), true
		}
		s.stmtSet = []sql.Statement{}
		return ok("Execute statement succeeded."), nil, true
	case isSet:
		if s.stmtSet == nil {
			return nil, sql.Errorf(n.Start, "No Statement Set to submit. 'END' statement should be used after 'BEGIN STATEMENT SET'."), true
		}
		set := s.stmtSet
		s.stmtSet = nil
		r, err := s.submitSet(ctx, set)
		return r, err, true
	case s.stmtSet == nil:
		return nil, nil, false
	}
	switch st := st.(type) {
	case *sql.Insert:
		// Checked now, as Flink plans each INSERT when it is added.
		if _, err := s.statementsOf().plan(st); err != nil {
			return nil, err, true
		}
	case *sql.CreateAs:
	case *sql.Quit, *sql.Help:
		return nil, nil, false
	default:
		pos, _ := st.Span()
		return nil, sql.Errorf(pos, "%s", errOnlyInsert), true
	}
	s.stmtSet = append(s.stmtSet, st)
	return ok("Execute statement succeeded."), nil, true
}

// submitSet runs the statements of a statement set in order. With
// table.dml-sync it waits for each; otherwise it answers with the first
// job's id (and names the others in a warning).
func (s *Session) submitSet(ctx context.Context, set []sql.Statement) (*planner.Result, error) {
	if len(set) == 0 {
		return ok("Execute statement succeeded."), nil
	}
	var first *planner.Result
	var jobs, warnings []string
	for _, st := range set {
		r, err := s.Execute(ctx, st)
		if err != nil {
			if len(jobs) > 0 {
				return nil, fmt.Errorf("%w (the statement set's jobs %s were started)", err, strings.Join(jobs, ", "))
			}
			return nil, err
		}
		if first == nil {
			first = r
		}
		if r.JobID != "" {
			jobs = append(jobs, r.JobID)
		}
		warnings = append(warnings, r.Warnings...)
	}
	r := *first
	r.Warnings = warnings
	if r.Kind == planner.ResultJob && len(jobs) > 1 {
		r.Warnings = append(r.Warnings, fmt.Sprintf("The statement set runs as %d jobs (%s); Flink runs it as one.", len(jobs), strings.Join(jobs, ", ")))
	}
	return &r, nil
}
