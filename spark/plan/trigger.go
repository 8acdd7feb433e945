package plan

import (
	"strings"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/spark/connect/pb"
)

// Trigger is a streaming query's trigger as the engine runs it: Spark's
// micro-batches (Micro) or, for trigger(continuous=...), Tumble's record
// at a time execution checkpointed every CheckpointEvery.
type Trigger struct {
	Micro           *engine.Trigger
	CheckpointEvery time.Duration
}

// StreamTrigger translates writeStream's trigger for the query in (its
// relation, translated by t): processingTime (an interval string),
// availableNow, once, or continuous, which Spark runs for queries of
// projections and filters only and refuses otherwise with its
// AnalysisException; Tumble runs those record at a time. The source's
// maxOffsetsPerTrigger bounds each micro-batch (Once ignores it, as
// Spark does).
func StreamTrigger(w *pb.WriteStreamOperationStart, t *Translator) (*Trigger, error) {
	out := &Trigger{Micro: &engine.Trigger{MaxOffsets: t.MaxOffsetsPerTrigger}}
	switch k := w.Trigger.(type) {
	case nil:
	case *pb.WriteStreamOperationStart_ProcessingTimeInterval:
		d, err := triggerInterval(k.ProcessingTimeInterval)
		if err != nil {
			return nil, err
		}
		out.Micro.Interval = d
	case *pb.WriteStreamOperationStart_AvailableNow:
		out.Micro.AvailableNow = true
	case *pb.WriteStreamOperationStart_Once:
		out.Micro.Once = true
	case *pb.WriteStreamOperationStart_ContinuousCheckpointInterval:
		d, err := triggerInterval(k.ContinuousCheckpointInterval)
		if err != nil {
			return nil, err
		}
		if d <= 0 {
			return nil, &Error{Exception: IllegalArgument, Msg: "Continuous trigger interval must be positive"}
		}
		if err := checkContinuous(w.Input); err != nil {
			return nil, err
		}
		return &Trigger{CheckpointEvery: d}, nil
	default:
		return nil, unsupported("The trigger %T", w.Trigger)
	}
	return out, nil
}

func triggerInterval(s string) (time.Duration, error) {
	if strings.TrimSpace(s) == "" {
		return 0, &Error{Exception: IllegalArgument, Msg: "interval cannot be null or blank."}
	}
	us, err := parseDuration(s)
	if err != nil {
		return 0, err
	}
	if us < 0 {
		return 0, &Error{Exception: IllegalArgument, Msg: "Processing time interval must be >= 0"}
	}
	return time.Duration(us) * time.Microsecond, nil
}

// checkContinuous is Spark's check of a continuous query: only
// projections and filters over a streaming source, no current time.
func checkContinuous(r *pb.Relation) error {
	refuse := func(op string) error {
		return &Error{Exception: AnalysisException, Msg: "Continuous processing does not support " + op + " operations."}
	}
	for r != nil {
		var exprs []*pb.Expression
		var next *pb.Relation
		switch k := r.RelType.(type) {
		case *pb.Relation_Read:
			if k.Read.GetNamedTable() != nil {
				return refuse("StreamingRelation")
			}
			return nil
		case *pb.Relation_Project:
			exprs, next = k.Project.Expressions, k.Project.Input
		case *pb.Relation_Filter:
			exprs, next = []*pb.Expression{k.Filter.Condition}, k.Filter.Input
		case *pb.Relation_WithColumns:
			for _, a := range k.WithColumns.Aliases {
				exprs = append(exprs, &pb.Expression{ExprType: &pb.Expression_Alias_{Alias: a}})
			}
			next = k.WithColumns.Input
		case *pb.Relation_WithColumnsRenamed:
			next = k.WithColumnsRenamed.Input
		case *pb.Relation_SubqueryAlias:
			next = k.SubqueryAlias.Input
		case *pb.Relation_ToDf:
			next = k.ToDf.Input
		case *pb.Relation_Drop:
			next = k.Drop.Input
		case *pb.Relation_Hint:
			next = k.Hint.Input
		case *pb.Relation_Aggregate:
			return refuse("Aggregate")
		case *pb.Relation_WithWatermark:
			return refuse("EventTimeWatermark")
		case *pb.Relation_Deduplicate:
			return refuse("Deduplicate")
		case *pb.Relation_Sort:
			return refuse("Sort")
		case *pb.Relation_Limit:
			return refuse("GlobalLimit")
		default:
			return refuse(strings.TrimPrefix(relationKindName(r), "The relation "))
		}
		for _, e := range exprs {
			if currentTime(e) {
				return refuse("current time")
			}
		}
		r = next
	}
	return nil
}

// currentTime reports whether e calls a function of the current time.
func currentTime(e *pb.Expression) bool {
	if e == nil {
		return false
	}
	switch k := e.ExprType.(type) {
	case *pb.Expression_UnresolvedFunction_:
		switch strings.ToLower(k.UnresolvedFunction.FunctionName) {
		case "current_timestamp", "now", "current_date", "curdate", "localtimestamp":
			return true
		}
		for _, a := range k.UnresolvedFunction.Arguments {
			if currentTime(a) {
				return true
			}
		}
	case *pb.Expression_Alias_:
		return currentTime(k.Alias.Expr)
	case *pb.Expression_Cast_:
		return currentTime(k.Cast.Expr)
	case *pb.Expression_ExpressionString_:
		s := strings.ToLower(k.ExpressionString.Expression)
		for _, f := range []string{"current_timestamp", "now(", "current_date", "curdate(", "localtimestamp"} {
			if strings.Contains(s, f) {
				return true
			}
		}
	}
	return false
}
