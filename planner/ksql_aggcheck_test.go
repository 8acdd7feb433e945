package planner

import (
	"strings"
	"testing"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/sql"
)

// TestKSQLAggregateRules: ksqlDB's rules for aggregating queries, with its
// messages, and queries that follow them.
func TestKSQLAggregateRules(t *testing.T) {
	for _, c := range []struct{ query, want string }{
		{"SELECT F1, COUNT(*) FROM T GROUP BY F1", ""},
		{"SELECT F1 + 1, SUM(F2) * 2, COUNT(*) FROM T GROUP BY F1", ""},
		{"SELECT AS_VALUE(F1 + F2), COUNT(*) FROM T GROUP BY F1 + F2", ""},
		{"SELECT T.F1, COUNT(*) FROM T GROUP BY F1", ""},
		{"SELECT WINDOWSTART, F1, COUNT(*) FROM T GROUP BY F1", ""},
		{"SELECT F1, COUNT(*) FROM T GROUP BY F1 HAVING SUM(F2) > 1 AND F1 > 0", ""},
		{"SELECT COUNT(*) FROM T GROUP BY F1, T.F1", "Duplicate GROUP BY expression: T.F1"},
		{"SELECT SUM(COUNT(*)) FROM T GROUP BY F1", "Aggregate functions can not be nested: SUM(COUNT())"},
		{"SELECT COUNT(*) FROM T GROUP BY SUM(F1) + 1", "GROUP BY does not support aggregate functions: SUM is an aggregate function."},
		{"SELECT F1 FROM T GROUP BY F1", "GROUP BY requires aggregate functions in either the SELECT or HAVING clause."},
		{"SELECT F1 - F2, F2, COUNT(*) FROM T GROUP BY F2 - F1", "Non-aggregate SELECT expression(s) not part of GROUP BY: (F1 - F2), F2\nEither add the column(s) to the GROUP BY or remove them from the SELECT."},
		{"SELECT SUBSTRING(S, 0, 1), COUNT(*) FROM T GROUP BY SUBSTRING(S, 0, 2)", "not part of GROUP BY: SUBSTRING(S, 0, 1)\n"},
		{"SELECT *, COUNT(*) FROM T GROUP BY F1", "not part of GROUP BY: F2, S\n"},
		{"SELECT F1, COUNT(*) FROM T GROUP BY F1 HAVING LEN(S) > 1 AND F2 > S", "Non-aggregate HAVING expression not part of GROUP BY: S, F2"},
		// An unknown function is reported by the binder first.
		{"SELECT NO_SUCH_FN(F1) FROM T GROUP BY F1", ""},
	} {
		stmts, err := sql.Parse(c.query, sql.KSQL)
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		sel := stmts[0].(*sql.Query).Select
		err = ksqlCheckAggregate(sel, "T", []string{"F1", "F2", "S"}, expr.IsFunction)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v", c.query, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want %q", c.query, err, c.want)
		}
	}
}

func TestKSQLExprText(t *testing.T) {
	for in, want := range map[string]string{
		"f1 * SUM(f2)":                "(F1 * SUM(F2))",
		"NOT a":                       "(NOT A)",
		"-a + 1":                      "(-A + 1)",
		"col1['foo']":                 "COL1['foo']",
		"s->f":                        "S->F",
		"CAST(a AS STRING)":           "CAST(A AS STRING)",
		"`Key` + 1":                   "(`Key` + 1)",
		"x IS NOT NULL":               "(X IS NOT NULL)",
		"CONCAT(INITCAP(a), 'it''s')": "CONCAT(INITCAP(A), 'it''s')",
	} {
		e, err := sql.ParseExpr(in, sql.KSQL)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if got := ksqlExprText(e); got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
}

// TestKSQLUnknownColumnNamesTheClause: ksqlDB names the clause whose
// column cannot be resolved.
func TestKSQLUnknownColumnNamesTheClause(t *testing.T) {
	sc := &scope{fields: []Field{{Name: "ID", Qual: "T"}, {Name: "V", Qual: "T"}}}
	for q, want := range map[string]string{
		"SELECT ID FROM T WHERE BOB > 1":                             "WHERE column 'BOB' cannot be resolved.",
		"SELECT ID, COUNT(*) FROM T GROUP BY NOPE":                   "GROUP BY column 'NOPE' cannot be resolved.",
		"SELECT ID FROM T PARTITION BY X":                            "PARTITION BY column 'X' cannot be resolved.",
		"SELECT ID, COUNT(*) FROM T GROUP BY ID HAVING T.W > 1":      "HAVING column 'T.W' cannot be resolved.",
		"SELECT ID, COUNT(*) FROM T WHERE T.V > 1 GROUP BY ID":       "",
		"SELECT ID, COUNT(*) FROM T GROUP BY ID HAVING COUNT(*) > 1": "",
	} {
		stmts, err := sql.Parse(q, sql.KSQL)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		err = ksqlCheckColumns(stmts[0].(*sql.Query).Select, sc)
		if (want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", q, err, want)
		}
	}
}
