package planner

import (
	"github.com/tumble/tumble/planner/dialect"
	"github.com/tumble/tumble/planner/dialect/flink"
	"github.com/tumble/tumble/planner/dialect/ksql"
	"github.com/tumble/tumble/planner/dialect/spark"
	"github.com/tumble/tumble/sql"
)

// The built-in dialects. A front-end of its own registers its dialect
// with dialect.Register before it makes a session.
func init() {
	dialect.Register(flink.Dialect{})
	dialect.Register(ksql.Dialect{})
	dialect.Register(spark.Dialect{})
}

// DialectOf returns the dialect that parses with syntax (Flink's when
// none does).
func DialectOf(syntax sql.Dialect) dialect.Dialect {
	if d, ok := dialect.For(syntax); ok {
		return d
	}
	return flink.Dialect{}
}
