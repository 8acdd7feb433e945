package planner

import (
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/agg"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/sql"
)

// The named behaviours each dialect picks for the engine's expressions,
// aggregates and group aggregates.

var ksqlExprSemantics = expr.Semantics{
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
}

var ksqlFunctions = expr.MustFunctions(
	expr.InitCapOnWhitespace, expr.ChrOfCodePoint, expr.ConcatSkipsNulls, expr.ConcatWSNeedsTwo,
	expr.TrimControlChars, expr.RegexpPatternFirst, expr.RegexpAllPatternFirst, expr.UnixTimestampMillis,
	expr.FromUnixtimeMillis, expr.ParseTimestampMillis, expr.LogNaNBase, expr.SignInteger,
	expr.FloorKeepsType, expr.CeilKeepsType, expr.RoundHalfUp, expr.TruncateKeepsType,
	expr.GreatestSkipsNulls, expr.LeastSkipsNulls, expr.ArrayContainsNotNull, expr.EntriesUpperNames,
)

var ksqlAggSemantics = agg.Semantics{Sum: agg.SumJava, Avg: agg.AvgDouble, Stats: agg.StatsKSQL}

func exprSemantics(d sql.Dialect) (expr.Semantics, *expr.Functions) {
	if d == sql.KSQL {
		return ksqlExprSemantics, ksqlFunctions
	}
	return expr.Semantics{}, nil
}

func aggSemantics(d sql.Dialect) agg.Semantics {
	if d == sql.KSQL {
		return ksqlAggSemantics
	}
	return agg.Semantics{}
}

func groupEmit(d sql.Dialect) (engine.GroupEmit, engine.NullKeys) {
	if d == sql.KSQL {
		return engine.EmitPerRow, engine.NullKeysDrop
	}
	return engine.EmitOnChange, engine.NullKeysGroup
}
