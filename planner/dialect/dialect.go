// Package dialect is the seam between a SQL front-end (Flink SQL, ksqlDB,
// and whichever comes next) and the shared planner and engine. A dialect
// names the behaviours it wants; the binder, the session and the engine's
// operators and expressions read those behaviours, never the dialect's
// name. A new front-end plugs in by implementing Dialect in a package of
// its own (as planner/dialect/flink and planner/dialect/ksql do) and
// registering it; nothing in the binder changes unless it needs a
// behaviour no dialect had before.
//
// This package imports nothing of the planner: the planner imports it.
package dialect

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/agg"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/sql"
)

// Dialect is a SQL front-end as the planner sees it. Implementations are
// immutable values, safe for concurrent use.
type Dialect interface {
	// Name names the dialect ("flink", "ksql"): jobs and catalog objects
	// record it, and statement executors are registered under it.
	Name() string
	// Syntax is the sql package's dialect that parses its statements.
	Syntax() sql.Dialect
	// Rules are the dialect's named behaviours. The planner does not
	// modify them.
	Rules() *Rules
	// ColumnName names the select item at position (0-based) that has no
	// alias and is not a plain column: Flink's EXPR$<position>, ksqlDB's
	// KSQL_COL_<n> counted by names.
	ColumnName(position int, names *Names) string
}

// Rules are a dialect's named behaviours. Each field says what it decides;
// the zero value of each is Flink SQL's behaviour.
type Rules struct {
	// Identifiers.

	// CaseInsensitive: column, table and INSERT target names match
	// ignoring case (ksqlDB, whose parser also upper-cases unquoted
	// identifiers).
	CaseInsensitive bool
	// FieldAccessNames: a select item s->f (or s.f) without alias is named
	// after the field f.
	FieldAccessNames bool
	// UniqueColumns: two select items of one name are an error
	// ("Duplicate value columns found in schema").
	UniqueColumns bool

	// Expressions and aggregates.

	// Expr are the expression semantics and Funcs the scalar function
	// registry (nil: the library's defaults).
	Expr  expr.Semantics
	Funcs *expr.Functions
	// Aggs are the aggregates' semantics.
	Aggs agg.Semantics
	// NullLiteralComparisons: x = NULL (and <>, <, ...) with a NULL
	// literal is refused ("Comparison with NULL not supported").
	NullLiteralComparisons Refusal
	// NullComparisonsInSelect: a comparison in a select list (and a
	// push query's) is FALSE, not NULL, on a NULL operand (ksqlDB).
	NullComparisonsInSelect bool
	// CollectionLiterals are ARRAY[...], MAP[...] and STRUCT(...) literals'
	// typing.
	CollectionLiterals CollectionLiterals
	// InList is how x IN (a, b, ...) types and matches its values.
	InList InListRule
	// KSQLTypeChecks: comparisons take the operand types ksqlDB's allow
	// (numbers with numbers, strings with strings and temporals, BOOLEAN,
	// ARRAY, MAP and STRUCT only for (in)equality), and a WHERE or
	// HAVING that fails to type or is not boolean says so in ksqlDB's
	// words ("Error in WHERE expression: ...").
	KSQLTypeChecks bool
	// MagicTimestamps: in WHERE, a string literal compared with ROWTIME,
	// WINDOWSTART or WINDOWEND is the epoch millis of the (possibly
	// partial) timestamp it spells (ksqlDB).
	MagicTimestamps bool

	// Aggregation.

	// GroupEmit and NullKeys are the unbounded group aggregate's
	// behaviours; a GroupEmit of engine.EmitPerRow makes its result an
	// upsert stream.
	GroupEmit engine.GroupEmit
	NullKeys  engine.NullKeys
	// StreamTombstones: what a group aggregate does with the tombstones
	// (deletes) of a stream (not a table) it reads.
	StreamTombstones Tombstones
	// WindowEmit is when window aggregates emit (EMIT FINAL in the query
	// selects engine.EmitFinal), and WindowGrace their grace period when
	// the query gives none (stream-time windows only).
	WindowEmit  engine.EmitMode
	WindowGrace time.Duration

	// Joins are how JOIN is planned.
	Joins JoinRule
	// Limit is how a query's ORDER BY and LIMIT are planned.
	Limit LimitRule

	// Sinks: NullableKeys lets a table's primary key columns take NULL
	// (ksqlDB, whose tables handle a NULL key themselves); otherwise, as
	// in Flink, they are NOT NULL and a sink enforces it.
	NullableKeys bool

	// Tables are the conventions of the dialect's tables for their records
	// and topics (format names, key and value layout, where reading
	// starts, ...), which the planner hands to connectors on each
	// engine.TableSpec.
	Tables engine.TableRules

	// Views: ViewRowtime keeps a view's event-time attribute (its
	// watermark) for queries over the view.
	ViewRowtime bool

	// Types: FloatIsDouble reads FLOAT and REAL as DOUBLE;
	// TimestampMillis makes every TIMESTAMP millisecond precision.
	FloatIsDouble   bool
	TimestampMillis bool

	// Settings are the session settings the dialect reads (besides those
	// every dialect reads): Flink's keys or ksqlDB's properties.
	Settings SettingsFamily
	// Stable IDs: QueryIDs says how the jobs of persistent queries are
	// named.
	QueryIDs QueryIDs

	// Messages are the dialect's wording of common errors; each is a
	// format with one %s, the object's name.
	Messages Messages

	// Refused are the features the dialect does not have, each with the
	// error it gives.
	Refused map[Feature]string

	// Client are the conventions of the dialect's own clients, which
	// Tumble's REPL and test runners follow.
	Client Client
}

// Client are a dialect's client conventions.
type Client struct {
	// Title names the dialect to a user ("Flink SQL"); Prompt is the
	// REPL's prompt.
	Title, Prompt string
	// WholeFiles: a client submits a file to a server whole, in one request
	// to the dialect's REST endpoint (ksqlDB's /ksql), rather than
	// statement by statement.
	WholeFiles bool
	// PropertyAnswers: SET and UNSET answer as ksqlDB's CLI does
	// ("Successfully changed local property ...") and "SET;" lists the
	// properties set, not every setting with its default.
	PropertyAnswers bool
	// TestsFromEarliest: the dialect's test driver reads every source
	// from its earliest offset (a test runner sets auto.offset.reset).
	TestsFromEarliest bool
	// Values are how the dialect's REST API writes values in JSON rows
	// (ksqlDB's /query and /query-stream).
	Values JSONValues
	// ShowCreate: the dialect prints an object's DDL back with SHOW
	// CREATE TABLE|VIEW (the console shows it for the dialect's objects).
	ShowCreate bool
	// Live is how a client reads every row of one of the dialect's tables
	// from the start of its topic (the console's live view).
	Live LiveQuery
	// Keywords are the dialect's own keywords and phrases and Options the
	// option keys and values it adds, which the REPL completes.
	Keywords, Options []string
}

// JSONValues is how values are written in JSON rows. The zero value is
// Tumble's own rendering (/v1/query), exact and read back by the column
// type: DECIMAL as a string, TIMESTAMP as "yyyy-MM-dd HH:mm:ss.ffffff"
// and TIMESTAMP_LTZ as RFC 3339 in UTC (micros), MAP as [key, value] pairs.
type JSONValues struct {
	// DecimalNumbers: DECIMAL as a JSON number.
	DecimalNumbers bool
	// TimestampMillis: TIMESTAMP and TIMESTAMP_LTZ as
	// "yyyy-MM-ddTHH:mm:ss.SSS" (UTC for instants).
	TimestampMillis bool
	// MapObjects: MAP as an object keyed by each key's text.
	MapObjects bool
}

// LiveQuery is how a client reads a table's every row from the start of
// its topic.
type LiveQuery struct {
	// Query is the statement, a format with one %s: the table's name,
	// quoted with backticks and followed by FromStartHint where that
	// applies.
	Query string
	// FromStartHint follows the name of a Kafka table (not of a view) to
	// read from its topic's start; Settings are the session settings the
	// query runs with.
	FromStartHint string
	Settings      map[string]string
}

// Messages words common errors the dialect's way.
type Messages struct {
	UnknownTable string // a FROM or INSERT INTO names no table: "Object '%s' not found"
}

// Refusal says whether something is refused.
type Refusal uint8

const (
	Accepted Refusal = iota
	Refused
)

// CollectionLiterals is how ARRAY, MAP and STRUCT literals are typed.
type CollectionLiterals uint8

const (
	// LiteralsCommonType: the elements' common type (Flink).
	LiteralsCommonType CollectionLiterals = iota
	// LiteralsJava: numeric literals widen to the widest, string literals
	// among numbers are read as numbers, map keys are strings (ksqlDB).
	LiteralsJava
)

// InListRule is how x IN (a, b, ...) types and matches its values.
type InListRule uint8

const (
	// InComparable: each value must be comparable with x; a NULL among
	// the values makes a non-match NULL (Flink, standard SQL).
	InComparable InListRule = iota
	// InCoerced: x and the values are coerced in order to one common
	// type (string literals read as the numbers or booleans they spell,
	// STRUCT constructors' fields merged), NULL literals dropped; NULLs
	// never match, nested NULLs equal each other, and the result is never
	// NULL (ksqlDB).
	InCoerced
)

// Tombstones is what an aggregate does with a stream's deletes.
type Tombstones uint8

const (
	TombstonesRetract Tombstones = iota // a delete retracts its row (a changelog)
	TombstonesIgnored                   // ignored: a stream's records are facts (ksqlDB)
)

// JoinRule says how JOIN is planned.
type JoinRule uint8

const (
	// JoinsRegular: every join is a regular join of two changelogs; time
	// attributes do not survive it (Flink).
	JoinsRegular JoinRule = iota
	// JoinsByInputKind: the inputs' kinds choose the join: stream-stream
	// needs WITHIN (an interval join), stream-table is a lookup join,
	// table-table a regular join keyed by the join key with an upsert
	// result; columns are named <SOURCE>_<COLUMN> where they clash, and a
	// FULL OUTER join is keyed by a synthetic ROWKEY (ksqlDB).
	JoinsByInputKind
)

// LimitRule says how ORDER BY and LIMIT are planned.
type LimitRule uint8

const (
	// LimitPlanned: they are plan nodes — a Sort of the whole result in
	// batch mode; in streaming mode a sort by an event-time attribute
	// released by the watermark, or with LIMIT a Top-N of the whole
	// result (Flink).
	LimitPlanned LimitRule = iota
	// LimitByClient: LIMIT ends the client's stream after that many rows
	// and the plan has neither (ksqlDB's push and pull queries).
	LimitByClient
)

// SettingsFamily is a family of session settings.
type SettingsFamily uint8

const (
	FlinkSettings SettingsFamily = iota // table.*, pipeline.*, execution.*, ...
	KSQLSettings                        // auto.offset.reset, processing.guarantee, ksql.*
)

// QueryIDs says how the jobs of persistent queries get their ids.
type QueryIDs uint8

const (
	// RandomJobIDs: a fresh random id per job (Flink); a runner that wants
	// a job to resume from its checkpoints derives one from the statement.
	RandomJobIDs QueryIDs = iota
	// NamedQueryIDs: ids named after the sink and counted (CSAS_<SINK>_<n>,
	// ksqlDB), the same when the same statements run again.
	NamedQueryIDs
)

// Feature is something a dialect may not have.
type Feature string

const (
	FeatureOver         Feature = "OVER"          // ROW_NUMBER() OVER (...)
	FeatureGroupingSets Feature = "GROUPING SETS" // and ROLLUP, CUBE
	FeatureSubqueries   Feature = "subqueries"    // IN (SELECT ...), EXISTS
	FeatureTableHints   Feature = "table hints"   // t /*+ OPTIONS(...) */
	FeatureLambdas      Feature = "lambdas"       // x => ..., TRANSFORM/FILTER/REDUCE with lambdas
	FeatureAlter        Feature = "ALTER"         // ALTER TABLE / VIEW
	FeatureFunctions    Feature = "CREATE FUNCTION"
)

// Refuses returns the error a dialect gives for a feature it does not
// have, and whether it refuses it.
func (r *Rules) Refuses(f Feature) (string, bool) {
	msg, ok := r.Refused[f]
	return msg, ok
}

// Names hands out generated column names that are not in use (see
// Dialect.ColumnName). It belongs to one statement's binding.
type Names struct {
	used map[string]bool
	next int
}

// NewNames returns a generator that avoids used (the names the query
// gives its items itself).
func NewNames(used map[string]bool) *Names { return &Names{used: used} }

// Next returns prefix<n> for the next n (from 0) whose name is not in use.
func (n *Names) Next(prefix string) string {
	for {
		name := fmt.Sprintf("%s%d", prefix, n.next)
		n.next++
		if !n.used[name] {
			return name
		}
	}
}

var (
	mu       sync.RWMutex
	bySyntax = map[sql.Dialect]Dialect{}
	byName   = map[string]Dialect{}
)

// Register makes d known to the planner. Registering a second dialect of
// the same name or syntax replaces the first.
func Register(d Dialect) {
	mu.Lock()
	defer mu.Unlock()
	bySyntax[d.Syntax()] = d
	byName[d.Name()] = d
}

// For returns the dialect that parses with syntax.
func For(syntax sql.Dialect) (Dialect, bool) {
	mu.RLock()
	defer mu.RUnlock()
	d, ok := bySyntax[syntax]
	return d, ok
}

// Named returns the dialect of that name.
func Named(name string) (Dialect, bool) {
	mu.RLock()
	defer mu.RUnlock()
	d, ok := byName[name]
	return d, ok
}

// All lists the registered dialects by name.
func All() []Dialect {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]Dialect, 0, len(byName))
	for _, d := range byName {
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}
