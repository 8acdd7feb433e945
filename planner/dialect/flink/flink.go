// Package flink is Flink SQL's dialect: the planner's default behaviours
// (Calcite's typing and names, retracting group aggregates, watermark
// windows, regular joins).
package flink

import (
	"fmt"

	"github.com/tumble/tumble/planner/dialect"
	"github.com/tumble/tumble/sql"
)

// Dialect is Flink SQL.
type Dialect struct{}

var _ dialect.Dialect = Dialect{}

var rules = &dialect.Rules{
	ViewRowtime: true,
	Client:      dialect.Client{Title: "Flink SQL", Prompt: "Flink SQL> "},
	Messages:    dialect.Messages{UnknownTable: "Object '%s' not found"},
	Refused: map[dialect.Feature]string{
		dialect.FeatureLambdas: "lambdas (x => ...) are ksqlDB syntax",
	},
}

func (Dialect) Name() string          { return "flink" }
func (Dialect) Syntax() sql.Dialect   { return sql.Flink }
func (Dialect) Rules() *dialect.Rules { return rules }
func (Dialect) ColumnName(position int, _ *dialect.Names) string {
	return fmt.Sprintf("EXPR$%d", position)
}
