package session_test

import (
	"context"
	"io"
	"testing"

	"github.com/tumble/tumble/connectors/all"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/session"
)

// TestExecuteStatementSet: EXECUTE STATEMENT SET BEGIN ... END; keeps its
// INSERTs until END, which runs them all (here into a table whose rows a
// query then reads back), and the set is closed afterwards.
func TestExecuteStatementSet(t *testing.T) {
	reg := engine.NewRegistry()
	all.Register(reg, io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	jobs := session.NewJobManager(ctx, nil)
	t.Cleanup(func() { jobs.StopAll(); cancel() })
	s := session.New(session.Config{Registry: reg, Jobs: jobs, Catalog: planner.NewCatalog()})
	s.Set("table.dml-sync", "true")
	s.Set("execution.runtime-mode", "batch")
	dir := t.TempDir()
	if _, err := s.ExecuteText(ctx, "CREATE TABLE a (id INT) WITH ('connector' = 'filesystem', 'path' = '"+dir+"', 'format' = 'csv')"); err != nil {
		t.Fatal(err)
	}
	res, err := s.ExecuteText(ctx, "EXECUTE STATEMENT SET BEGIN INSERT INTO a VALUES (1); INSERT INTO a VALUES (2); END;")
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, r := range res {
		msgs = append(msgs, r.Message)
	}
	want := []string{"Execute statement succeeded.", "Execute statement succeeded.", "Execute statement succeeded.", "Complete execution of the SQL update statement."}
	if len(msgs) != len(want) {
		t.Fatalf("answers %q, want %q", msgs, want)
	}
	for i := range want {
		if msgs[i] != want[i] {
			t.Errorf("answer %d = %q, want %q", i, msgs[i], want[i])
		}
	}
	rows, err := s.QueryRows(ctx, "SELECT SUM(id) FROM a")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0][0] != "3" {
		t.Errorf("SUM(id) = %v, want [[3]]", rows)
	}
	if _, err := s.ExecuteText(ctx, "END"); err == nil {
		t.Error("END after the set was closed was accepted")
	}
}
