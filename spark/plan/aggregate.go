package plan

import (
	"strings"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/spark/connect/pb"
)

// aggregate translates groupBy(...).agg(...): a Calc computes the window
// time, the keys and the aggregate arguments; a WindowAggregate (when a
// key is window(...)) or a GroupAggregate aggregates; a Calc computes the
// output: the grouping columns (window(...) as a struct<start,end> named
// window), then the aggregate expressions. pre, when given, is the input
// already translated.
func (t *Translator) aggregate(a *pb.Aggregate, pre ...*Frame) (*Frame, error) {
	var in *Frame
	var err error
	if len(pre) > 0 {
		in = pre[0]
	} else if in, err = t.Relation(a.Input); err != nil {
		return nil, err
	}
	if a.GroupType != pb.Aggregate_GROUP_TYPE_GROUPBY && a.GroupType != pb.Aggregate_GROUP_TYPE_UNSPECIFIED {
		return nil, unsupported("%s", strings.ToLower(strings.TrimPrefix(a.GroupType.String(), "GROUP_TYPE_")))
	}
	c := t.ctx(in)
	// Grouping expressions: at most one window(...).
	var win *engine.Window
	var timeX expr.Expr
	winPos := -1
	var keys []expr.Expr
	var keyNames []string
	for i, g := range a.GroupingExpressions {
		if f := g.GetUnresolvedFunction(); f != nil && strings.EqualFold(f.FunctionName, "window") {
			if win != nil {
				return nil, analysisErr("UNSUPPORTED_FEATURE", "Multiple time/session window expressions would result in a cartesian product of rows, therefore they are currently not supported.")
			}
			w, tx, err := windowSpec(f)
			if err != nil {
				return nil, err
			}
			x, _, err := c.one(tx)
			if err != nil {
				return nil, err
			}
			switch x.Type().Kind {
			case types.TimestampLTZ, types.Timestamp:
			case types.String, types.Date:
				if x, err = c.cast(x, tTimestamp); err != nil { // Spark casts the time column implicitly
					return nil, err
				}
			default:
				return nil, typeMismatch("window", 1, x, "(\"TIMESTAMP\" or \"TIMESTAMP_NTZ\")")
			}
			win, timeX, winPos = &w, x, i
			continue
		}
		x, name, err := c.one(g)
		if err != nil {
			return nil, err
		}
		keys, keyNames = append(keys, x), append(keyNames, name)
	}
	if in.Streaming && win == nil && t.OutputMode == "append" {
		return nil, analysisErr("STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION", "Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark.")
	}
	watermarked := false
	if in.Watermark != nil && win != nil {
		if col, ok := timeX.(*expr.Col); ok && strings.EqualFold(in.Cols[col.Idx].Name, in.Watermark.Col) {
			watermarked = true
		}
	}
	if in.Streaming && t.OutputMode == "append" && !watermarked {
		return nil, analysisErr("STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION", "Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark.")
	}
	// The aggregate's output: keys, [window_start, window_end, window_time], aggregates.
	st := &aggState{keys: keys}
	for i, k := range keys {
		st.keyOut = append(st.keyOut, &expr.Col{Idx: i, T: k.Type(), Name: keyNames[i]})
	}
	st.aggFirst = len(keys)
	if win != nil {
		st.aggFirst += 3
	}
	ac := &exprCtx{t: t, in: in, agg: st}
	var outX []expr.Expr
	var outNames []string
	for i := range a.GroupingExpressions {
		if i == winPos {
			ws := &expr.Col{Idx: len(keys), T: tTimestamp.WithNotNull(true), Name: "window_start"}
			we := &expr.Col{Idx: len(keys) + 1, T: tTimestamp.WithNotNull(true), Name: "window_end"}
			outX, outNames = append(outX, newStruct([]string{"start", "end"}, []expr.Expr{ws, we})), append(outNames, "window")
			continue
		}
		k := i
		if winPos >= 0 && i > winPos {
			k--
		}
		outX, outNames = append(outX, st.keyOut[k]), append(outNames, keyNames[k])
	}
	for _, e := range a.AggregateExpressions {
		x, name, err := ac.one(e)
		if err != nil {
			return nil, err
		}
		outX, outNames = append(outX, x), append(outNames, name)
	}
	// The Calc below the aggregate: keys, aggregate arguments, [time].
	preX := append(append([]expr.Expr(nil), keys...), st.args...)
	preNames := append([]string(nil), keyNames...)
	for i := range st.args {
		preNames = append(preNames, "$arg"+itoa(i))
	}
	timeCol := -1
	if win != nil {
		timeCol = len(preX)
		preX, preNames = append(preX, timeX), append(preNames, "$time")
	}
	if len(preX) == 0 {
		preX, preNames = []expr.Expr{expr.NewConst(types.BoolV(true), types.TBool)}, []string{"$f0"}
	}
	preFrame := calc(in, nil, preX, preNames)
	keyIdx := make([]int, len(keys))
	for i := range keys {
		keyIdx[i] = i
	}
	var aggNode planner.Node
	switch {
	case win != nil:
		emit, grace := engine.EmitOnWatermark, int64(0)
		if in.Streaming {
			emit = map[string]engine.EmitMode{"append": engine.EmitBatchFinal, "update": engine.EmitBatchUpdates, "complete": engine.EmitBatchAll}[t.OutputMode]
			if emit == 0 {
				emit = engine.EmitBatchUpdates
			}
			if watermarked {
				grace = in.Watermark.Delay
			}
		}
		aggNode = planner.NewWindowAggregate(preFrame.Node, *win, timeCol, keyIdx, st.calls, st.names, emit, grace, watermarked)
	case in.Streaming:
		return nil, unsupported("A streaming aggregation without a time window (groupBy() without window())")
	default:
		ga := planner.NewGroupAggregate(preFrame.Node, keyIdx, st.calls, st.names)
		ga.OverEmpty = len(keyIdx) == 0 // a batch count() of nothing is 0, as Spark's
		aggNode = ga
	}
	aggFrame := &Frame{Node: aggNode, Streaming: in.Streaming}
	for _, f := range aggNode.Fields() {
		aggFrame.Cols = append(aggFrame.Cols, Col{Name: f.Name, Type: f.Type})
	}
	out := calc(aggFrame, nil, outX, outNames)
	out.Aggregated = in.Streaming
	out.Watermark = nil
	return out, nil
}

func itoa(i int) string {
	const digits = "0123456789"
	if i < 10 {
		return digits[i : i+1]
	}
	return itoa(i/10) + digits[i%10:i%10+1]
}
