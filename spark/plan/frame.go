package plan

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner"
)

// Col is a column of a DataFrame as Spark sees it.
type Col struct {
	Name string
	Type types.Type
	// Quals are the names the column can be qualified by (the alias of a
	// SubqueryAlias, the table it was read from).
	Quals []string
}

// Frame is a translated relation: the planner node that computes it and
// its columns, one per field of the node, in order.
type Frame struct {
	Node      planner.Node
	Cols      []Col
	Streaming bool
	// Watermark is set by withWatermark: the column and the delay (micros).
	Watermark *Watermark
	// Aggregated: the frame holds a streaming aggregation (for the output
	// mode rules); Windowed: by a time window over the watermark column.
	Aggregated bool
	// Bounded rows-only operations the planner cannot run in streaming:
	// applied to the final rows of a batch query (ORDER BY, LIMIT, OFFSET).
	Post []PostOp
}

// Watermark is withWatermark(col, delay).
type Watermark struct {
	Col   string
	Delay int64
}

// PostOp is an operation on the collected rows of a batch query.
type PostOp struct {
	Kind   string // sort, limit, offset, tail
	N      int
	Orders []SortKey
}

// SortKey orders collected rows by a column.
type SortKey struct {
	Col        int
	Desc       bool
	NullsFirst bool
}

// Names returns the column names.
func (f *Frame) Names() []string {
	out := make([]string, len(f.Cols))
	for i, c := range f.Cols {
		out[i] = c.Name
	}
	return out
}

// resolve finds the column named by parts (qualifier first, if any); the
// rest of parts are struct fields. Names match case-insensitively, as
// Spark's default spark.sql.caseSensitive=false.
func (f *Frame) resolve(parts []string) (idx int, rest []string, err error) {
	match := func(name string, quals []string) []int {
		var out []int
		for i, c := range f.Cols {
			if !strings.EqualFold(c.Name, name) {
				continue
			}
			if quals != nil {
				ok := false
				for _, q := range c.Quals {
					if strings.EqualFold(q, quals[0]) {
						ok = true
					}
				}
				if !ok {
					continue
				}
			}
			out = append(out, i)
		}
		return out
	}
	if len(parts) == 1 && strings.HasPrefix(parts[0], "#") {
		if n, err := strconv.Atoi(parts[0][1:]); err == nil && n >= 0 && n < len(f.Cols) {
			return n, nil, nil
		}
	}
	if len(parts) > 1 {
		if m := match(parts[1], parts[:1]); len(m) == 1 {
			return m[0], parts[2:], nil
		}
	}
	m := match(parts[0], nil)
	switch {
	case len(m) == 1:
		return m[0], parts[1:], nil
	case len(m) > 1:
		return 0, nil, analysisErr("AMBIGUOUS_REFERENCE", "Reference `%s` is ambiguous, could be: [%s].", strings.Join(parts, "."), quoteList(f.Names()))
	}
	return 0, nil, analysisErr("UNRESOLVED_COLUMN.WITH_SUGGESTION",
		"A column, variable, or function parameter with name %s cannot be resolved. Did you mean one of the following? [%s].",
		quoteIdent(strings.Join(parts, ".")), quoteList(f.Names()))
}

func quoteIdent(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = quoteIdent(n)
	}
	return strings.Join(q, ", ")
}

// fields are the planner fields of cols.
func fields(cols []Col) []planner.Field {
	out := make([]planner.Field, len(cols))
	for i, c := range cols {
		out[i] = planner.Field{Name: c.Name, Type: c.Type}
	}
	return out
}

func (f *Frame) String() string {
	parts := make([]string, len(f.Cols))
	for i, c := range f.Cols {
		parts[i] = fmt.Sprintf("%s: %s", c.Name, TypeName(c.Type))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// TreeString is printSchema()'s text.
func TreeString(cols []Col) string {
	var sb strings.Builder
	sb.WriteString("root\n")
	var walk func(name string, t types.Type, depth int)
	walk = func(name string, t types.Type, depth int) {
		prefix := strings.Repeat(" |   ", depth) + " |-- "
		tn := treeTypeName(t)
		switch t.Kind {
		case types.Struct:
			tn = "struct"
		case types.Array:
			tn = "array"
		case types.Map:
			tn = "map"
		}
		fmt.Fprintf(&sb, "%s%s: %s (nullable = %t)\n", prefix, name, tn, !t.NotNull)
		switch t.Kind {
		case types.Struct:
			for _, f := range t.Fields {
				walk(f.Name, f.Type, depth+1)
			}
		case types.Array:
			fmt.Fprintf(&sb, "%s |-- element: %s (containsNull = true)\n", strings.Repeat(" |   ", depth+1), treeTypeName(*t.Elem))
		}
	}
	for _, c := range cols {
		walk(c.Name, c.Type, 0)
	}
	return sb.String()
}

// treeTypeName is a type as printSchema names it (Spark's typeName).
func treeTypeName(t types.Type) string {
	switch t.Kind {
	case types.Int:
		return "integer"
	case types.BigInt:
		return "long"
	case types.SmallInt:
		return "short"
	case types.TinyInt:
		return "byte"
	case types.Null:
		return "void"
	}
	return TypeName(t)
}
