// Package ksql is ksqlDB's dialect: case-insensitive names, Java's
// expression semantics and ksqlDB's function variants, aggregates that
// emit after every row and drop NULL keys, stream-time windows with a
// grace period, and joins chosen by their inputs' kinds.
package ksql

import (
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/agg"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/planner/dialect"
	"github.com/tumble/tumble/sql"
)

// Dialect is ksqlDB.
type Dialect struct{}

var _ dialect.Dialect = Dialect{}

// DefaultGrace is ksqlDB's grace period of a window that gives none.
const DefaultGrace = 24 * time.Hour

var rules = &dialect.Rules{
	CaseInsensitive:  true,
	FieldAccessNames: true,
	UniqueColumns:    true,
	Expr: expr.Semantics{
		DivideByZero:  expr.DivisionIsNull,
		Text:          expr.TextJava,
		TimestampZone: expr.ZoneUTC,
		StructCast:    expr.StructsByName,
		EpochCast:     expr.EpochMillis,
		CastFailure:   expr.CastIsNull,
		ArrayIndex:    expr.IndexFromEnd,
		StringPlus:    expr.PlusConcatenates,
		Coercion:      expr.CoerceTemporalOnly,
		DateArith:     expr.DateStaysDate,
		Messages:      expr.MessagesKSQL,
	},
	Funcs: expr.MustFunctions(
		expr.InitCapOnWhitespace, expr.ChrOfCodePoint, expr.ConcatSkipsNulls, expr.ConcatWSNeedsTwo,
		expr.TrimControlChars, expr.RegexpPatternFirst, expr.RegexpAllPatternFirst, expr.UnixTimestampMillis,
		expr.FromUnixtimeMillis, expr.ParseTimestampMillis, expr.LogNaNBase, expr.SignInteger,
		expr.FloorKeepsType, expr.CeilKeepsType, expr.RoundHalfUp, expr.TruncateKeepsType,
		expr.GreatestSkipsNulls, expr.LeastSkipsNulls, expr.ArrayContainsNotNull, expr.EntriesUpperNames,
	),
	Aggs:                    agg.Semantics{Sum: agg.SumJava, Avg: agg.AvgDouble, Stats: agg.StatsKSQL},
	NullLiteralComparisons:  dialect.Refused,
	NullComparisonsInSelect: true,
	CollectionLiterals:      dialect.LiteralsJava,
	InList:                  dialect.InCoerced,
	KSQLTypeChecks:          true,
	MagicTimestamps:         true,
	GroupEmit:               engine.EmitPerRow,
	NullKeys:                engine.NullKeysDrop,
	StreamTombstones:        dialect.TombstonesIgnored,
	WindowEmit:              engine.EmitEveryRow,
	WindowGrace:             DefaultGrace,
	Joins:                   dialect.JoinsByInputKind,
	Tables: engine.TableRules{
		Formats:       engine.FormatNamesKSQL,
		Registry:      engine.RegistryOfServer,
		SingleValues:  engine.SingleKeyUnwrapped,
		FieldMatch:    engine.FieldsIgnoreCase,
		InferredNames: engine.InferredUpper,
		MapKeys:       engine.MapKeysString,
		Booleans:      engine.BooleansStrict,
		Temporals:     engine.TemporalsAsEpoch,
		RecordNames:   engine.RecordNamesKSQL,
		BadRecords:    engine.BadRecordsSkipped,
		Keys:          engine.KeysDeclared,
		NullValues:    engine.NullValuesDelete,
		Start:         engine.StartByOffsetReset,
		SinkTopics:    engine.TopicsCreatedBySink,
		SinkTimes:     engine.SinkTimeOfInput,
		Wording:       engine.WordProperties,
	},
	Limit:           dialect.LimitByClient,
	FloatIsDouble:   true,
	TimestampMillis: true,
	NullableKeys:    true,
	Settings:        dialect.KSQLSettings,
	QueryIDs:        dialect.NamedQueryIDs,
	Messages:        dialect.Messages{UnknownTable: "%s does not exist."},
	Client: dialect.Client{
		Title: "ksqlDB", Prompt: "ksql> ", WholeFiles: true, PropertyAnswers: true, TestsFromEarliest: true,
		Values: dialect.JSONValues{DecimalNumbers: true, TimestampMillis: true, MapObjects: true},
		Live: dialect.LiveQuery{
			Query:    "SELECT * FROM %s EMIT CHANGES;",
			Settings: map[string]string{"auto.offset.reset": "earliest"},
		},
		Keywords: keywords,
		Options:  []string{"auto.offset.reset", "earliest", "latest", "yyyy-MM-dd HH:mm:ss.SSS"},
	},
	Refused: map[dialect.Feature]string{
		dialect.FeatureOver:         "OVER windows are not supported in ksqlDB",
		dialect.FeatureGroupingSets: "GROUPING SETS, ROLLUP and CUBE are not supported in ksqlDB",
		dialect.FeatureSubqueries:   "subqueries are not supported in ksqlDB",
		dialect.FeatureTableHints:   "table hints are not supported in ksqlDB",
		dialect.FeatureAlter:        "ALTER is not supported in the ksqlDB dialect",
		dialect.FeatureFunctions:    "CREATE FUNCTION is not supported in ksqlDB: user-defined functions are Java classes on ksqlDB's extension path",
	},
}

func (Dialect) Name() string          { return "ksql" }
func (Dialect) Syntax() sql.Dialect   { return sql.KSQL }
func (Dialect) Rules() *dialect.Rules { return rules }

// ColumnName is KSQL_COL_<n>, n counting the generated names of the
// query and skipping names in use.
func (Dialect) ColumnName(_ int, names *dialect.Names) string { return names.Next("KSQL_COL_") }

// keywords are ksqlDB's own, which the REPL completes.
var keywords = []string{
	"ADVANCE BY", "ARRAY", "AS SELECT", "CHANGES", "CREATE SOURCE STREAM", "CREATE SOURCE TABLE",
	"CREATE STREAM", "DESCRIBE EXTENDED", "DROP STREAM", "EMIT CHANGES", "EMIT FINAL",
	"EXTENDED", "FINAL", "FROM BEGINNING", "GRACE PERIOD", "HEADERS", "HOPPING", "KAFKA_TOPIC",
	"KEY_FORMAT", "LIST", "LIST QUERIES", "LIST STREAMS", "LIST TABLES", "LIST TOPICS",
	"MAP", "PARTITIONS", "PRINT", "REPLICAS", "RETENTION", "ROWKEY", "ROWOFFSET",
	"ROWPARTITION", "ROWTIME", "SESSION", "SHOW PROPERTIES", "SHOW QUERIES",
	"SHOW STREAMS", "SHOW TOPICS", "SIZE", "STREAM", "STRUCT", "TERMINATE",
	"TERMINATE ALL", "TIMESTAMP_FORMAT", "TUMBLING", "UNSET", "VALUE_DELIMITER",
	"VALUE_FORMAT", "WINDOW", "WINDOW HOPPING", "WINDOW SESSION", "WINDOW TUMBLING",
	"WINDOWEND", "WINDOWSTART", "WITHIN",
}
