package planner_test

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/tumble/tumble/connectors/all"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/planner/dialect"
	"github.com/tumble/tumble/session"
	"github.com/tumble/tumble/sql"
)

// thirdDialect is a front-end the planner has never heard of: it parses
// as Flink SQL, matches names ignoring case, names generated columns
// c<n>, divides by zero to NULL and refuses OVER. It plugs in through the
// dialect seam alone.
type thirdDialect struct{}

var thirdRules = &dialect.Rules{
	CaseInsensitive: true,
	Expr:            expr.Semantics{DivideByZero: expr.DivisionIsNull},
	Funcs:           expr.MustFunctions(expr.GreatestSkipsNulls),
	Messages:        dialect.Messages{UnknownTable: "table %s cannot be found"},
	Refused:         map[dialect.Feature]string{dialect.FeatureOver: "no OVER here"},
}

func (thirdDialect) Name() string                              { return "third" }
func (thirdDialect) Syntax() sql.Dialect                       { return sql.Flink }
func (thirdDialect) Rules() *dialect.Rules                     { return thirdRules }
func (thirdDialect) ColumnName(_ int, n *dialect.Names) string { return n.Next("c") }

func TestThirdDialect(t *testing.T) {
	reg := engine.NewRegistry()
	all.Register(reg, io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	jobs := session.NewJobManager(ctx, nil)
	t.Cleanup(func() { jobs.StopAll(); cancel() })
	s := session.New(session.Config{Registry: reg, Jobs: jobs, Frontend: thirdDialect{}})

	rs, err := s.ExecuteText(ctx, "SELECT A / 0, GREATEST(a, CAST(NULL AS INT)), a + 1 AS x FROM (VALUES (7)) AS t(a)")
	if err != nil {
		t.Fatal(err)
	}
	st := rs[0].Stream
	var names []string
	for _, f := range st.Columns {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, ","); got != "c0,c1,x" {
		t.Errorf("columns %s, want c0,c1,x", got)
	}
	var rows []string
	for r := range st.Rows {
		parts := make([]string, len(r.Row))
		for i, v := range r.Row {
			parts[i] = v.String()
		}
		rows = append(rows, "("+strings.Join(parts, ", ")+")")
	}
	if err := st.Err(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows, ";"); got != "(NULL, 7, 8)" {
		t.Errorf("rows %s, want (NULL, 7, 8): division by zero is NULL, GREATEST skips NULLs", got)
	}

	for stmt, want := range map[string]string{
		"SELECT * FROM nowhere": "table nowhere cannot be found",
		"SELECT ROW_NUMBER() OVER (ORDER BY a) FROM (VALUES (1)) AS t(a)": "no OVER here",
	} {
		if _, err := s.ExecuteText(ctx, stmt); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", stmt, err, want)
		}
	}
}
