package planner

import (
	"context"

	"github.com/tumble/tumble/sql"
)

// The ksqlDB dialect: sources, CSAS/CTAS, push and pull queries.

func errKSQL(st sql.Statement) error {
	pos, _ := st.Span()
	return sql.Errorf(pos, "this ksqlDB statement is not supported yet")
}

func (s *Session) ksqlCreateSource(n *sql.CreateTable) (*Result, error) { return nil, errKSQL(n) }
func (s *Session) ksqlCreateAs(ctx context.Context, n *sql.CreateAs) (*Result, error) {
	return nil, errKSQL(n)
}
func (s *Session) ksqlDrop(n *sql.Drop, t *Table) (*Result, error) { return nil, errKSQL(n) }
func (s *Session) ksqlQuery(ctx context.Context, n *sql.Query) (*Result, error) {
	return nil, errKSQL(n)
}
func (s *Session) ksqlPlanQuery(sel *sql.Select) (Node, error) {
	return nil, sql.Errorf(sel.Pos, "ksqlDB queries are not supported yet")
}
func (s *Session) ksqlPlanCreateAs(n *sql.CreateAs) (Node, error)   { return nil, errKSQL(n) }
func (s *Session) ksqlExplainQuery(n *sql.Explain) (*Result, error) { return nil, errKSQL(n) }
func (s *Session) ksqlShow(n *sql.Show) (*Result, error)            { return nil, errKSQL(n) }
func (s *Session) ksqlDescribe(n *sql.Describe) (*Result, error)    { return nil, errKSQL(n) }
