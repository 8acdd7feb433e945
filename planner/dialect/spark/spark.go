// Package spark is Spark's dialect as the planner sees it: the plans of
// Spark Connect (DataFrames sent over gRPC, translated by spark/plan)
// build and run through it. Spark's names, types and functions are
// applied by the translation; what the planner and the engine read here
// are its behaviours: names match ignoring case (spark.sql.caseSensitive
// = false).
package spark

import (
	"fmt"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/planner/dialect"
	"github.com/tumble/tumble/sql"
)

// Dialect is Spark (through Spark Connect).
type Dialect struct{}

var _ dialect.Dialect = Dialect{}

// rules: Spark's Kafka source and sinks are tables of this dialect. Their
// table rules are the zero value (the connectors' own conventions); the
// translation sets the options Spark decides (raw format, where reading
// starts, the loss rule).
var rules = &dialect.Rules{
	CaseInsensitive: true,
	Messages:        dialect.Messages{UnknownTable: "The table or view `%s` cannot be found."},
	// Spark's ANSI mode (its default) fails a cast that overflows a DECIMAL.
	Expr: expr.Semantics{DecimalOverflow: expr.OverflowFails},
}

func (Dialect) Name() string          { return "spark" }
func (Dialect) Syntax() sql.Dialect   { return sql.Spark }
func (Dialect) Rules() *dialect.Rules { return rules }

// ColumnName is Spark's name of an unnamed expression column; the
// translation names every column itself, so this is a fallback.
func (Dialect) ColumnName(position int, _ *dialect.Names) string {
	return fmt.Sprintf("col%d", position+1)
}
