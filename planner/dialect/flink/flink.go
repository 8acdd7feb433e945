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
	Client: dialect.Client{
		Title: "Flink SQL", Prompt: "Flink SQL> ",
		ShowCreate: true,
		Live: dialect.LiveQuery{
			Query:         "SELECT * FROM %s",
			FromStartHint: " /*+ OPTIONS('scan.startup.mode' = 'earliest-offset') */",
		},
		Keywords: keywords,
	},
	Messages: dialect.Messages{UnknownTable: "Object '%s' not found"},
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

// keywords are Flink SQL's own, which the REPL completes.
var keywords = []string{
	"BEGIN STATEMENT SET", "BYTES", "CREATE TEMPORARY VIEW", "CREATE VIEW",
	"CUMULATE", "CURRENT_WATERMARK", "DESCRIPTOR", "DROP VIEW", "ENFORCED",
	"EXECUTE STATEMENT SET", "FOR SYSTEM_TIME AS OF", "HOP", "LATERAL", "METADATA",
	"METADATA FROM", "NOT ENFORCED", "OVER", "PROCTIME", "RESET", "ROWS BETWEEN", "ROW_NUMBER",
	"SESSION", "SHOW CATALOGS", "SHOW DATABASES", "SHOW JOBS", "SHOW VIEWS",
	"STOP JOB", "TEMPORARY", "TIMESTAMP_LTZ", "TUMBLE", "UNBOUNDED PRECEDING",
	"VIRTUAL", "WATERMARK FOR", "WITH SAVEPOINT", "window_end", "window_start",
	"window_time",
}
