package expr

import "time"

// The tests compare the library's defaults (Flink's behaviour) with
// ksqlDB's, whose semantics and function variants are chosen by
// planner/dialect/ksql; testKSQL is that choice again (keep them in
// step). testFlink is the zero Env.

var testKSQLSemantics = Semantics{
	DivideByZero:  DivisionIsNull,
	Text:          TextJava,
	TimestampZone: ZoneUTC,
	StructCast:    StructsByName,
	EpochCast:     EpochMillis,
	CastFailure:   CastIsNull,
	ArrayIndex:    IndexFromEnd,
	StringPlus:    PlusConcatenates,
	Coercion:      CoerceTemporalOnly,
	DateArith:     DateStaysDate,
	Messages:      MessagesKSQL,
}

// testKSQLVariants are ksqlDB's function variants (a package variable of
// this package is built before the library registers them).
var testKSQLVariants = []Variant{
	InitCapOnWhitespace, ChrOfCodePoint, ConcatSkipsNulls, ConcatWSNeedsTwo, TrimControlChars,
	RegexpPatternFirst, RegexpAllPatternFirst, UnixTimestampMillis, FromUnixtimeMillis,
	ParseTimestampMillis, LogNaNBase, SignInteger, FloorKeepsType, CeilKeepsType, RoundHalfUp,
	TruncateKeepsType, GreatestSkipsNulls, LeastSkipsNulls, ArrayContainsNotNull, EntriesUpperNames,
}

// testEnv returns ksqlDB's Env (ksql) or Flink's, in zone loc (nil: the
// process zone).
func testEnv(ksql bool, loc *time.Location) *Env {
	if ksql {
		return &Env{Sem: testKSQLSemantics, Funcs: MustFunctions(testKSQLVariants...), Loc: loc}
	}
	return &Env{Loc: loc}
}
