package plan

import (
	"fmt"
	"strings"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/spark/connect/pb"
)

// Translator turns relations into frames for one Spark session.
type Translator struct {
	// Planner plans over the shared catalog with the Spark dialect and the
	// session's settings.
	Planner *planner.Planner
	// Conf reads the Spark session's configuration.
	Conf func(key string) (string, bool)
	// Views are the session's temporary views (createOrReplaceTempView).
	Views map[string]*pb.Relation
	// OutputMode, when set, is the output mode of the streaming query being
	// translated ("append", "update", "complete"); it decides how
	// aggregations emit. Empty: a batch query.
	OutputMode string
	// MaxOffsetsPerTrigger is the Kafka source's maxOffsetsPerTrigger
	// (set by the translation; 0 when absent).
	MaxOffsetsPerTrigger int64
	// Warn, when set, tells the server's log what a plan asks for that
	// Tumble does differently from Spark.
	Warn func(msg string)
}

func (t *Translator) warn(format string, args ...any) {
	if t.Warn != nil {
		t.Warn(fmt.Sprintf(format, args...))
	}
}

// Loc is the session time zone (spark.sql.session.timeZone, else the
// server's local zone, as Spark defaults to the JVM's).
func (t *Translator) Loc() *time.Location {
	if t.Conf != nil {
		if v, ok := t.Conf("spark.sql.session.timeZone"); ok && v != "" {
			if loc, err := time.LoadLocation(v); err == nil {
				return loc
			}
			if us, ok := parseTimestamp("1970-01-01 00:00:00"+v, time.UTC); ok {
				return time.FixedZone(v, int(-us/types.MicrosPerSecond))
			}
		}
	}
	return time.Local
}

// Relation translates a relation.
func (t *Translator) Relation(r *pb.Relation) (*Frame, error) {
	if r == nil {
		return nil, analysisErr("INTERNAL_ERROR", "a relation is missing")
	}
	switch k := r.RelType.(type) {
	case *pb.Relation_Read:
		return t.read(k.Read)
	case *pb.Relation_Project:
		return t.project(k.Project)
	case *pb.Relation_Filter:
		return t.filter(k.Filter)
	case *pb.Relation_Aggregate:
		return t.aggregate(k.Aggregate)
	case *pb.Relation_WithColumns:
		return t.withColumns(k.WithColumns)
	case *pb.Relation_WithColumnsRenamed:
		return t.renamed(k.WithColumnsRenamed)
	case *pb.Relation_SubqueryAlias:
		in, err := t.Relation(k.SubqueryAlias.Input)
		if err != nil {
			return nil, err
		}
		out := *in
		out.Cols = make([]Col, len(in.Cols))
		for i, c := range in.Cols {
			out.Cols[i] = Col{Name: c.Name, Type: c.Type, Quals: []string{k.SubqueryAlias.Alias}}
		}
		return &out, nil
	case *pb.Relation_ToDf:
		in, err := t.Relation(k.ToDf.Input)
		if err != nil {
			return nil, err
		}
		if len(k.ToDf.ColumnNames) != len(in.Cols) {
			return nil, analysisErr("INVALID_COLUMN_NAME_AS_PATH", "The number of columns doesn't match. Old column names (%d): %s. New column names (%d): %s.",
				len(in.Cols), strings.Join(in.Names(), ", "), len(k.ToDf.ColumnNames), strings.Join(k.ToDf.ColumnNames, ", "))
		}
		return t.rename(in, k.ToDf.ColumnNames), nil
	case *pb.Relation_Drop:
		return t.drop(k.Drop)
	case *pb.Relation_WithWatermark:
		return t.withWatermark(k.WithWatermark)
	case *pb.Relation_Limit:
		return t.post(k.Limit.Input, PostOp{Kind: "limit", N: int(k.Limit.Limit)})
	case *pb.Relation_Offset:
		return t.post(k.Offset.Input, PostOp{Kind: "offset", N: int(k.Offset.Offset)})
	case *pb.Relation_Tail:
		return t.post(k.Tail.Input, PostOp{Kind: "tail", N: int(k.Tail.Limit)})
	case *pb.Relation_Sort:
		return t.sort(k.Sort)
	case *pb.Relation_Hint:
		return t.Relation(k.Hint.Input) // hints only steer Spark's own optimizer
	case *pb.Relation_Deduplicate:
		return t.deduplicate(k.Deduplicate)
	case *pb.Relation_Range:
		return t.rangeRel(k.Range)
	case *pb.Relation_Sql:
		rel, err := ParseQuery(k.Sql.Query)
		if err != nil {
			return nil, err
		}
		return t.Relation(rel)
	case *pb.Relation_ShowString, *pb.Relation_HtmlString:
		return nil, analysisErr("INTERNAL_ERROR", "show() is answered by the server, not planned")
	case *pb.Relation_LocalRelation:
		return nil, unsupported("createDataFrame() of local data")
	}
	return nil, unsupported("The relation %s", relationKindName(r))
}

// relationKindName names a relation kind Tumble does not translate.
func relationKindName(r *pb.Relation) string {
	names := map[int]string{5: "Join", 6: "SetOperation (union, intersect, except)", 12: "Sample", 17: "Repartition", 25: "Unpivot",
		26: "ToSchema", 27: "RepartitionByExpression", 28: "MapPartitions", 29: "CollectMetrics", 30: "Parse", 31: "GroupMap",
		32: "CoGroupMap", 34: "ApplyInPandasWithState", 36: "CachedLocalRelation", 37: "CachedRemoteRelation",
		38: "CommonInlineUserDefinedTableFunction", 39: "AsOfJoin", 40: "CommonInlineUserDefinedDataSource", 41: "WithRelations",
		42: "Transpose", 43: "UnresolvedTableValuedFunction", 44: "LateralJoin", 90: "NAFill", 91: "NADrop", 92: "NAReplace",
		100: "StatSummary", 101: "StatCrosstab", 102: "StatDescribe", 103: "StatCov", 104: "StatCorr", 105: "StatApproxQuantile",
		106: "StatFreqItems", 107: "StatSampleBy", 200: "Catalog", 300: "MlRelation", 998: "extension", 999: "Unknown"}
	if n := unknownField(r.ProtoReflect().GetUnknown()); n != 0 {
		if s, ok := names[n]; ok {
			return s
		}
		return fmt.Sprintf("number %d", n)
	}
	return fmt.Sprintf("%T", r.RelType)
}

func (t *Translator) ctx(in *Frame) *exprCtx { return &exprCtx{t: t, in: in} }

// calc projects in through xs named by names (and filters by filter).
func calc(in *Frame, filter expr.Expr, xs []expr.Expr, names []string) *Frame {
	out := *in
	out.Node = planner.NewCalc(in.Node, filter, xs, names)
	out.Cols = make([]Col, len(xs))
	for i, x := range xs {
		out.Cols[i] = Col{Name: names[i], Type: x.Type()}
		if c, ok := x.(*expr.Col); ok {
			out.Cols[i].Quals = in.Cols[c.Idx].Quals
		}
	}
	if out.Watermark != nil {
		kept := false
		for _, n := range names {
			if strings.EqualFold(n, out.Watermark.Col) {
				kept = true
			}
		}
		if !kept {
			out.Watermark = nil
		}
	}
	return &out
}

func identity(in *Frame) ([]expr.Expr, []string) {
	xs := make([]expr.Expr, len(in.Cols))
	for i, c := range in.Cols {
		xs[i] = &expr.Col{Idx: i, T: c.Type, Name: c.Name}
	}
	return xs, in.Names()
}

func (t *Translator) project(p *pb.Project) (*Frame, error) {
	if p.Input == nil {
		// SELECT without FROM: one row.
		in := &Frame{Node: planner.NewValues(nil, []types.Row{{}})}
		return t.projectOver(in, p.Expressions)
	}
	in, err := t.Relation(p.Input)
	if err != nil {
		return nil, err
	}
	return t.projectOver(in, p.Expressions)
}

func (t *Translator) projectOver(in *Frame, items []*pb.Expression) (*Frame, error) {
	for _, e := range items {
		if hasAggregate(e) {
			// select(sum(x)): an aggregation without keys.
			return t.aggregate(&pb.Aggregate{AggregateExpressions: items, GroupType: pb.Aggregate_GROUP_TYPE_GROUPBY, Input: nil}, in)
		}
	}
	c := t.ctx(in)
	var xs []expr.Expr
	var names []string
	for _, e := range items {
		ys, ns, err := c.many(e)
		if err != nil {
			return nil, err
		}
		xs, names = append(xs, ys...), append(names, ns...)
	}
	return calc(in, nil, xs, names), nil
}

func (t *Translator) filter(f *pb.Filter) (*Frame, error) {
	in, err := t.Relation(f.Input)
	if err != nil {
		return nil, err
	}
	x, name, err := t.ctx(in).one(f.Condition)
	if err != nil {
		return nil, err
	}
	if k := x.Type().Kind; k != types.Boolean && k != types.Null {
		return nil, analysisErr("DATATYPE_MISMATCH.FILTER_NOT_BOOLEAN", "Cannot resolve \"%s\" due to data type mismatch: Filter expression %q of type %q is not a boolean.", name, name, strings.ToUpper(TypeName(x.Type())))
	}
	xs, names := identity(in)
	return calc(in, x, xs, names), nil
}

func (t *Translator) withColumns(w *pb.WithColumns) (*Frame, error) {
	in, err := t.Relation(w.Input)
	if err != nil {
		return nil, err
	}
	c := t.ctx(in)
	xs, names := identity(in)
	for _, a := range w.Aliases {
		x, _, err := c.one(a.Expr)
		if err != nil {
			return nil, err
		}
		if len(a.Name) != 1 {
			return nil, unsupported("withColumns() with a multi-part name")
		}
		replaced := false
		for i, n := range names {
			if strings.EqualFold(n, a.Name[0]) {
				xs[i], names[i], replaced = x, a.Name[0], true
			}
		}
		if !replaced {
			xs, names = append(xs, x), append(names, a.Name[0])
		}
	}
	return calc(in, nil, xs, names), nil
}

func (t *Translator) renamed(w *pb.WithColumnsRenamed) (*Frame, error) {
	in, err := t.Relation(w.Input)
	if err != nil {
		return nil, err
	}
	names := in.Names()
	apply := func(from, to string) {
		for i, n := range names {
			if strings.EqualFold(n, from) {
				names[i] = to
			}
		}
	}
	for from, to := range w.RenameColumnsMap {
		apply(from, to)
	}
	for _, r := range w.Renames {
		apply(r.ColName, r.NewColName)
	}
	return t.rename(in, names), nil
}

func (t *Translator) rename(in *Frame, names []string) *Frame {
	xs, _ := identity(in)
	out := calc(in, nil, xs, names)
	if in.Watermark != nil {
		for i, c := range in.Cols {
			if strings.EqualFold(c.Name, in.Watermark.Col) {
				out.Watermark = &Watermark{Col: names[i], Delay: in.Watermark.Delay}
			}
		}
	}
	return out
}

func (t *Translator) drop(d *pb.Drop) (*Frame, error) {
	in, err := t.Relation(d.Input)
	if err != nil {
		return nil, err
	}
	gone := map[int]bool{}
	for _, n := range d.ColumnNames {
		for i, c := range in.Cols {
			if strings.EqualFold(c.Name, n) {
				gone[i] = true
			}
		}
	}
	for _, e := range d.Columns {
		if a := e.GetUnresolvedAttribute(); a != nil {
			if i, rest, err := in.resolve(splitIdent(a.UnparsedIdentifier)); err == nil && len(rest) == 0 {
				gone[i] = true
			}
		}
	}
	var xs []expr.Expr
	var names []string
	for i, c := range in.Cols {
		if !gone[i] {
			xs, names = append(xs, &expr.Col{Idx: i, T: c.Type, Name: c.Name}), append(names, c.Name)
		}
	}
	return calc(in, nil, xs, names), nil
}

func (t *Translator) withWatermark(w *pb.WithWatermark) (*Frame, error) {
	in, err := t.Relation(w.Input)
	if err != nil {
		return nil, err
	}
	idx, rest, err := in.resolve(splitIdent(w.EventTime))
	if err != nil {
		return nil, err
	}
	if len(rest) > 0 {
		return nil, unsupported("withWatermark() on a nested field")
	}
	if k := in.Cols[idx].Type.Kind; k != types.TimestampLTZ && k != types.Timestamp {
		return nil, analysisErr("EVENT_TIME_IS_NOT_ON_TIMESTAMP_TYPE", "The event time %s has the invalid type %q, but expected \"TIMESTAMP\".", quoteIdent(in.Cols[idx].Name), strings.ToUpper(TypeName(in.Cols[idx].Type)))
	}
	d, err := parseDuration(w.DelayThreshold)
	if err != nil {
		return nil, err
	}
	if d < 0 {
		return nil, analysisErr("INVALID_INTERVAL_FORMAT", "The delay threshold '%s' must not be negative.", w.DelayThreshold)
	}
	out := *in
	out.Watermark = &Watermark{Col: in.Cols[idx].Name, Delay: d}
	return &out, nil
}

func (t *Translator) post(r *pb.Relation, op PostOp) (*Frame, error) {
	in, err := t.Relation(r)
	if err != nil {
		return nil, err
	}
	if in.Streaming {
		return nil, analysisErr("STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION", "%s is not supported on streaming DataFrames/Datasets.", map[string]string{"limit": "Limits", "offset": "Offset", "tail": "Tail"}[op.Kind])
	}
	out := *in
	out.Post = append(append([]PostOp(nil), in.Post...), op)
	return &out, nil
}

func (t *Translator) sort(s *pb.Sort) (*Frame, error) {
	in, err := t.Relation(s.Input)
	if err != nil {
		return nil, err
	}
	if in.Streaming && !in.Aggregated {
		return nil, analysisErr("STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION", "Sorting is not supported on streaming DataFrames/Datasets, unless it is on aggregated DataFrame/Dataset in Complete output mode.")
	}
	if in.Streaming {
		return nil, unsupported("Sorting a streaming aggregation")
	}
	// Sort keys that are not columns are computed as extra columns, sorted
	// on, and dropped.
	c := t.ctx(in)
	xs, names := identity(in)
	var keys []SortKey
	for _, o := range s.Order {
		x, _, err := c.one(o.Child)
		if err != nil {
			return nil, err
		}
		col := -1
		if cx, ok := x.(*expr.Col); ok {
			col = cx.Idx
		} else {
			col = len(xs)
			xs, names = append(xs, x), append(names, fmt.Sprintf("$sort%d", col))
		}
		desc := o.Direction == pb.Expression_SortOrder_SORT_DIRECTION_DESCENDING
		nullsFirst := !desc
		switch o.NullOrdering {
		case pb.Expression_SortOrder_SORT_NULLS_FIRST:
			nullsFirst = true
		case pb.Expression_SortOrder_SORT_NULLS_LAST:
			nullsFirst = false
		}
		keys = append(keys, SortKey{Col: col, Desc: desc, NullsFirst: nullsFirst})
	}
	out := in
	if len(xs) > len(in.Cols) {
		out = calc(in, nil, xs, names)
		out.Post = append(append([]PostOp(nil), in.Post...), PostOp{Kind: "sort", Orders: keys}, PostOp{Kind: "project", N: len(in.Cols)})
		out.Cols = out.Cols[:len(in.Cols)]
		return out, nil
	}
	o := *out
	o.Post = append(append([]PostOp(nil), in.Post...), PostOp{Kind: "sort", Orders: keys})
	return &o, nil
}

func (t *Translator) deduplicate(d *pb.Deduplicate) (*Frame, error) {
	in, err := t.Relation(d.Input)
	if err != nil {
		return nil, err
	}
	if in.Streaming {
		return nil, unsupported("dropDuplicates() on a streaming DataFrame")
	}
	// A batch dropDuplicates is a grouping on the columns, keeping the
	// first value of the others.
	var keys []*pb.Expression
	if d.GetAllColumnsAsKeys() || len(d.ColumnNames) == 0 {
		for _, c := range in.Cols {
			keys = append(keys, attr(quoteIdent(c.Name)))
		}
	} else {
		for _, n := range d.ColumnNames {
			keys = append(keys, attr(quoteIdent(n)))
		}
	}
	var aggs []*pb.Expression
	for _, c := range in.Cols {
		isKey := false
		for _, k := range keys {
			if strings.EqualFold(k.GetUnresolvedAttribute().UnparsedIdentifier, quoteIdent(c.Name)) {
				isKey = true
			}
		}
		if isKey {
			aggs = append(aggs, attr(quoteIdent(c.Name)))
		} else {
			aggs = append(aggs, alias(fnCall("first", attr(quoteIdent(c.Name))), c.Name))
		}
	}
	return t.aggregate(&pb.Aggregate{GroupType: pb.Aggregate_GROUP_TYPE_GROUPBY, GroupingExpressions: keys, AggregateExpressions: aggs}, in)
}

func (t *Translator) rangeRel(r *pb.Range) (*Frame, error) {
	start, step := r.GetStart(), r.Step
	if step == 0 {
		step = 1
	}
	var rows []types.Row
	for v := start; (step > 0 && v < r.End) || (step < 0 && v > r.End); v += step {
		rows = append(rows, types.Row{types.BigIntV(v)})
		if len(rows) > 10_000_000 {
			return nil, unsupported("range() of more than 10 million rows")
		}
	}
	col := Col{Name: "id", Type: types.TBigInt.WithNotNull(true)}
	return &Frame{Node: planner.NewValues(fields([]Col{col}), rows), Cols: []Col{col}}, nil
}

// windowArgs reads window(time, duration[, slide[, start]]).
func windowSpec(f *pb.Expression_UnresolvedFunction) (engine.Window, *pb.Expression, error) {
	args := f.Arguments
	if len(args) < 2 || len(args) > 4 {
		return engine.Window{}, nil, analysisErr("WRONG_NUM_ARGS.WITHOUT_SUGGESTION", "The `window` requires [2, 3, 4] parameters but the actual number is %d.", len(args))
	}
	str := func(e *pb.Expression) (string, error) {
		if l := e.GetLiteral(); l != nil {
			if s, ok := l.LiteralType.(*pb.Expression_Literal_String_); ok {
				return s.String_, nil
			}
		}
		return "", analysisErr("DATATYPE_MISMATCH.NON_FOLDABLE_INPUT", "window() takes its durations as string literals (\"3 seconds\").")
	}
	var ds []int64
	for _, a := range args[1:] {
		if l := a.GetLiteral(); l != nil && l.GetNull() != nil {
			ds = append(ds, -1)
			continue
		}
		s, err := str(a)
		if err != nil {
			return engine.Window{}, nil, err
		}
		d, err := parseDuration(s)
		if err != nil {
			return engine.Window{}, nil, err
		}
		ds = append(ds, d)
	}
	size := ds[0]
	if size <= 0 {
		return engine.Window{}, nil, analysisErr("DATATYPE_MISMATCH.VALUE_OUT_OF_RANGE", "The window duration (%s) must be greater than 0.", args[1])
	}
	w := engine.Window{Kind: engine.Tumble, Size: size}
	if len(ds) > 1 && ds[1] > 0 && ds[1] != size {
		if ds[1] > size {
			return engine.Window{}, nil, analysisErr("DATATYPE_MISMATCH.PARAMETER_CONSTRAINT_VIOLATION", "The slide duration must be less than or equal to the windowDuration.")
		}
		w.Kind, w.Slide = engine.Hop, ds[1]
	}
	if len(ds) > 2 && ds[2] > 0 {
		w.Offset = ds[2]
	}
	return w, args[0], nil
}
