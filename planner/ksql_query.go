package planner

import (
	"fmt"
	"strings"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/sql"
)

// ksqlWindow converts a WINDOW clause (milliseconds) to an engine window.
func ksqlWindow(w *sql.WindowSpec) (engine.Window, error) {
	ms := int64(types.MicrosPerMilli)
	switch strings.ToUpper(w.Kind) {
	case "TUMBLING":
		if w.Size <= 0 {
			return engine.Window{}, sql.Errorf(w.Pos, "Window size must be positive")
		}
		return engine.Window{Kind: engine.Tumble, Size: w.Size * ms}, nil
	case "HOPPING":
		if w.Size <= 0 || w.Advance <= 0 {
			return engine.Window{}, sql.Errorf(w.Pos, "Window size and advance must be positive")
		}
		if w.Advance > w.Size {
			return engine.Window{}, sql.Errorf(w.Pos, "Window advance must be less than or equal to the window size")
		}
		return engine.Window{Kind: engine.Hop, Size: w.Size * ms, Slide: w.Advance * ms}, nil
	case "SESSION":
		if w.Size <= 0 {
			return engine.Window{}, sql.Errorf(w.Pos, "Session gap must be positive")
		}
		return engine.Window{Kind: engine.Session, Gap: w.Size * ms}, nil
	}
	return engine.Window{}, sql.Errorf(w.Pos, "unknown window type %s", w.Kind)
}

// ksqlPlanned is a bound ksqlDB query: the node producing the key columns,
// then the value columns, then (windowed results) WINDOWSTART, WINDOWEND.
type ksqlPlanned struct {
	node     Node
	keys     []Field
	values   []Field
	windowed *engine.Window
	table    bool   // the result is a table (aggregate or table source)
	source   *Table // the table read
	sink     *Sink
	// streamNulls: a stream's tombstones are NULL rows (see NullRowsNode);
	// nullDrop: the query has a WHERE clause, which drops them.
	streamNulls, nullDrop bool
}

// ksqlSelect binds a query the way ksqlDB plans a persistent query: it
// works out the result's key columns and orders the output keys first.
// sinkName is the object being created (for error messages), "" for
// transient queries, which keep the projection order.
func (pl *Planner) ksqlSelect(sel *sql.Select, sinkName string) (*ksqlPlanned, error) {
	if sel.From == nil {
		return nil, sql.Errorf(sel.Pos, "FROM clause missing")
	}
	if err := ksqlCheckQualifiers(sel); err != nil {
		return nil, err
	}
	if err := ksqlCheckWindowBounds(sel); err != nil {
		return nil, err
	}
	b := newBinder(pl)
	fr, err := b.bindFrom(sel.From)
	if err != nil {
		return nil, err
	}
	if fr.join != nil {
		b.ksql.names = newJoinNames(fr.sc.fields)
	}
	if fr.join == nil && fr.tvf == nil {
		if err := ksqlCheckColumns(sel, fr.sc); err != nil {
			return nil, err
		}
	}
	p := &ksqlPlanned{source: fr.table}
	srcTable := isTableInput(fr)
	if fr.join == nil && fr.table != nil && fr.table.KSQL != nil && fr.table.KSQL.Windowed != nil {
		w := *fr.table.KSQL.Windowed
		p.windowed = &w
	}
	isAgg := b.isAggQuery(sel) || sel.Window != nil
	if sel.Window != nil && len(sel.GroupBy) == 0 && !b.isAggQuery(sel) {
		return nil, sql.Errorf(sel.Window.Pos, "WINDOW clause requires a GROUP BY clause.")
	}
	if len(sel.GroupBy) > 0 && fr.table != nil && fr.table.KSQL != nil && fr.table.KSQL.ValueFormat == "KAFKA" {
		return nil, sql.Errorf(sel.Pos, "Source(s) %s are using the 'KAFKA' value format, which cannot be used with GROUP BY.", fr.table.Name)
	}
	if isAgg && srcTable {
		var bad []string
		seenFn := map[string]bool{}
		for _, it := range sel.Items {
			walkSQL(it.Expr, func(x sql.Expr) {
				if c, ok := x.(*sql.Call); ok {
					switch up := strings.ToUpper(c.Name); up {
					case "LATEST_BY_OFFSET", "EARLIEST_BY_OFFSET", "MIN", "MAX", "TOPK", "TOPKDISTINCT", "COLLECT_SET":
						if !seenFn[up] {
							seenFn[up] = true
							bad = append(bad, up)
						}
					}
				}
			})
		}
		if len(bad) > 0 {
			list := bad[0]
			if len(bad) > 1 {
				list = strings.Join(bad[:len(bad)-1], ", ") + " and " + bad[len(bad)-1]
			}
			return nil, sql.Errorf(sel.Pos, "The aggregation functions %s cannot be applied to a table source, only to a stream source.", list)
		}
	}
	var node Node
	var keyIdx []int // output positions (of node) of the key columns
	if isAgg {
		if calls := tableFunctionCalls(sel); len(calls) > 0 {
			return nil, sql.Errorf(calls[0].Pos, "Table functions cannot be used with aggregations.")
		}
		if err := checkIntermediateFormat(sel, fr); err != nil {
			return nil, err
		}
		if fr.join == nil && fr.tvf == nil && len(fr.sc.fields) > 0 {
			var star []string
			for _, f := range fr.sc.fields {
				if !f.Hidden {
					star = append(star, f.Name)
				}
			}
			funcs := pl.env().Funcs
			known := func(name string) bool {
				if strings.EqualFold(name, "AS_VALUE") {
					return true // the binder's own
				}
				if funcs == nil {
					return expr.IsFunction(name)
				}
				return funcs.Has(name)
			}
			if err := ksqlCheckAggregate(sel, fr.sc.fields[0].Qual, star, known); err != nil {
				return nil, err
			}
		}
		agg, err := b.bindAggregate(sel, fr)
		if err != nil {
			return nil, err
		}
		calc := agg.(*Calc)
		having := calc.Filter
		calc.Filter = nil
		inner := calc.Input
		var nkeys int
		switch a := inner.(type) {
		case *GroupAggregate:
			nkeys = len(a.Keys)
			p.windowed = nil
		case *WindowAggregate:
			nkeys = len(a.Keys)
			w := a.Window
			p.windowed = &w
		}
		p.table = true
		// Each grouping expression must be projected exactly once: those
		// missing are named together, then one projected twice.
		found := make([][]int, nkeys)
		var missing []string
		for k := 0; k < nkeys; k++ {
			for i, x := range calc.Projects {
				if c, ok := x.(*expr.Col); ok && c.Idx == k {
					found[k] = append(found[k], i)
				}
			}
			if len(found[k]) == 0 {
				missing = append(missing, groupExprText(sel, k))
			}
		}
		if len(missing) > 0 && sinkName != "" {
			return nil, sql.Errorf(sel.Pos, "The query used to build `%s` must include the %s in its projection (eg, SELECT %s...).", sinkName, plural("grouping expression", missing), strings.Join(missing, ", "))
		}
		for k := 0; k < nkeys; k++ {
			if len(found[k]) > 1 && sinkName != "" {
				names := make([]string, len(found[k]))
				for i, f := range found[k] {
					names[i] = "`" + calc.fields[f].Name + "`"
				}
				return nil, sql.Errorf(sel.Pos, "The projection contains a key column more than once: %s.", strings.Join(names, " and "))
			}
			if len(found[k]) > 0 {
				keyIdx = append(keyIdx, found[k][0])
			}
		}
		node = calc
		if having != nil {
			// HAVING is applied to the aggregate's output, by key.
			hk := make([]int, nkeys)
			for i := range hk {
				hk[i] = i
			}
			if p.windowed != nil {
				hk = append(hk, nkeys, nkeys+1)
			}
			calc.Input = &TableFilter{Input: inner, Filter: having, Keys: hk}
		}
	} else {
		if sel.Where != nil {
			filter, err := b.bindWhere(sel, fr.sc)
			if err != nil {
				return nil, err
			}
			if srcTable {
				var keys []int
				for i, f := range fr.sc.fields {
					if f.Key {
						keys = append(keys, i)
					}
				}
				fr.node = &TableFilter{Input: fr.node, Filter: filter, Keys: keys}
			} else {
				fr.node = &Calc{Input: fr.node, Filter: filter, Projects: colsOf(fr.sc.fields), fields: fr.sc.fields}
			}
		}
		if err := b.bindTableFunctions(sel, fr, srcTable); err != nil {
			return nil, err
		}
		projects, fields, err := b.bindItems(sel, fr.sc, nil)
		if err != nil {
			return nil, err
		}
		calc := &Calc{Input: fr.node, Projects: projects, fields: fields}
		p.table = srcTable
		p.streamNulls, p.nullDrop = !srcTable && fr.join == nil, sel.Where != nil
		if len(sel.PartitionBy) > 0 {
			if srcTable {
				return nil, sql.Errorf(sel.Pos, "PARTITION BY is not supported for tables")
			}
			eb := &exprBinder{b: b, sc: fr.sc}
			star := false
			for _, it := range sel.Items {
				star = star || it.Star
			}
			var missing []string
			for _, pe := range sel.PartitionBy {
				if isNullLiteral(pe) {
					// PARTITION BY NULL: the result has no key
					if len(sel.PartitionBy) > 1 {
						return nil, sql.Errorf(pe.ExprPos(), "Cannot PARTITION BY multiple columns including NULL")
					}
					continue
				}
				x, err := eb.bind(pe)
				if err != nil {
					return nil, err
				}
				found := -1
				var names []string
				for i, pr := range projects {
					if keyString(pr) == keyString(x) {
						if found < 0 {
							found = i
						}
						names = append(names, fields[i].Name)
					}
				}
				if len(names) > 1 && sinkName != "" {
					return nil, sql.Errorf(sel.Pos, "The projection contains a key column (`%s`) more than once, aliased as: %s.", names[0], strings.Join(names, " and "))
				}
				if found < 0 && !star && sinkName != "" {
					missing = append(missing, sqlText(pe))
					continue
				}
				if found < 0 {
					// ksqlDB adds the partitioning expression as the key.
					name := "KSQL_COL_0"
					if id, ok := pe.(*sql.Ident); ok {
						name = id.Parts[len(id.Parts)-1]
					}
					calc.Projects = append(calc.Projects, x)
					calc.fields = append(calc.fields, Field{Name: name, Type: x.Type()})
					found = len(calc.Projects) - 1
				}
				keyIdx = append(keyIdx, found)
			}
			if len(missing) > 0 {
				all := make([]string, len(sel.PartitionBy))
				for i, pe := range sel.PartitionBy {
					all[i] = sqlText(pe)
				}
				word := "expression"
				if len(all) > 1 {
					word = "expressions"
				}
				return nil, sql.Errorf(sel.Pos, "The query used to build `%s` must include the partitioning %s %s in its projection (eg, SELECT %s...).", sinkName, word, strings.Join(all, " and "), strings.Join(all, ", "))
			}
		} else if fr.join != nil {
			// A join's key is its join expression: any projected join key
			// column of either side. ksqlDB checks its type first, naming
			// it as the join's own schema does (L_COL).
			for _, f := range fr.sc.fields {
				if f.Key && f.Qual != "" {
					if err := ksqlMapKeyCheck([]Column{{Name: strings.ToUpper(f.Qual) + "_" + f.Name, Type: f.Type, Key: true}}, sel.Pos); err != nil {
						return nil, err
					}
				}
			}
			if b.ksql.foreignKey[fr.join] {
				// A foreign-key join is keyed as its left table: every
				// one of its primary key columns must be selected.
				ks, err := ksqlForeignKeyColumns(sel, fr, projects, fields)
				if err != nil {
					return nil, err
				}
				keyIdx = ks
			}
			// The left side's join column, when selected, names the key
			// (whatever side's value it holds: the right's for a RIGHT
			// join); else the first join column selected.
			keyAt := -1
			value := b.ksql.value[fr.join]
			var leftKey expr.Expr
			if len(fr.join.LeftKeys) > 0 {
				leftKey = fr.join.LeftKeys[0]
			}
			for j, pr := range projects {
				if len(keyIdx) > 0 {
					break // a foreign-key join's, chosen above
				}
				if c, ok := pr.(*expr.Col); ok && fr.sc.fields[c.Idx].Key {
					if lc, isCol := leftKey.(*expr.Col); isCol && lc.Idx == c.Idx {
						keyAt = j
						break
					}
					if keyAt < 0 {
						keyAt = j
					}
				}
			}
			if keyAt >= 0 {
				keyIdx = append(keyIdx, keyAt)
				if value != nil && value.Type().Kind == projects[keyAt].Type().Kind {
					calc.Projects[keyAt] = value
				}
			}
			if len(keyIdx) == 0 && sinkName != "" {
				var names []string
				synthetic := ""
				for _, f := range fr.sc.fields {
					if f.Key && f.Qual != "" {
						names = append(names, f.Qual+"."+f.Name)
					} else if f.Key {
						synthetic = f.Name
					}
				}
				if len(names) == 0 {
					// No source column is the join's key: ksqlDB adds a
					// synthetic one, ROWKEY, that the query must select.
					return nil, sql.Errorf(sel.Pos, "Key missing from projection (ie, SELECT). See https://cnfl.io/2LV7ouS.\nThe query used to build `%s` must include the join expression %s in its projection (eg, SELECT %s...).\n%s was added as a synthetic key column because the join criteria did not match any source column. This expression must be included in the projection and may be aliased.", sinkName, synthetic, synthetic, synthetic)
				}
				word, list := "expression", names[0]
				if len(names) > 1 {
					word = "expressions"
					list = strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
				}
				return nil, sql.Errorf(sel.Pos, "The query used to build `%s` must include the join %s %s in its projection (eg, SELECT %s...).", sinkName, word, list, names[0])
			}
		} else {
			// A key column missing: ksqlDB names all of them.
			var keyNames []string
			missing := false
			for i, f := range fr.sc.fields {
				if !f.Key {
					continue
				}
				keyNames = append(keyNames, f.Name)
				projected := false
				for _, pr := range projects {
					if c, ok := pr.(*expr.Col); ok && c.Idx == i {
						projected = true
					}
				}
				missing = missing || !projected
			}
			if missing && sinkName != "" {
				return nil, sql.Errorf(sel.Pos, "The query used to build `%s` must include the %s in its projection (eg, SELECT %s...).", sinkName, plural("key column", keyNames), strings.Join(keyNames, ", "))
			}
			for i, f := range fr.sc.fields {
				if !f.Key {
					continue
				}
				var found []int
				for j, pr := range projects {
					if c, ok := pr.(*expr.Col); ok && c.Idx == i {
						found = append(found, j)
					}
				}
				if len(found) > 1 && sinkName != "" {
					names := make([]string, len(found))
					for k, j := range found {
						names[k] = fields[j].Name
					}
					return nil, sql.Errorf(sel.Pos, "The projection contains a key column (`%s`) more than once, aliased as: %s.", f.Name, strings.Join(names, " and "))
				}
				if len(found) > 0 {
					keyIdx = append(keyIdx, found[0])
				}
			}
		}
		node = calc
	}
	calc := node.(*Calc)
	if sinkName == "" {
		// Transient query: projection order, no key reordering.
		p.node = node
		return p, nil
	}
	// Reorder: keys first, then values, then window bounds.
	isKey := map[int]bool{}
	var projects []expr.Expr
	var fields []Field
	for _, k := range keyIdx {
		isKey[k] = true
		projects = append(projects, calc.Projects[k])
		f := calc.fields[k]
		f.Key = true
		fields = append(fields, f)
		p.keys = append(p.keys, f)
	}
	seen := map[string]bool{}
	for _, f := range p.keys {
		seen[f.Name] = true
	}
	for i, x := range calc.Projects {
		if isKey[i] {
			continue
		}
		f := calc.fields[i]
		if sinkName != "" {
			if err := ksqlReservedName(sel, f.Name, x, fr.sc); err != nil {
				return nil, err
			}
		}
		if seen[f.Name] {
			return nil, sql.Errorf(sel.Pos, "Duplicate value columns found in schema: `%s` %s", f.Name, f.Type.KSQLString())
		}
		seen[f.Name] = true
		projects = append(projects, x)
		fields = append(fields, f)
		p.values = append(p.values, f)
	}
	if len(p.values) == 0 {
		return nil, sql.Errorf(sel.Pos, "The projection contains no value columns.")
	}
	for _, k := range p.keys {
		if err := ksqlMapKeyCheck([]Column{{Name: k.Name, Type: k.Type, Key: true}}, sel.Pos); err != nil {
			return nil, err
		}
	}
	if p.windowed != nil {
		in := calc.Input
		for _, name := range []string{colWindowStart, colWindowEnd} {
			var x expr.Expr
			if wa := findWindowAgg(in); wa != nil {
				off := len(wa.Keys)
				if name == colWindowEnd {
					off++
				}
				x = toMillis(&expr.Col{Idx: off, T: wa.fields[off].Type, Name: wa.fields[off].Name}, name)
				if in != Node(wa) {
					// a TableFilter sits between: same layout
				}
			} else {
				idx := -1
				for i, f := range in.Fields() {
					if f.Name == name {
						idx = i
					}
				}
				if idx < 0 {
					return nil, sql.Errorf(sel.Pos, "windowed source without %s", name)
				}
				x = &expr.Col{Idx: idx, T: types.TBigInt, Name: name}
			}
			projects = append(projects, x)
			fields = append(fields, Field{Name: name, Type: types.TBigInt, Key: true, Hidden: true})
		}
	}
	p.node = &Calc{Input: calc.Input, Projects: projects, fields: fields}
	if sel.Emit == sql.EmitFinal && (len(sel.GroupBy) == 0 || sel.Window == nil) {
		return nil, sql.Errorf(sel.Pos, "EMIT FINAL is only supported for windowed aggregations.")
	}
	return p, nil
}

func containsMap(t types.Type) bool {
	switch t.Kind {
	case types.Map:
		return true
	case types.Array:
		return containsMap(*t.Elem)
	case types.Struct:
		for _, f := range t.Fields {
			if containsMap(f.Type) {
				return true
			}
		}
	}
	return false
}

func findWindowAgg(n Node) *WindowAggregate {
	for {
		switch x := n.(type) {
		case *WindowAggregate:
			return x
		case *TableFilter:
			n = x.Input
		default:
			return nil
		}
	}
}

func colsOf(fs []Field) []expr.Expr {
	out := make([]expr.Expr, len(fs))
	for i, f := range fs {
		out[i] = &expr.Col{Idx: i, T: f.Type, Name: f.Name}
	}
	return out
}

// groupExprText renders the k-th non-window grouping expression as ksqlDB
// names it in errors.
func groupExprText(sel *sql.Select, k int) string {
	if k < len(sel.GroupBy) {
		if id, ok := sel.GroupBy[k].(*sql.Ident); ok {
			return strings.Join(id.Parts, ".")
		}
		return ksqlExprText(sel.GroupBy[k])
	}
	return fmt.Sprintf("#%d", k)
}

// plural names one thing ("key column ID") or several ("key columns ID,
// ID2 and ID3"), as ksqlDB's messages list them.
func plural(what string, names []string) string {
	if len(names) == 1 {
		return what + " " + names[0]
	}
	return what + "s " + strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// KSQLCreateAsPlan plans CSAS / CTAS: the sink plan and the sink's
// catalog entry (not yet in the catalog). As ksqlDB does before the query
// starts, it registers the sink's schemas (formats with a registry).
func (pl *Planner) KSQLCreateAsPlan(n *sql.CreateAs) (*Sink, *Table, error) {
	p, t, err := pl.ksqlCreateAsPlan(n)
	if err != nil {
		return nil, nil, err
	}
	if err := pl.ksqlRegisterSchemas(t, false, n.Start); err != nil {
		return nil, nil, err
	}
	return p.sink, t, nil
}

// KSQLPlanInsert plans INSERT INTO stream SELECT / VALUES.
func (pl *Planner) KSQLPlanInsert(n *sql.Insert) (*Sink, error) {
	p, err := pl.ksqlPlanInsert(n)
	if err != nil {
		return nil, err
	}
	return p.sink, nil
}

// ksqlPlanCreateAs plans CREATE STREAM|TABLE x AS SELECT without running it.
func (pl *Planner) ksqlPlanCreateAs(n *sql.CreateAs) (Node, error) {
	p, _, err := pl.ksqlCreateAsPlan(n)
	if err != nil {
		return nil, err
	}
	return p.sink, nil
}

// ksqlCreateAsPlan binds CSAS/CTAS and builds the sink's catalog entry.
func (pl *Planner) ksqlCreateAsPlan(n *sql.CreateAs) (*ksqlPlanned, *Table, error) {
	name := n.Name.Last()
	opts := optionsOf(n.Options)
	if err := ksqlCheckOptions(n.Options); err != nil {
		return nil, nil, err
	}
	if _, ok := opts.get("window_type"); ok {
		return nil, nil, sql.Errorf(n.Start, "WINDOW_TYPE is only valid for CREATE STREAM/TABLE statements without AS SELECT")
	}
	if ts, ok := opts.get("timestamp"); ok {
		// ksqlDB checks the TIMESTAMP column before the projection's keys.
		if names, known := pl.ksqlOutputNames(n.Query); known && !containsFold(names, strings.Trim(ts, "`\"")) {
			return nil, nil, sql.Errorf(n.Start, "The TIMESTAMP column set in the WITH clause does not exist in the schema: '%s'", strings.ToUpper(strings.Trim(ts, "`\"")))
		}
	}
	p, err := pl.ksqlSelect(n.Query, name)
	if err != nil {
		return nil, nil, err
	}
	word := KindWord(n.Kind)
	if n.Kind == sql.KindStream && p.table {
		return nil, nil, sql.Errorf(n.Start, "Invalid result type. Your SELECT query produces a TABLE. Please use CREATE TABLE AS SELECT statement instead.")
	}
	if n.Kind == sql.KindTable && !p.table {
		return nil, nil, sql.Errorf(n.Start, "Invalid result type. Your SELECT query produces a STREAM. Please use CREATE STREAM AS SELECT statement instead.")
	}
	if n.Kind == sql.KindTable && len(p.keys) == 0 && p.source != nil && p.source.Kind == sql.KindStream {
		return nil, nil, sql.Errorf(n.Start, "CREATE TABLE AS SELECT statement does not support aggregate function without a GROUP BY clause.")
	}
	_, text := n.Span()
	t := &Table{Name: name, Kind: n.Kind, Dialect: pl.Syntax, Statement: text, Options: map[string]string{}}
	for _, f := range p.keys {
		t.Columns = append(t.Columns, Column{Name: f.Name, Type: f.Type.Nullable(), Key: true})
		t.PrimaryKey = append(t.PrimaryKey, f.Name)
	}
	for _, f := range p.values {
		t.Columns = append(t.Columns, Column{Name: f.Name, Type: f.Type.Nullable()})
	}
	var from *KSQLSource
	if p.source != nil {
		from = p.source.KSQL
	}
	info, err := pl.ksqlFormats(t, opts, n.Start, from)
	if err != nil {
		return nil, nil, err
	}
	info.Topic = name
	if v, ok := opts.get("kafka_topic"); ok {
		info.Topic = v
	}
	if info.Partitions == 0 && from != nil {
		info.Partitions = from.Partitions
	}
	info.IsSink = true
	info.Windowed = p.windowed
	t.KSQL = info
	if partitionByNull(n.Query) {
		// PARTITION BY NULL: a result without key, key format NONE.
		if f, ok := opts.get("key_format"); ok && !strings.EqualFold(f, "NONE") {
			return nil, nil, sql.Errorf(n.Start, "Key format specified for stream without key columns.")
		}
		if f, ok := opts.get("format"); ok && !strings.EqualFold(f, "NONE") {
			return nil, nil, sql.Errorf(n.Start, "Key format specified for stream without key columns.")
		}
		info.KeyFormat = "NONE"
	}
	sinkCols := ksqlSinkColumns(t)
	node := p.node
	if tsCol, ok := opts.get("timestamp"); ok {
		if err := pl.ksqlTimestampColumn(t, tsCol, opts, n.Start); err != nil {
			return nil, nil, err
		}
		// The record timestamp comes from the column.
		fs := node.Fields()
		idx := -1
		for i, f := range fs {
			if f.Name == t.KSQL.TimestampColumn {
				idx = i
			}
		}
		col := &expr.Col{Idx: idx, T: fs[idx].Type, Name: fs[idx].Name}
		calc := node.(*Calc)
		tsx := timestampMillis(col, t.KSQL.TimestampFormat)
		calc.Projects = append(calc.Projects, tsx)
		calc.fields = append(calc.fields, Field{Name: "$ROWTIME_OUT", Type: types.TBigInt, Hidden: true})
		// Rows whose timestamp is missing, unparsable or negative are
		// dropped (Kafka has no such record timestamps), as ksqlDB does.
		valid, err := expr.NewCompare(">=", tsx, expr.NewConst(types.BigIntV(0), types.TBigInt))
		if err != nil {
			return nil, nil, err
		}
		if calc.Filter != nil {
			valid = &expr.And{Args: []expr.Expr{calc.Filter, valid}}
		}
		calc.Filter = valid
		sinkCols = append(sinkCols, Column{Name: "$ROWTIME_OUT", Type: types.TBigInt, Kind: sql.Metadata, MetadataKey: "timestamp"})
	}
	pl.ksqlConnectorOptions(t, opts)
	if src := p.source; src != nil && src.KSQL != nil {
		// A sink of the source's format inherits its delimiter.
		for _, part := range [][3]string{{"key.delimiter", src.KSQL.KeyFormat, t.KSQL.KeyFormat}, {"value.delimiter", src.KSQL.ValueFormat, t.KSQL.ValueFormat}} {
			if d, ok := src.Options[part[0]]; ok && part[1] == part[2] && t.Options[part[0]] == "" {
				t.Options[part[0]] = d
				t.OptionKeys = SortedKeys(t.Options)
			}
		}
	}
	if err := ksqlFormatChecks(t, opts, n.Start); err != nil {
		return nil, nil, err
	}
	if err := ksqlSerdeChecks(t, opts, n.Start); err != nil {
		return nil, nil, err
	}
	if err := pl.validateKSQL(t, n.Start); err != nil {
		return nil, nil, err
	}
	_ = word
	p.sink = &Sink{Input: optimize(p.withNullRows(node)), Table: t, Name: t.Name, Columns: sinkCols}
	return p, t, nil
}

// partitionByNull reports whether a query is PARTITION BY NULL.
func partitionByNull(sel *sql.Select) bool {
	if sel == nil || len(sel.PartitionBy) != 1 {
		return false
	}
	l, ok := sel.PartitionBy[0].(*sql.Literal)
	return ok && l.Kind == sql.LitNull
}

// ksqlPlanInsert binds INSERT INTO stream SELECT / VALUES.
func (pl *Planner) ksqlPlanInsert(n *sql.Insert) (*ksqlPlanned, error) {
	t, ok := pl.Catalog.Lookup(n.Table.Last(), true)
	if !ok || t.KSQL == nil {
		return nil, sql.Errorf(n.Table.Pos, "%s does not exist.", n.Table.Last())
	}
	if t.KSQL.ReadOnly {
		// CREATE SOURCE STREAM|TABLE: read-only.
		if n.Query == nil {
			return nil, sql.Errorf(n.Table.Pos, "Cannot insert values into read-only %s: %s", KindWord(t.Kind), t.Name)
		}
		if t.Kind != sql.KindTable {
			return nil, sql.Errorf(n.Table.Pos, "Cannot insert into read-only %s: %s", KindWord(t.Kind), t.Name)
		}
	}
	if n.Query == nil {
		return pl.ksqlPlanValues(n, t)
	}
	if t.Kind == sql.KindTable {
		return nil, sql.Errorf(n.Table.Pos, "INSERT INTO can only be used to insert into a stream. %s is a table.", t.Name)
	}
	p, err := pl.ksqlSelect(n.Query, t.Name)
	if err != nil {
		return nil, err
	}
	// The result must match the target's schema, keys and values.
	var want []Column
	want = append(want, t.Columns...)
	got := append(append([]Field(nil), p.keys...), p.values...)
	if len(got) != len(want) {
		return nil, sql.Errorf(n.Start, "Incompatible schema between results and sink.\nResult schema is %s\nSink schema is %s", fieldsSchema(got), columnsSchema(want))
	}
	for i := range want {
		if !strings.EqualFold(got[i].Name, want[i].Name) || !got[i].Type.Nullable().Equal(want[i].Type.Nullable()) || got[i].Key != want[i].Key {
			return nil, sql.Errorf(n.Start, "Incompatible schema between results and sink.\nResult schema is %s\nSink schema is %s", fieldsSchema(got), columnsSchema(want))
		}
	}
	p.sink = &Sink{Input: optimize(p.withNullRows(p.node)), Table: t, Name: t.Name, Columns: ksqlSinkColumns(t)}
	return p, nil
}

func fieldsSchema(fs []Field) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = "`" + f.Name + "` " + f.Type.KSQLString()
		if f.Key {
			parts[i] += " KEY"
		}
	}
	return strings.Join(parts, ", ")
}

func columnsSchema(cs []Column) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = "`" + c.Name + "` " + c.Type.KSQLString()
		if c.Key {
			parts[i] += " KEY"
		}
	}
	return strings.Join(parts, ", ")
}

// ksqlPlanValues binds INSERT INTO x [(cols)] VALUES (...): missing
// columns are NULL; ROWTIME sets the record timestamp.
func (pl *Planner) ksqlPlanValues(n *sql.Insert, t *Table) (*ksqlPlanned, error) {
	cols := ksqlSinkColumns(t)
	names := n.Columns
	if len(names) == 0 {
		for _, c := range t.Columns {
			names = append(names, c.Name)
		}
	}
	b := newBinder(pl)
	eb := &exprBinder{b: b, sc: &scope{}}
	var rows []types.Row
	rowtimeIdx := len(cols)
	for _, vals := range n.Values {
		if len(vals) != len(names) {
			return nil, sql.Errorf(n.Start, "Expected number columns and values to match: %s, %d", strings.Join(names, ", "), len(vals))
		}
		row := make(types.Row, len(cols)+1)
		for i, name := range names {
			x, err := eb.bind(vals[i])
			if err != nil {
				return nil, err
			}
			if strings.EqualFold(name, colRowtime) {
				v, err := evalConst(x)
				if err != nil {
					return nil, sql.Errorf(vals[i].ExprPos(), "%v", err)
				}
				row[rowtimeIdx] = types.BigIntV(v.Int())
				continue
			}
			idx := -1
			for j, c := range cols {
				if strings.EqualFold(c.Name, name) {
					idx = j
				}
			}
			if idx < 0 {
				return nil, sql.Errorf(vals[i].ExprPos(), "Column name %s does not exist.", name)
			}
			cx, err := expr.NewCast(x, cols[idx].Type, true, b.env)
			if err != nil {
				return nil, wrapErr(err, vals[i].ExprPos())
			}
			v, err := evalConst(cx)
			if err != nil {
				return nil, sql.Errorf(vals[i].ExprPos(), "%v", err)
			}
			row[idx] = v
		}
		if row[rowtimeIdx].IsNull() {
			row[rowtimeIdx] = types.BigIntV(time.Now().UnixMilli())
		}
		rows = append(rows, row)
	}
	var fields []Field
	for _, c := range cols {
		fields = append(fields, Field{Name: c.Name, Type: c.Type, Key: c.Key})
	}
	fields = append(fields, Field{Name: colRowtime, Type: types.TBigInt, Hidden: true})
	scan := &Scan{Table: &Table{Name: "values"}, Values: rows, fields: fields}
	sinkCols := append(append([]Column(nil), cols...), Column{Name: colRowtime, Type: types.TBigInt, Kind: sql.Metadata, MetadataKey: "timestamp"})
	return &ksqlPlanned{node: scan, sink: &Sink{Input: scan, Table: t, Name: t.Name, Columns: sinkCols}}, nil
}

// ksqlPlanQuery plans a transient SELECT: a push query (EMIT CHANGES) or a
// pull query (reads the topics to their current end).
func (pl *Planner) KSQLPlanQuery(sel *sql.Select) (Node, error) {
	pull := sel.Emit == sql.EmitNone
	if pull {
		pl = pl.WithSetting("execution.runtime-mode", "batch") // read the topics to their end
	}
	p, err := pl.ksqlSelect(sel, "")
	if err != nil {
		return nil, err
	}
	node := p.node
	if pull && p.table {
		if sel.Window != nil || p.windowed != nil && findWindowAgg(node) != nil {
			return nil, sql.Errorf(sel.Pos, "Pull queries on windowed aggregations are not supported; use EMIT CHANGES")
		}
		if _, isAgg := innerAggregate(node); isAgg {
			return nil, sql.Errorf(sel.Pos, "Pull queries don't support aggregations; query the table a CREATE TABLE AS SELECT built instead, or add EMIT CHANGES")
		}
		node = finalizeNormalize(node)
	}
	return &Sink{Input: optimize(nullFalseSelect(node))}, nil
}

func innerAggregate(n Node) (Node, bool) {
	for _, in := range n.Inputs() {
		switch in.(type) {
		case *GroupAggregate, *WindowAggregate:
			return in, true
		}
		if x, ok := innerAggregate(in); ok {
			return x, true
		}
	}
	return nil, false
}

// finalizeNormalize makes the table reads of a pull query emit the final
// table instead of its changes.
func finalizeNormalize(n Node) Node {
	return withInputs(n, func(in Node) Node {
		if cn, ok := in.(*ChangelogNormalize); ok {
			c := *cn
			c.Final = true
			return &c
		}
		return finalizeNormalize(in)
	})
}

// ksqlOutputNames lists the names of a query's columns when they can be
// told from the text (aliases, columns, * of a catalog source); known is
// false otherwise (a generated name, a join's *).
func (pl *Planner) ksqlOutputNames(sel *sql.Select) (names []string, known bool) {
	for _, it := range sel.Items {
		switch {
		case it.Star:
			ref, ok := sel.From.(*sql.TableRef)
			if !ok {
				return nil, false
			}
			t, ok := pl.Catalog.Lookup(ref.Name.Last(), true)
			if !ok {
				return nil, false
			}
			for _, c := range t.Columns {
				names = append(names, c.Name)
			}
		case it.Alias != "":
			names = append(names, it.Alias)
		default:
			id, ok := it.Expr.(*sql.Ident)
			if !ok {
				return nil, false
			}
			names = append(names, id.Parts[len(id.Parts)-1])
		}
	}
	return names, true
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// ksqlReservedName refuses, as ksqlDB does, a persistent query's value
// column named as a pseudo column or window bound: selecting ROWTIME (or
// ROWPARTITION, ROWOFFSET, WINDOWSTART, WINDOWEND) unaliased, or naming
// another column so.
func ksqlReservedName(sel *sql.Select, name string, x expr.Expr, sc *scope) error {
	up := strings.ToUpper(name)
	switch up {
	case colRowtime, colRowPartition, colRowOffset, "WINDOWSTART", "WINDOWEND":
	default:
		return nil
	}
	pseudo := false
	if c, ok := x.(*expr.Col); ok && c.Idx < len(sc.fields) {
		src := strings.ToUpper(sc.fields[c.Idx].Name)
		pseudo = isPseudoColumn(src) || src == "WINDOWSTART" || src == "WINDOWEND"
	}
	if !pseudo {
		return sql.Errorf(sel.Pos, "`%s` is a reserved column name. You cannot use it as an alias for a column.", up)
	}
	return sql.Errorf(sel.Pos, "Reserved column name in select: `%s`. Please remove or alias the column.", up)
}
