package expr

import (
	"fmt"
	"sort"
	"strings"
)

// Semantics names the behaviours in which SQL dialects evaluate the same
// expression differently. A dialect picks one value of each; operators
// and functions read the behaviour they need, never the dialect. The zero
// value is Flink SQL's (Calcite's) behaviour throughout.
type Semantics struct {
	// DivideByZero is what integer and decimal x / 0 and x % 0 give.
	DivideByZero DivideByZero
	// Text is how values render as strings (CAST AS STRING, CONCAT of
	// non-strings, JSON of timestamps) and how CAST reads strings.
	Text TextStyle
	// TimestampZone is the zone in which the wall clock of a TIMESTAMP
	// (without zone) is read as an instant.
	TimestampZone TimestampZone
	// StructCast is how CAST matches the fields of two ROW types.
	StructCast StructCast
	// EpochCast is what CAST of an integer to a timestamp reads.
	EpochCast EpochCast
	// CastFailure is what a CAST that cannot convert a value gives.
	CastFailure CastFailure
	// DecimalOverflow is what a CAST to a DECIMAL too narrow for the value
	// gives.
	DecimalOverflow DecimalOverflow
	// ArrayIndex is how arr[i] reads a negative i.
	ArrayIndex ArrayIndex
	// StringPlus is what 'a' + 'b' means.
	StringPlus StringPlus
	// Coercion is what a string literal compared with a number or a
	// boolean becomes.
	Coercion Coercion
	// DateArith is what adding a sub-day unit to a DATE gives
	// (TIMESTAMPADD(HOUR, 1, d)).
	DateArith DateArith
	// Messages is the wording of errors about function arguments.
	Messages MessageStyle
}

// DateArith is what adding a unit shorter than a day to a DATE gives.
type DateArith uint8

const (
	SubDayMakesTimestamp DateArith = iota // a TIMESTAMP (Flink)
	DateStaysDate                         // the DATE, unchanged by the sub-day part (ksqlDB)
)

// DivideByZero is what integer and decimal division by zero gives.
type DivideByZero uint8

const (
	DivisionFails  DivideByZero = iota // the row fails ("Division by zero"), as Flink
	DivisionIsNull                     // NULL, as ksqlDB
)

// TextStyle is how values render as text.
type TextStyle uint8

const (
	// TextSQL: booleans TRUE/FALSE, timestamps 'yyyy-MM-dd HH:mm:ss[.f]'
	// at their precision, rows as (a, b); CAST reads 'yes'/'1' as TRUE and
	// '1.5' as the integer 1 (Flink).
	TextSQL TextStyle = iota
	// TextJava: booleans true/false, timestamps 'yyyy-MM-ddTHH:mm:ss.SSS',
	// structs as Kafka Connect's Struct{A=1,B=x}; CAST reads text as Java
	// parses it: any boolean text but 'true' is FALSE, integers are
	// strict (ksqlDB).
	TextJava
)

// TimestampZone is the zone that turns a TIMESTAMP's wall clock into an
// instant (UNIX_TIMESTAMP, CONVERT_TZ, FORMAT_TIMESTAMP, ...).
type TimestampZone uint8

const (
	ZoneSession TimestampZone = iota // the session zone (table.local-time-zone), as Flink
	ZoneUTC                          // UTC, as ksqlDB
)

// StructCast is how CAST converts a ROW into another ROW type.
type StructCast uint8

const (
	StructsByPosition StructCast = iota // field i from field i; the counts must match (Flink)
	StructsByName                       // each target field from the source field of its name, NULL if none (ksqlDB)
)

// EpochCast is what CAST of an integer to a timestamp reads.
type EpochCast uint8

const (
	EpochSecondsToLTZ EpochCast = iota // epoch seconds, to TIMESTAMP_LTZ only (Flink)
	EpochMillis                        // epoch milliseconds, to TIMESTAMP or TIMESTAMP_LTZ (ksqlDB)
)

// CastFailure is what a CAST gives for a value it cannot convert.
type CastFailure uint8

const (
	CastFails  CastFailure = iota // the row fails (Flink; TRY_CAST gives NULL)
	CastIsNull                    // NULL, every CAST a TRY_CAST (ksqlDB)
)

// DecimalOverflow is what CAST gives for a number that does not fit the
// DECIMAL's precision.
type DecimalOverflow uint8

const (
	// OverflowIsNull: NULL for a number (Flink, as
	// DecimalData.fromBigDecimal does; CAST(1e10 AS DECIMAL(10, 2)) is
	// NULL). Text, a number too long or not a number, still fails the
	// cast, as Flink's parse of it does.
	OverflowIsNull DecimalOverflow = iota
	OverflowFails                  // the cast fails (Spark with ANSI mode, its default)
)

// ArrayIndex is how arr[i] reads an index below 1.
type ArrayIndex uint8

const (
	IndexFromStart ArrayIndex = iota // 1-based; an index below 1 is NULL (Flink)
	IndexFromEnd                     // a negative index counts from the end, -1 the last (ksqlDB)
)

// StringPlus is what + does with two strings.
type StringPlus uint8

const (
	PlusIsNumeric    StringPlus = iota // an error: + takes numbers and temporals (Flink)
	PlusConcatenates                   // concatenation, as CONCAT (ksqlDB)
)

// Coercion is what happens to a string literal compared with a column of
// another type.
type Coercion uint8

const (
	// CoerceLiterals: the literal is cast to the column's type (numbers,
	// booleans and temporals), as Flink.
	CoerceLiterals Coercion = iota
	// CoerceTemporalOnly: only temporal columns cast the literal; a string
	// compared with a number or a boolean is a type error, as ksqlDB.
	CoerceTemporalOnly
)

// MessageStyle is the wording of function argument errors.
type MessageStyle uint8

const (
	MessagesCalcite MessageStyle = iota // "Cannot apply 'F' to arguments of type 'F(<INT>)'"
	MessagesKSQL                        // "Function 'f' does not accept parameters (INTEGER)."
)

// Functions is one dialect's scalar function registry: every function of
// the shared library, each name bound to its default implementation or to
// the variant the dialect chose. Read-only once built; safe for
// concurrent use.
type Functions struct {
	defs map[string]*funcDef
}

// Variant names an alternative implementation of a library function, for
// a dialect whose function of that name behaves differently. Its text is
// "NAME:behaviour".
type Variant string

// The variants of the library. A dialect lists the ones it wants in
// NewFunctions.
const (
	InitCapOnWhitespace   Variant = "INITCAP:whitespace-words"     // words are separated by whitespace (not by non-alphanumerics)
	ChrOfCodePoint        Variant = "CHR:code-point"               // CHR(INT) of any code point, CHR('\uXXXX') of an escape; not the low byte
	ConcatSkipsNulls      Variant = "CONCAT:skip-nulls"            // NULL arguments are skipped; strings (or BYTES) only
	ConcatWSNeedsTwo      Variant = "CONCAT_WS:two-or-more"        // at least a separator and one argument
	TrimControlChars      Variant = "TRIM:control-chars"           // TRIM(s) strips every character <= ' ', as Java's String.trim
	RegexpPatternFirst    Variant = "REGEXP_EXTRACT:pattern-first" // REGEXP_EXTRACT(pattern, s[, group]), group 0 by default
	RegexpAllPatternFirst Variant = "REGEXP_EXTRACT_ALL:pattern-first"
	UnixTimestampMillis   Variant = "UNIX_TIMESTAMP:millis"   // UNIX_TIMESTAMP([ts]) in epoch millis of a TIMESTAMP
	FromUnixtimeMillis    Variant = "FROM_UNIXTIME:millis"    // FROM_UNIXTIME(ms) is a TIMESTAMP
	ParseTimestampMillis  Variant = "PARSE_TIMESTAMP:millis"  // PARSE_TIMESTAMP gives millisecond TIMESTAMPs, NULL when it cannot parse
	TimestampAddKeepsDate Variant = "TIMESTAMPADD:keep-date"  // a sub-day unit added to a DATE keeps a DATE
	LogNaNBase            Variant = "LOG:nan-base"            // LOG(b, x) is NaN for a base <= 0 or 1
	SignInteger           Variant = "SIGN:integer"            // SIGN is always an INTEGER
	FloorKeepsType        Variant = "FLOOR:keep-type"         // FLOOR of a DECIMAL keeps its type
	CeilKeepsType         Variant = "CEIL:keep-type"          // CEIL of a DECIMAL keeps its type
	RoundHalfUp           Variant = "ROUND:half-up"           // half up (Java's Math.round), ROUND(double) is a BIGINT, ROUND(decimal) keeps the scale
	TruncateKeepsType     Variant = "TRUNCATE:keep-type"      // TRUNCATE of a DECIMAL keeps its type
	GreatestSkipsNulls    Variant = "GREATEST:skip-nulls"     // the greatest non-NULL argument; numbers widen, strings and temporals mix
	LeastSkipsNulls       Variant = "LEAST:skip-nulls"        // the least non-NULL argument
	ArrayContainsNotNull  Variant = "ARRAY_CONTAINS:not-null" // FALSE (not NULL) for a NULL array
	EntriesUpperNames     Variant = "ENTRIES:upper-names"     // ENTRIES(map) rows are (K, V)
)

const variantSep = ":"

// library holds the default implementation of every function; variants
// the alternatives, by Variant.
var (
	library  = map[string]*funcDef{}
	variants = map[Variant]variantDef{}
)

type variantDef struct {
	names []string // the function names it binds (a function's aliases)
	def   *funcDef
}

func register(names string, def *funcDef) {
	for _, n := range strings.Split(names, ",") {
		library[strings.TrimSpace(n)] = def
	}
}

// registerVariant records an alternative implementation of a library
// function, bound to names (the function's name by default, or all its
// aliases).
func registerVariant(v Variant, def *funcDef, names ...string) {
	name, _, ok := strings.Cut(string(v), variantSep)
	if _, dup := variants[v]; dup || !ok {
		panic("expr: bad or duplicate variant " + string(v))
	}
	if len(names) == 0 {
		names = []string{name}
	}
	variants[v] = variantDef{names: names, def: def}
}

// NewFunctions returns the shared library with the given variants in
// place of their functions' defaults. An unknown variant is an error.
func NewFunctions(vs ...Variant) (*Functions, error) {
	f := &Functions{defs: make(map[string]*funcDef, len(library))}
	for n, d := range library {
		f.defs[n] = d
	}
	for _, v := range vs {
		vd, ok := variants[v]
		if !ok {
			return nil, fmt.Errorf("expr: unknown function variant %q", v)
		}
		for _, n := range vd.names {
			f.defs[n] = vd.def
		}
	}
	return f, nil
}

// MustFunctions is NewFunctions for package-level registries: it panics
// on an unknown variant.
func MustFunctions(vs ...Variant) *Functions {
	f, err := NewFunctions(vs...)
	if err != nil {
		panic(err)
	}
	return f
}

// defaultFunctions is the library without variants (an Env without
// Funcs).
var defaultFunctions = &Functions{defs: library}

// Names lists the registered scalar functions (for HELP and completion).
func (f *Functions) Names() []string {
	out := make([]string, 0, len(f.defs))
	for n := range f.defs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Has reports whether name is a known scalar function.
func (f *Functions) Has(name string) bool { _, ok := f.defs[strings.ToUpper(name)]; return ok }

func (f *Functions) lookup(name string) (*funcDef, bool) { d, ok := f.defs[name]; return d, ok }
