// Package sql turns SQL text into Tumble's own AST. It splits input into
// statements with positions, parses DDL and the streaming clauses of Flink
// SQL and ksqlDB itself, and hands SELECT bodies and expressions to the tidb
// parser, converting its result. No other package imports tidb.
package sql

import (
	"errors"
	"fmt"
	"strings"
)

// Dialect selects the SQL flavour.
type Dialect int

const (
	Flink Dialect = iota
	KSQL
	// Spark is Spark Connect's DataFrame plans (no SQL text of its own here).
	Spark
)

func (d Dialect) String() string {
	switch d {
	case KSQL:
		return "ksql"
	case Spark:
		return "spark"
	}
	return "flink"
}

// Pos is a position in the user's text: 1-based line and column (in
// characters), and the 0-based byte offset.
type Pos struct {
	Line, Col, Offset int
}

func (p Pos) String() string { return fmt.Sprintf("line %d, column %d", p.Line, p.Col) }

// Error is a SQL error at a position of the user's text.
type Error struct {
	Pos  Pos
	Msg  string
	Near string // a short excerpt of the text at Pos, may be empty
	// Err is the failure behind the error when the statement is not at
	// fault (a broker that cannot be reached, ...); nil for errors in the
	// statement itself. Unwrap returns it.
	Err error
}

// Unwrap returns the failure behind the error, if any.
func (e *Error) Unwrap() error { return e.Err }

// ErrorFrom makes an *Error at pos for a failure that is not the
// statement's fault (err, kept as its cause): what is the statement's
// fault is told by IsUserError.
func ErrorFrom(pos Pos, err error, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	if msg != "" {
		msg += ": "
	}
	return &Error{Pos: pos, Msg: msg + err.Error(), Err: err}
}

// IsUserError reports whether err is about the user's statement: an
// *Error that no other failure (a broker's, the system's) is behind.
func IsUserError(err error) bool {
	var se *Error
	if !errors.As(err, &se) {
		return false
	}
	return se.Err == nil || IsUserError(se.Err)
}

func (e *Error) Error() string {
	if e.Near != "" {
		return fmt.Sprintf("SQL error at %s near %q: %s", e.Pos, e.Near, e.Msg)
	}
	return fmt.Sprintf("SQL error at %s: %s", e.Pos, e.Msg)
}

// WithNear fills the excerpt (Near) of a positioned error, if it has none,
// from the text its position refers to: the word that starts there. Other
// errors are returned as they are.
func WithNear(err error, text string) error {
	var se *Error
	if !errors.As(err, &se) || se.Near != "" || se.Pos.Offset < 0 || se.Pos.Offset >= len(text) {
		return err
	}
	rest := text[se.Pos.Offset:]
	end := 0
	for end < len(rest) && end < 40 && rest[end] != '\n' {
		end++
	}
	near := strings.TrimSpace(rest[:end])
	if i := strings.IndexAny(near, " ,()"); i > 0 {
		near = near[:i]
	}
	se.Near = near
	return err
}

// Errorf makes an *Error at pos.
func Errorf(pos Pos, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// Statement is one parsed statement.
type Statement interface {
	// Span is where the statement starts in the input and its text (without
	// the terminating semicolon).
	Span() (Pos, string)
	// Notes are warnings about parts of the statement that are parsed but
	// have no effect (hints Tumble does not act on, EXPLAIN details).
	Notes() []string
	base() *Base
}

// Base carries the position and text of a statement.
type Base struct {
	Start Pos
	Text  string
	// Warnings: see Statement.Notes.
	Warnings []string
}

// Span implements Statement.
func (b *Base) Span() (Pos, string) { return b.Start, b.Text }

// Notes implements Statement.
func (b *Base) Notes() []string { return append([]string(nil), b.Warnings...) }

func (b *Base) base() *Base { return b }

// Name is a possibly qualified object name (catalog.db.name); Parts holds
// the normalized parts (upper-cased for unquoted ksqlDB identifiers).
type Name struct {
	Parts []string
	Pos   Pos
}

// String is the name as written, its parts joined by dots.
func (n Name) String() string { return strings.Join(n.Parts, ".") }

// Last returns the unqualified name.
func (n Name) Last() string {
	if len(n.Parts) == 0 {
		return ""
	}
	return n.Parts[len(n.Parts)-1]
}

// TypeName is a type as written. Name is upper-case (INT, STRING, VARCHAR,
// TIMESTAMP, TIMESTAMP_LTZ, DECIMAL, ARRAY, MAP, ROW/STRUCT, ...).
// "TIMESTAMP(3) WITH LOCAL TIME ZONE" is normalized to TIMESTAMP_LTZ.
type TypeName struct {
	Name    string
	Params  []int // VARCHAR(n), DECIMAL(p, s), TIMESTAMP(p)
	Elem    *TypeName
	Key     *TypeName
	Fields  []FieldDef
	NotNull bool
	Pos     Pos
}

// FieldDef is a member of a ROW/STRUCT type.
type FieldDef struct {
	Name string
	Type TypeName
}

// ColumnKind distinguishes physical, metadata and computed columns.
type ColumnKind int

const (
	Physical ColumnKind = iota
	Metadata
	Computed
)

// ColumnDef is a column in CREATE TABLE / STREAM.
type ColumnDef struct {
	Name        string
	Pos         Pos
	Type        TypeName // zero for computed columns
	Kind        ColumnKind
	MetadataKey string // METADATA FROM 'key'; empty means the column name
	Virtual     bool
	Expr        Expr // computed column: c AS expr
	Key         bool // ksqlDB KEY
	PrimaryKey  bool // ksqlDB PRIMARY KEY, Flink inline PRIMARY KEY NOT ENFORCED
	Comment     string
}

// Option is a WITH ('k' = 'v') / WITH (k = v) entry. Flink keys are kept as
// written; ksqlDB keys are lower-cased. Values are unquoted strings.
type Option struct {
	Key, Value string
	Pos        Pos
}

// Watermark is WATERMARK FOR column AS expr.
type Watermark struct {
	Column string
	Pos    Pos
	Expr   Expr
}

// ObjectKind is what a CREATE/DROP/DESCRIBE talks about.
type ObjectKind int

const (
	KindTable ObjectKind = iota
	KindStream
	KindView
)

func (k ObjectKind) String() string {
	switch k {
	case KindStream:
		return "STREAM"
	case KindView:
		return "VIEW"
	}
	return "TABLE"
}

// CreateTable is Flink CREATE TABLE and ksqlDB CREATE STREAM|TABLE (source).
type CreateTable struct {
	Base
	Kind        ObjectKind // KindTable or KindStream
	Name        Name
	OrReplace   bool
	IfNotExists bool
	Temporary   bool // Flink CREATE TEMPORARY TABLE
	Source      bool // ksqlDB CREATE SOURCE TABLE/STREAM
	Columns     []ColumnDef
	Watermark   *Watermark
	PrimaryKey  []string // PRIMARY KEY (a, b) NOT ENFORCED
	// PrimaryKeyName is the name of CONSTRAINT name PRIMARY KEY; "" if
	// none was given.
	PrimaryKeyName string
	Options        []Option
	Comment        string
	// Like is CREATE TABLE t ... LIKE other (Flink); nil if absent.
	Like *Name
	// LikeOptions are the LIKE clause's merging options, in order:
	// INCLUDING ALL, EXCLUDING OPTIONS, OVERWRITING WATERMARKS, ...
	LikeOptions []LikeOption
	// PartitionedBy is Flink PARTITIONED BY (a, b).
	PartitionedBy []string
}

// LikeOption is one merging option of CREATE TABLE ... LIKE: how a
// feature of the base table (ALL, CONSTRAINTS, GENERATED, METADATA,
// OPTIONS, PARTITIONS or WATERMARKS) merges into the new table
// (INCLUDING, EXCLUDING or OVERWRITING).
type LikeOption struct {
	Strategy, Feature string
	Pos               Pos
}

// CreateAs is ksqlDB CREATE STREAM|TABLE name [WITH (...)] AS SELECT
// (and Flink CREATE TABLE name WITH (...) AS SELECT).
type CreateAs struct {
	Base
	Kind        ObjectKind
	Name        Name
	OrReplace   bool
	IfNotExists bool
	Options     []Option
	Query       *Select
}

// CreateView is CREATE [TEMPORARY] VIEW name [(cols)] AS query.
type CreateView struct {
	Base
	Name        Name
	OrReplace   bool
	IfNotExists bool
	Temporary   bool
	Columns     []string
	Comment     string
	Query       *Select
}

// CreateFunction is Flink CREATE [TEMPORARY [SYSTEM]] FUNCTION [IF NOT
// EXISTS] name AS 'class' [LANGUAGE JAVA|SCALA|PYTHON] [USING JAR ...].
type CreateFunction struct {
	Base
	Name        Name
	IfNotExists bool
	Temporary   bool
	System      bool // TEMPORARY SYSTEM
	Class       string
	Language    string // upper-case; "" when not given
}

// Drop is DROP TABLE|STREAM|VIEW [IF EXISTS] name [DELETE TOPIC].
type Drop struct {
	Base
	Kind        ObjectKind
	Name        Name
	IfExists    bool
	Temporary   bool // Flink DROP TEMPORARY TABLE|VIEW
	DeleteTopic bool
}

// AlterTable is Flink ALTER TABLE [IF EXISTS] name followed by one action,
// and ALTER VIEW name RENAME TO / AS query. Exactly one action field is
// set.
type AlterTable struct {
	Base
	Name     Name
	IfExists bool
	View     bool // ALTER VIEW

	RenameTo     *Name     // RENAME TO new
	RenameColumn [2]string // RENAME old TO new
	Set          []Option  // SET ('k' = 'v', ...)
	Reset        []string  // RESET ('k', ...); non-nil when given
	Add          *SchemaChange
	Modify       *SchemaChange
	Drop         *SchemaDrop
	ViewQuery    *Select // ALTER VIEW v AS query
}

// SchemaChange is the part list of ALTER TABLE ADD|MODIFY.
type SchemaChange struct {
	Columns   []PlacedColumn
	Watermark *Watermark
	// PrimaryKey is set by [CONSTRAINT name] PRIMARY KEY (cols) NOT ENFORCED.
	PrimaryKey     []string
	PrimaryKeyName string
}

// PlacedColumn is a column of ALTER TABLE ADD|MODIFY with its place:
// FIRST, AFTER col, or (neither) last / where it was.
type PlacedColumn struct {
	Column ColumnDef
	First  bool
	After  string
}

// SchemaDrop is what ALTER TABLE DROP removes.
type SchemaDrop struct {
	Columns    []string
	PrimaryKey bool   // DROP PRIMARY KEY
	Constraint string // DROP CONSTRAINT name
	Watermark  bool   // DROP WATERMARK
}

// Insert is INSERT INTO t [(cols)] SELECT ... or VALUES (...), (...).
type Insert struct {
	Base
	Table Name
	// Options are those of the dynamic table options hint after the table
	// name (INSERT INTO t /*+ OPTIONS('k' = 'v') */ ...), at HintPos.
	Options   []Option
	HintPos   Pos
	Columns   []string
	Overwrite bool
	Query     *Select  // nil for VALUES
	Values    [][]Expr // rows of VALUES
}

// Query is a bare SELECT (Flink: a streaming SELECT shown in the client;
// ksqlDB: a push query with EMIT CHANGES or a pull query).
type Query struct {
	Base
	Select *Select
}

// Explain is EXPLAIN [PLAN FOR] statement, or ksqlDB EXPLAIN query-id.
type Explain struct {
	Base
	Stmt    Statement // nil when QueryID is set
	QueryID string
}

// Set is SET 'k' = 'v' (Flink) or SET 'k'='v' (ksqlDB); SET; alone lists.
type Set struct {
	Base
	Key, Value string
}

// Reset is RESET ['k'] (Flink) or UNSET 'k' (ksqlDB).
type Reset struct {
	Base
	Key string
}

// Show is SHOW TABLES|STREAMS|VIEWS|JOBS|QUERIES|TOPICS|PROPERTIES|FUNCTIONS
// [EXTENDED]; What is upper-case.
type Show struct {
	Base
	What     string
	Extended bool
	// Of is the object of SHOW COLUMNS FROM|IN t and SHOW CREATE TABLE|VIEW t.
	Of Name
	// Like is the pattern of [NOT] LIKE 'pattern' (SQL LIKE: % and _);
	// HasLike says it was given.
	Like    string
	HasLike bool
	NotLike bool
	ILike   bool // ILIKE: the pattern ignores case
}

// Describe is DESCRIBE [EXTENDED] name (also DESC).
type Describe struct {
	Base
	Name     Name
	Extended bool
}

// StopJob is Flink STOP JOB 'id' [WITH SAVEPOINT] and ksqlDB TERMINATE id|ALL.
type StopJob struct {
	Base
	ID        string
	All       bool
	Savepoint bool // WITH SAVEPOINT
	Drain     bool // WITH DRAIN
}

// Print is ksqlDB PRINT 'topic' [FROM BEGINNING] [INTERVAL n] [LIMIT n].
type Print struct {
	Base
	Topic         string
	FromBeginning bool
	Interval      int
	Limit         int // 0: no limit
}

// Help is HELP.
type Help struct{ Base }

// Quit is QUIT / EXIT.
type Quit struct{ Base }

// Jar is Flink's ADD JAR 'path' (Remove false) or REMOVE JAR 'path'.
type Jar struct {
	Base
	Path   string
	Remove bool
}

// LoadModule is Flink's LOAD MODULE name [WITH (...)].
type LoadModule struct {
	Base
	Name    string
	NamePos Pos
	Options []Option
}

// UnloadModule is Flink's UNLOAD MODULE name.
type UnloadModule struct {
	Base
	Name    string
	NamePos Pos
}

// UseModules is Flink's USE MODULES a [, b ...]: the modules used, in
// the order names are resolved.
type UseModules struct {
	Base
	Names []string
	Pos   []Pos
}

// StatementSet is Flink's BEGIN STATEMENT SET (End false) or END (End
// true): the INSERTs between them are submitted together at END. The
// prefix of EXECUTE STATEMENT SET BEGIN INSERT ... parses as a BEGIN
// followed by the INSERT.
type StatementSet struct {
	Base
	End bool
}

// Select is a query. The streaming clauses (Window, Emit, PartitionBy) are
// ksqlDB's.
type Select struct {
	Pos      Pos
	Distinct bool
	Items    []SelectItem
	From     From // nil for SELECT without FROM
	Where    Expr
	GroupBy  []Expr
	Having   Expr
	OrderBy  []OrderItem
	Limit    Expr
	// UnionAll holds further SELECTs joined to this one by set
	// operators, left to right: UNION ALL, or SetOps[i] for UnionAll[i].
	UnionAll []*Select
	// SetOps is empty (all UNION ALL) or the operator before each of
	// UnionAll: "UNION ALL", "UNION", "INTERSECT", "INTERSECT ALL",
	// "EXCEPT" or "EXCEPT ALL".
	SetOps []string

	Window      *WindowSpec // ksqlDB WINDOW TUMBLING|HOPPING|SESSION (...)
	Emit        Emit
	PartitionBy []Expr
	// StateTTL holds Flink's SELECT /*+ STATE_TTL('t' = '1d') */ hint:
	// the idle state retention of the joins and the aggregate of this
	// SELECT, by input table or alias.
	StateTTL []Option
}

// Emit is ksqlDB's EMIT clause.
type Emit int

const (
	EmitNone Emit = iota
	EmitChanges
	EmitFinal
)

// SelectItem is one entry of the select list.
type SelectItem struct {
	Expr  Expr   // nil for *
	Alias string // "" when none
	Star  bool
	// StarQualifier is "t" for t.*.
	StarQualifier string
	Pos           Pos
}

// OrderItem is ORDER BY expr [DESC].
type OrderItem struct {
	Expr Expr
	Desc bool
}

// From is a FROM item.
type From interface{ fromNode() }

// TableRef is a table name with an optional alias.
type TableRef struct {
	Name  Name
	Alias string
	// ForSystemTime is Flink's FOR SYSTEM_TIME AS OF expr (temporal and
	// lookup joins); nil if absent.
	ForSystemTime Expr
	// Within is the ksqlDB WITHIN clause written after this table in a
	// join; the parser also copies it to the enclosing Join.Within.
	Within *WindowSpec
	// Options are those of Flink's dynamic table options hint written
	// after the name, t /*+ OPTIONS('k' = 'v') */; nil without one. Other
	// hints are ignored. HintPos is the hint's position.
	Options []Option
	HintPos Pos
}

// WindowTVF is TABLE(TUMBLE|HOP|CUMULATE|SESSION(TABLE t, DESCRIPTOR(c), args...)).
// Func is upper-case. Args are the remaining arguments (intervals), in order;
// Named holds named arguments (SIZE => ..., SLIDE => ..., ...) if used.
type WindowTVF struct {
	Func       string
	Input      From // *TableRef or *Subquery
	Descriptor string
	DescPos    Pos
	Args       []Expr
	// Named is parallel to Args: the parameter each argument binds (SIZE,
	// SLIDE, STEP, GAP, OFFSET). Args are in the function's positional
	// order whether they were written positionally or by name.
	Named       []string
	PartitionBy []string // SESSION(TABLE t PARTITION BY k, ...)
	Alias       string
	Pos         Pos
}

// Subquery is (SELECT ...) [AS alias].
type Subquery struct {
	Query *Select
	Alias string
}

// Join is left JOIN right ON cond (ksqlDB: WITHIN for stream-stream joins).
type Join struct {
	Left, Right From
	Type        string // INNER, LEFT, RIGHT, FULL, CROSS
	On          Expr
	Using       []string // JOIN ... USING (a, b)
	Within      *WindowSpec
}

// Values is an inline table in FROM: (VALUES (1, 'a'), (2, 'b')) [AS] t
// [(c1, c2)]. A query that is just VALUES ... is a Select of * from one.
type Values struct {
	Rows    [][]Expr
	Alias   string
	Columns []string // column names given with the alias; nil if none
	Pos     Pos
}

func (*TableRef) fromNode()  {}
func (*Values) fromNode()    {}
func (*WindowTVF) fromNode() {}
func (*Subquery) fromNode()  {}
func (*Join) fromNode()      {}

// WindowSpec is ksqlDB's WINDOW clause. Durations are in milliseconds; a
// negative Grace/Retention means "not given". A join's WITHIN clause is a
// WindowSpec of Kind WITHIN with Before/After set (WITHIN n gives
// Before = After = n) and Size = Before + After.
type WindowSpec struct {
	Kind      string // TUMBLING, HOPPING, SESSION, WITHIN
	Size      int64
	Advance   int64
	Grace     int64
	Retention int64
	Before    int64 // WITHIN only
	After     int64 // WITHIN only
	Pos       Pos
}

// Expr is an expression node.
type Expr interface {
	ExprPos() Pos
}

// Ident is a column reference, possibly qualified (t.c). Parts are
// normalized (ksqlDB: unquoted parts upper-cased).
type Ident struct {
	Parts []string
	Pos   Pos
}

// LiteralKind says what a Literal holds.
type LiteralKind int

const (
	LitNull LiteralKind = iota
	LitBool
	LitInt     // Text is the decimal digits
	LitDecimal // Text like "1.50"
	LitFloat   // Text like "1.5E3"
	LitString
	LitDate      // DATE '2020-01-01'
	LitTime      // TIME '12:00:00'
	LitTimestamp // TIMESTAMP '2020-01-01 00:00:00'
	LitBytes     // X'..'
)

// Literal is a constant. Text holds the value (strings unquoted and
// unescaped).
type Literal struct {
	Kind LiteralKind
	Text string
	Pos  Pos
}

// Interval is INTERVAL 'n' UNIT (also plural units, and 'd hh:mm:ss' forms
// with UNIT TO UNIT). Value is the text inside quotes (or the number);
// Unit is upper-case singular: SECOND, MINUTE, HOUR, DAY, MONTH, YEAR,
// MILLISECOND, or a range such as "DAY TO SECOND".
type Interval struct {
	Value string
	Unit  string
	Pos   Pos
}

// Call is a function call. Name is upper-case. Star is COUNT(*).
type Call struct {
	Name     string // upper-cased
	Written  string // the name as the text wrote it ("" when made up)
	Args     []Expr
	Distinct bool
	Star     bool
	Pos      Pos
	// Filter is agg(...) FILTER (WHERE cond); nil if absent.
	Filter Expr
	// Over is f(...) OVER (...); nil for plain calls.
	Over *Over
}

// Over is the window of an OVER clause.
type Over struct {
	PartitionBy []Expr
	OrderBy     []OrderItem
	Frame       *Frame // nil: the default frame
}

// Frame is ROWS|RANGE BETWEEN Start AND End (or a lone start bound, then
// End is CURRENT ROW).
type Frame struct {
	Rows       bool // ROWS; false means RANGE
	Start, End FrameBound
}

// FrameBound is one end of a window frame. Kind is "UNBOUNDED PRECEDING",
// "PRECEDING", "CURRENT ROW", "FOLLOWING" or "UNBOUNDED FOLLOWING";
// Offset is set for PRECEDING / FOLLOWING (a number or an *Interval).
type FrameBound struct {
	Kind   string
	Offset Expr
}

// Binary is a binary operator: + - * / % || = <> < <= > >= AND OR, and
// "IS DISTINCT FROM" / "IS NOT DISTINCT FROM". != is written <>.
type Binary struct {
	Op   string
	L, R Expr
	Pos  Pos
}

// Unary is NOT, - or +.
type Unary struct {
	Op  string
	X   Expr
	Pos Pos
}

// When is one WHEN ... THEN ... arm.
type When struct {
	Cond, Result Expr
}

// Case is CASE [operand] WHEN ... THEN ... [ELSE ...] END.
type Case struct {
	Operand Expr
	Whens   []When
	Else    Expr
	Pos     Pos
}

// Cast is CAST(x AS type) and TRY_CAST.
type Cast struct {
	X    Expr
	Type TypeName
	Try  bool
	Pos  Pos
}

// IsNull is x IS [NOT] NULL.
type IsNull struct {
	X   Expr
	Not bool
	Pos Pos
}

// IsBool is x IS [NOT] TRUE|FALSE.
type IsBool struct {
	X     Expr
	Value bool
	Not   bool
	Pos   Pos
}

// In is x [NOT] IN (list).
type In struct {
	X    Expr
	List []Expr
	Not  bool
	Pos  Pos
}

// InSubquery is x [NOT] IN (SELECT ...).
type InSubquery struct {
	X     Expr
	Query *Select
	Not   bool
	Pos   Pos
}

// ScalarSubquery is (SELECT ...) used as a value: the one column of the
// at most one row its query gives (NULL without a row).
type ScalarSubquery struct {
	Query *Select
	Pos   Pos
}

// Exists is [NOT] EXISTS (SELECT ...).
type Exists struct {
	Query *Select
	Not   bool
	Pos   Pos
}

// GroupingSets is GROUPING SETS (...), ROLLUP (...) or CUBE (...), an item
// of GROUP BY. Kind is "GROUPING SETS", "ROLLUP" or "CUBE". Sets holds the
// elements as written, each a list of expressions: a parenthesized list,
// or one expression alone. An element of GROUPING SETS may be a nested
// ROLLUP or CUBE: a one-element list holding a *GroupingSets.
type GroupingSets struct {
	Kind string
	Sets [][]Expr
	Pos  Pos
}

// Between is x [NOT] BETWEEN lo AND hi.
type Between struct {
	X, Lo, Hi Expr
	Not       bool
	Pos       Pos
}

// Like is x [NOT] LIKE pattern [ESCAPE e] (also SIMILAR TO is not supported).
type Like struct {
	X, Pattern Expr
	Escape     Expr
	Not        bool
	Pos        Pos
}

// Subscript is x[i] (arrays, maps) — ksqlDB and Flink.
type Subscript struct {
	X, Index Expr
	Pos      Pos
}

// FieldAccess is x->f (ksqlDB) or x.f on a ROW value (Flink).
type FieldAccess struct {
	X     Expr
	Field string
	Pos   Pos
}

// ArrayCtor is ARRAY[a, b] / ARRAY(a, b); MapCtor is MAP[k, v, ...] / MAP(k := v).
type ArrayCtor struct {
	Elems []Expr
	Pos   Pos
}

// MapCtor is a map constructor with alternating keys and values.
type MapCtor struct {
	Keys, Vals []Expr
	Pos        Pos
}

// StructCtor is ksqlDB STRUCT(a := x, ...) or Flink ROW(x, y).
type StructCtor struct {
	Names []string // empty names for Flink ROW(...)
	Vals  []Expr
	Pos   Pos
}

func (e *Ident) ExprPos() Pos          { return e.Pos }
func (e *Literal) ExprPos() Pos        { return e.Pos }
func (e *Interval) ExprPos() Pos       { return e.Pos }
func (e *Call) ExprPos() Pos           { return e.Pos }
func (e *Binary) ExprPos() Pos         { return e.Pos }
func (e *Unary) ExprPos() Pos          { return e.Pos }
func (e *Case) ExprPos() Pos           { return e.Pos }
func (e *Cast) ExprPos() Pos           { return e.Pos }
func (e *IsNull) ExprPos() Pos         { return e.Pos }
func (e *IsBool) ExprPos() Pos         { return e.Pos }
func (e *In) ExprPos() Pos             { return e.Pos }
func (e *Between) ExprPos() Pos        { return e.Pos }
func (e *InSubquery) ExprPos() Pos     { return e.Pos }
func (e *Exists) ExprPos() Pos         { return e.Pos }
func (e *ScalarSubquery) ExprPos() Pos { return e.Pos }
func (e *GroupingSets) ExprPos() Pos   { return e.Pos }
func (e *Like) ExprPos() Pos           { return e.Pos }
func (e *Subscript) ExprPos() Pos      { return e.Pos }
func (e *FieldAccess) ExprPos() Pos    { return e.Pos }
func (e *ArrayCtor) ExprPos() Pos      { return e.Pos }
func (e *MapCtor) ExprPos() Pos        { return e.Pos }
func (e *StructCtor) ExprPos() Pos     { return e.Pos }
