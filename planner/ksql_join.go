package planner

import (
	"sort"
	"strconv"
	"strings"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/sql"
)

// ksqlDB names the columns of a join's result after their source where a
// name would be ambiguous:
//   - a select item that is a column reference keeps the column's name
//     unless that name is a pseudo column (ROWTIME, ROWPARTITION,
//     ROWOFFSET) or belongs to more than one of the joined sources; then it
//     is <SOURCE ALIAS>_<COLUMN>;
//   - SELECT * and s.* name every column <SOURCE ALIAS>_<COLUMN> (after a
//     PARTITION BY they also carry each source's pseudo columns, which the
//     join copies into its value);
//   - a FULL OUTER join's key is a synthetic column ROWKEY (ROWKEY_1, .. if a
//     source has a ROWKEY column), the first non-NULL of both sides' join keys.

// ksqlState is what a binder keeps while binding ksqlDB's joins, table
// functions and lambdas.
type ksqlState struct {
	// names is set while binding the select list of a query over a join.
	names *joinNames
	// keys holds each join's key expressions (keyString over the join's
	// output), for the joins that use it as their left input.
	keys map[*JoinNode][]string
	// value is the expression that gives each join's key: the left join
	// expression (right for RIGHT joins) or the synthetic key; whichever key
	// column a query selects, ksqlDB writes this value.
	value map[*JoinNode]expr.Expr
	// tableFuncs maps the select list's table function calls to their
	// FlatMap columns (flatmap.go).
	tableFuncs map[*sql.Call]*expr.Col
	// lambdas are the parameters of the lambdas being bound, innermost
	// last (lambda.go).
	lambdas []map[string]*expr.LambdaVar
	// foreignKey holds the table-table joins on a foreign key: the left
	// side's expression is not its primary key; the result is keyed by
	// the left table's primary key (ksql_fkjoin.go).
	foreignKey map[*JoinNode]bool
}

// keyString renders a key expression with its columns as positions.
func keyString(e expr.Expr) string {
	return expr.Rewrite(e, func(x expr.Expr) expr.Expr {
		if c, ok := x.(*expr.Col); ok {
			return &expr.Col{Idx: c.Idx, T: c.T, Name: "#" + strconv.Itoa(c.Idx)}
		}
		return x
	}).String()
}

// ksqlJoinKeys marks the key columns of a ksqlDB join's result: the
// columns compared by the join condition and, when the left side is
// itself a join joined on its own key, that join's key columns too (they
// hold the same value). Both sides must have as many partitions.
func (b *binder) ksqlJoinKeys(pos sql.Pos, j *JoinNode, lf, rf *fromResult, fields []Field, lw int) error {
	if lt, rt := lf.table, rf.table; !b.ksql.foreignKey[j] && lt != nil && rt != nil && lt.KSQL != nil && rt.KSQL != nil &&
		lt.KSQL.Partitions > 0 && rt.KSQL.Partitions > 0 && lt.KSQL.Partitions != rt.KSQL.Partitions {
		return sql.Errorf(pos, "Can't join `%s` with `%s` since the number of partitions don't match. `%s` partitions = %d; `%s` partitions = %d. Please repartition either one so that the number of partitions match.",
			lt.Name, rt.Name, lt.Name, lt.KSQL.Partitions, rt.Name, rt.KSQL.Partitions)
	}
	if j.Kind == engine.LookupJoin {
		for i, k := range j.RightKeys {
			if c, ok := k.(*expr.Col); !ok || !rf.sc.fields[c.Idx].Key {
				return sql.Errorf(pos, "Invalid join condition: stream-table joins require to join on the table's primary key. Got %s = %s.",
					joinSideText(lf.sc.fields, j.LeftKeys[i]), joinSideText(rf.sc.fields, k))
			}
		}
	}
	var keys []string
	add := func(e expr.Expr) {
		keys = append(keys, keyString(e))
		if c, ok := e.(*expr.Col); ok {
			fields[c.Idx].Key = true
		}
	}
	if b.ksql.foreignKey[j] {
		// A foreign-key join's result is keyed as its left table.
		if b.ksql.keys == nil {
			b.ksql.keys = map[*JoinNode][]string{}
			b.ksql.value = map[*JoinNode]expr.Expr{}
		}
		for i, f := range lf.sc.fields {
			if f.Key {
				c := &expr.Col{Idx: i, T: f.Type, Name: f.Name}
				add(c)
				if b.ksql.value[j] == nil {
					b.ksql.value[j] = c
				}
			}
		}
		b.ksql.keys[j] = keys
		return nil
	}
	for i := range j.LeftKeys {
		add(j.LeftKeys[i])
		add(shiftCols(j.RightKeys[i], lw))
	}
	if lf.join != nil && len(j.LeftKeys) > 0 {
		inner := b.ksql.keys[lf.join]
		lk := keyString(j.LeftKeys[0])
		for _, k := range inner {
			if k == lk {
				for i, f := range lf.sc.fields {
					if f.Key {
						fields[i].Key = true
					}
				}
				keys = append(keys, inner...)
				break
			}
		}
	}
	if b.ksql.keys == nil {
		b.ksql.keys = map[*JoinNode][]string{}
		b.ksql.value = map[*JoinNode]expr.Expr{}
	}
	b.ksql.keys[j] = keys
	if len(j.LeftKeys) > 0 {
		b.ksql.value[j] = j.LeftKeys[0]
		if j.Type == engine.RightJoin {
			b.ksql.value[j] = shiftCols(j.RightKeys[0], lw)
		}
	}
	return nil
}

// joinNames knows the sources of a ksqlDB join and which names clash.
type joinNames struct {
	sc    *scope
	clash map[string]bool
}

func isPseudoColumn(name string) bool {
	switch name {
	case colRowtime, colRowPartition, colRowOffset:
		return true
	}
	return false
}

func newJoinNames(fields []Field) *joinNames {
	quals := map[string]map[string]bool{} // column name -> sources holding it
	for _, f := range fields {
		if f.Qual == "" || strings.HasPrefix(f.Name, "$") {
			continue
		}
		if quals[f.Name] == nil {
			quals[f.Name] = map[string]bool{}
		}
		quals[f.Name][f.Qual] = true
	}
	j := &joinNames{sc: &scope{fields: fields}, clash: map[string]bool{}}
	for name, qs := range quals {
		if len(qs) > 1 || isPseudoColumn(name) {
			j.clash[name] = true
		}
	}
	return j
}

// itemName is the name ksqlDB gives an unaliased select item that is a
// column reference; ok is false for other items.
func (j *joinNames) itemName(e sql.Expr) (string, bool) {
	id, ok := e.(*sql.Ident)
	if !ok || len(id.Parts) > 2 {
		return "", false
	}
	idx, err := j.sc.resolve(id.Parts, id.Pos, true)
	if err != nil {
		return "", false
	}
	f := j.sc.fields[idx]
	if f.Qual != "" && j.clash[f.Name] {
		return f.Qual + "_" + f.Name, true
	}
	return f.Name, true
}

// starName is the name of a column expanded from SELECT * or s.*.
func (j *joinNames) starName(f Field) string {
	if f.Qual == "" {
		return f.Name
	}
	return f.Qual + "_" + f.Name
}

// starHidden says whether SELECT * includes a hidden column: a source's
// pseudo columns, when the query repartitions the join's result.
func (j *joinNames) starHidden(f Field, sel *sql.Select) bool {
	return len(sel.PartitionBy) > 0 && f.Qual != "" && isPseudoColumn(f.Name)
}

// ksqlSyntheticKey gives a ksqlDB FULL OUTER join its synthetic key column:
// it appends ROWKEY = COALESCE(left key, right key) to the join's fields
// and makes it the only key. An earlier synthetic key of the inputs is
// hidden. It returns the node to use in place of the join.
func (b *binder) ksqlSyntheticKey(j *JoinNode, fields []Field, lw int) (Node, []Field) {
	full := j.Type == engine.FullJoin && len(j.LeftKeys) > 0
	// A join on expressions that are no column of either side (ABS(L.A) =
	// ABS(R.A), L.S->F = R.T->G) has a synthetic key too, the value of
	// its join expression.
	exprKey := len(j.LeftKeys) > 0 && b.ksql.value[j] != nil
	for _, f := range fields {
		if f.Key { // a column holds the key (of this join or, equal, of the one it joins)
			exprKey = false
		}
	}
	taken := map[string]bool{}
	for i := range fields {
		if fields[i].Qual == "" && strings.HasPrefix(fields[i].Name, "ROWKEY") {
			// the synthetic key of an inner join is no longer the key
			fields[i].Hidden = true
			if full {
				fields[i].Name = "$" + fields[i].Name
			}
		}
		taken[fields[i].Name] = true
	}
	if !full && !exprKey {
		return j, fields
	}
	name := "ROWKEY"
	for n := 1; taken[name]; n++ {
		name = "ROWKEY_" + strconv.Itoa(n)
	}
	l := j.LeftKeys[0]
	r := shiftCols(j.RightKeys[0], lw)
	t := l.Type().Nullable()
	if !r.Type().Equal(l.Type()) {
		if cr, err := expr.NewCast(r, l.Type(), true, nil); err == nil {
			r = cr
		}
	}
	var key expr.Expr = &expr.Call{Name: "COALESCE", Args: []expr.Expr{l, r}, T: t, Fn: func(a []types.Value) types.Value {
		if !a[0].IsNull() {
			return a[0]
		}
		return a[1]
	}}
	if !full {
		key = b.ksql.value[j]
		t = key.Type().Nullable()
	}
	projects := colsOf(fields)
	for i := range fields {
		fields[i].Key = false
	}
	out := append(append([]Field(nil), fields...), Field{Name: name, Type: t, Key: true})
	projects = append(projects, key)
	j.fields = fields
	kc := &expr.Col{Idx: len(out) - 1, T: t, Name: name}
	b.ksql.keys[j] = []string{keyString(kc)}
	b.ksql.value[j] = kc
	return &Calc{Input: j, Projects: projects, fields: out}, out
}

// starOrder is the order in which SELECT * lists a scope's fields: as
// they are, except that ksqlDB repartitioning one source (PARTITION BY)
// lists the value columns first, then the old key columns.
func (b *binder) starOrder(fields []Field, sel *sql.Select) []int {
	order := make([]int, 0, len(fields))
	for i := range fields {
		order = append(order, i)
	}
	if len(sel.PartitionBy) == 0 || b.ksql.names != nil {
		return order
	}
	sort.SliceStable(order, func(i, j int) bool { return !fields[order[i]].Key && fields[order[j]].Key })
	return order
}

// joinSideText renders one side of a join condition as source.column.
func joinSideText(fields []Field, e expr.Expr) string {
	if c, ok := e.(*expr.Col); ok && c.Idx < len(fields) {
		if f := fields[c.Idx]; f.Qual != "" {
			return f.Qual + "." + f.Name
		}
	}
	return e.String()
}
