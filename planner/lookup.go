package planner

import (
	"fmt"
	"strings"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/sql"
)

// LookupJoin is Flink's processing-time lookup join (see
// engine.LookupTableJoin): each left row, as it arrives, joins the rows of
// a dimension table that a connector looks up by key (an optional source
// ability, engine.LookupSource). The dimension table is not an input: its
// rows are fetched, not streamed. Its fields are the left fields followed
// by the table's.
type LookupJoin struct {
	Input Node
	Table *Table
	Type  engine.JoinType // InnerJoin or LeftJoin
	// Keys are the table's key columns (its fields), LeftKeys the values
	// they must equal (over the left fields, cast to the keys' types).
	Keys     []int
	LeftKeys []expr.Expr
	Cond     expr.Expr // over the joined fields
	Options  engine.LookupOptions
	// rightFields are the table's fields; specCols maps each to its
	// position among the columns the connector reads (-1: computed).
	rightFields []Field
	specCols    []int
	prep        []expr.Expr
	newSource   func() (engine.LookupSource, error)
	fields      []Field
}

var _ unaryOp = (*LookupJoin)(nil)

func (j *LookupJoin) Fields() []Field { return j.fields }
func (j *LookupJoin) Inputs() []Node  { return []Node{j.Input} }
func (j *LookupJoin) Mode() Changelog {
	if j.Input.Mode() == InsertOnly {
		return InsertOnly
	}
	return Retract
}
func (j *LookupJoin) Describe() string {
	lf := j.Input.Fields()
	lookup := make([]string, len(j.Keys))
	for i, k := range j.Keys {
		lookup[i] = j.rightFields[k].Name + "=" + j.LeftKeys[i].String()
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "LookupJoin(table=[%s], connector=[%s], joinType=[%s], lookup=[%s]", j.Table.Name, j.Table.Connector(), j.Type, strings.Join(lookup, ", "))
	if j.Cond != nil {
		fmt.Fprintf(&sb, ", where=[%s]", j.Cond.String())
	}
	if c := j.Options.Cache; c.Partial {
		var parts []string
		if c.MaxRows > 0 {
			parts = append(parts, fmt.Sprintf("max-rows=%d", c.MaxRows))
		}
		if c.ExpireAfterWrite > 0 {
			parts = append(parts, "expire-after-write="+c.ExpireAfterWrite.String())
		}
		if c.ExpireAfterAccess > 0 {
			parts = append(parts, "expire-after-access="+c.ExpireAfterAccess.String())
		}
		fmt.Fprintf(&sb, ", cache=[PARTIAL(%s)]", strings.Join(parts, ", "))
	}
	fmt.Fprintf(&sb, ", leftFields=[%s], rightFields=[%s])", strings.Join(fieldNames(lf), ", "), strings.Join(fieldNames(j.rightFields), ", "))
	return sb.String()
}

func (j *LookupJoin) withInput(in Node) Node {
	c := *j
	c.Input = in
	return &c
}

func (j *LookupJoin) newOp() engine.Op {
	keys := make([]int, len(j.Keys))
	for i, k := range j.Keys {
		keys[i] = j.specCols[k]
	}
	return &engine.LookupTableJoin{Name: j.Table.Name, NewSource: j.newSource, Left: j.Type == engine.LeftJoin,
		Keys: keys, LeftKeys: j.LeftKeys, Prep: j.prep, Cond: j.Cond,
		LeftWidth: len(j.Input.Fields()), RightWidth: len(j.rightFields), Options: j.Options}
}

// bindLookupJoin plans JOIN t FOR SYSTEM_TIME AS OF l.proctime ON ...
// against a table whose connector can look rows up: a LookupJoin keyed by
// the equalities between the left side and t's columns. Other tables (a
// view, a connector without lookups) get Flink's error.
func (b *binder) bindLookupJoin(n *sql.Join, ref *sql.TableRef, lf, rf *fromResult, j *JoinNode, lw int) (*fromResult, error) {
	pos := ref.ForSystemTime.ExprPos()
	scan := scanOf(rf.node)
	if cn, ok := rf.node.(*ChangelogNormalize); ok {
		scan = scanOf(cn.Input)
	}
	if scan == nil || scan.Values != nil || scan.Table == nil {
		return nil, sql.Errorf(pos, "Processing-time temporal join is not supported yet.")
	}
	t := scan.Table
	c, err := b.p.Registry.Lookup(t.Connector())
	if err != nil || c.Source == nil {
		return nil, sql.Errorf(pos, "Processing-time temporal join is not supported yet.")
	}
	spec := b.p.tableSpec(t, nil)
	newSource := func() (engine.LookupSource, error) {
		src, err := c.Source(spec)
		if err != nil {
			return nil, err
		}
		ls, ok := src.(engine.LookupSource)
		if !ok {
			src.Close()
			return nil, fmt.Errorf("connector '%s' cannot look rows up", t.Connector())
		}
		return ls, nil
	}
	// The connector's source tells whether it can look rows up.
	src, err := c.Source(spec)
	if err != nil {
		return nil, sql.Errorf(ref.Name.Pos, "Invalid options for table '%s': %v", t.Name, err)
	}
	_, canLookup := src.(engine.LookupSource)
	src.Close()
	if !canLookup {
		return nil, sql.Errorf(pos, "Processing-time temporal join is not supported yet.")
	}
	opts, err := engine.ParseLookupOptions(t.Options)
	if err != nil {
		return nil, sql.Errorf(ref.Name.Pos, "Invalid options for table '%s': %v", t.Name, err)
	}
	rfs := scan.Fields()
	specCols := make([]int, len(rfs))
	read := 0
	for i, col := range t.Columns {
		if col.Kind == sql.Computed {
			specCols[i] = -1
			continue
		}
		specCols[i] = read
		read++
	}
	lj := &LookupJoin{Input: lf.node, Table: t, Type: j.Type, Cond: j.Cond, Options: opts,
		rightFields: rfs, specCols: specCols, prep: scan.Prep, newSource: newSource}
	for i, rk := range j.RightKeys {
		col, ok := rk.(*expr.Col)
		if !ok || specCols[col.Idx] < 0 {
			lj.Keys = nil
			break
		}
		lk, err := expr.Coerce(j.LeftKeys[i], rfs[col.Idx].Type, b.env)
		if err != nil {
			return nil, wrapErr(err, joinPos(n))
		}
		lj.Keys = append(lj.Keys, col.Idx)
		lj.LeftKeys = append(lj.LeftKeys, lk)
	}
	if len(lj.Keys) == 0 {
		return nil, sql.Errorf(joinPos(n), "Temporal table join requires an equality condition on fields of table [%s].", t.Name)
	}
	fields := append(append([]Field(nil), lf.sc.fields...), rfs...)
	for i := lw; i < len(fields); i++ {
		fields[i].Rowtime, fields[i].Proctime, fields[i].Key = false, false, false
		if j.Type == engine.LeftJoin {
			fields[i].Type = fields[i].Type.Nullable()
		}
	}
	lj.fields = fields
	return &fromResult{node: lj, sc: &scope{fields: fields}, table: lf.table}, nil
}
