package sql

import (
	"strings"
)

// SQL renders an expression as Flink prints expressions back (SHOW CREATE
// TABLE, DESCRIBE): identifiers in backticks, keywords and function names
// upper-case, interval units singular, parentheses only where precedence
// needs them.
func SQL(e Expr) string {
	var b strings.Builder
	unparse(&b, e, 0)
	return b.String()
}

// Backtick quotes an identifier as Flink prints it: `name`.
func Backtick(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }

// precedence of binary operators; higher binds tighter.
func precedence(op string) int {
	switch op {
	case "OR":
		return 1
	case "AND":
		return 2
	case "=", "<>", "<", "<=", ">", ">=", "IS DISTINCT FROM", "IS NOT DISTINCT FROM":
		return 4
	case "+", "-", "||":
		return 6
	case "*", "/", "%":
		return 7
	}
	return 5
}

// unparse writes e; outer is the precedence of the enclosing operator.
func unparse(b *strings.Builder, e Expr, outer int) {
	switch e := e.(type) {
	case *Ident:
		for i, p := range e.Parts {
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(Backtick(p))
		}
	case *Literal:
		switch e.Kind {
		case LitNull:
			b.WriteString("NULL")
		case LitBool:
			b.WriteString(strings.ToUpper(e.Text))
		case LitString:
			b.WriteString(quoteString(e.Text))
		case LitDate:
			b.WriteString("DATE " + quoteString(e.Text))
		case LitTime:
			b.WriteString("TIME " + quoteString(e.Text))
		case LitTimestamp:
			b.WriteString("TIMESTAMP " + quoteString(e.Text))
		case LitBytes:
			b.WriteString("X" + quoteString(e.Text))
		default:
			b.WriteString(e.Text)
		}
	case *Interval:
		b.WriteString("INTERVAL " + quoteString(e.Value) + " " + e.Unit)
	case *Call:
		b.WriteString(e.Name + "(")
		if e.Distinct {
			b.WriteString("DISTINCT ")
		}
		if e.Star {
			b.WriteString("*")
		}
		for i, a := range e.Args {
			if i > 0 {
				b.WriteString(", ")
			}
			unparse(b, a, 0)
		}
		b.WriteString(")")
	case *Binary:
		p := precedence(e.Op)
		if p < outer {
			b.WriteByte('(')
		}
		unparse(b, e.L, p)
		b.WriteString(" " + e.Op + " ")
		unparse(b, e.R, p+1) // left-associative
		if p < outer {
			b.WriteByte(')')
		}
	case *Unary:
		if e.Op == "NOT" {
			b.WriteString("NOT ")
			unparse(b, e.X, 3)
		} else {
			b.WriteString(e.Op)
			unparse(b, e.X, 8)
		}
	case *Case:
		b.WriteString("CASE")
		if e.Operand != nil {
			b.WriteByte(' ')
			unparse(b, e.Operand, 0)
		}
		for _, w := range e.Whens {
			b.WriteString(" WHEN ")
			unparse(b, w.Cond, 0)
			b.WriteString(" THEN ")
			unparse(b, w.Result, 0)
		}
		if e.Else != nil {
			b.WriteString(" ELSE ")
			unparse(b, e.Else, 0)
		}
		b.WriteString(" END")
	case *Cast:
		if e.Try {
			b.WriteString("TRY_")
		}
		b.WriteString("CAST(")
		unparse(b, e.X, 0)
		b.WriteString(" AS " + FormatType(e.Type) + ")")
	case *IsNull:
		unparse(b, e.X, 5)
		if e.Not {
			b.WriteString(" IS NOT NULL")
		} else {
			b.WriteString(" IS NULL")
		}
	case *IsBool:
		unparse(b, e.X, 5)
		b.WriteString(" IS ")
		if e.Not {
			b.WriteString("NOT ")
		}
		b.WriteString(map[bool]string{true: "TRUE", false: "FALSE"}[e.Value])
	case *In:
		unparse(b, e.X, 5)
		if e.Not {
			b.WriteString(" NOT")
		}
		b.WriteString(" IN (")
		for i, x := range e.List {
			if i > 0 {
				b.WriteString(", ")
			}
			unparse(b, x, 0)
		}
		b.WriteString(")")
	case *GroupingSets:
		b.WriteString(e.Kind + " (")
		for i, set := range e.Sets {
			if i > 0 {
				b.WriteString(", ")
			}
			if len(set) == 1 {
				unparse(b, set[0], 0)
				continue
			}
			b.WriteByte('(')
			for k, x := range set {
				if k > 0 {
					b.WriteString(", ")
				}
				unparse(b, x, 0)
			}
			b.WriteByte(')')
		}
		b.WriteString(")")
	case *Between:
		unparse(b, e.X, 5)
		if e.Not {
			b.WriteString(" NOT")
		}
		b.WriteString(" BETWEEN ")
		unparse(b, e.Lo, 5)
		b.WriteString(" AND ")
		unparse(b, e.Hi, 5)
	case *Like:
		unparse(b, e.X, 5)
		if e.Not {
			b.WriteString(" NOT")
		}
		b.WriteString(" LIKE ")
		unparse(b, e.Pattern, 5)
		if e.Escape != nil {
			b.WriteString(" ESCAPE ")
			unparse(b, e.Escape, 5)
		}
	case *Subscript:
		unparse(b, e.X, 9)
		b.WriteByte('[')
		unparse(b, e.Index, 0)
		b.WriteByte(']')
	case *FieldAccess:
		unparse(b, e.X, 9)
		b.WriteString("." + Backtick(e.Field))
	case *ArrayCtor:
		b.WriteString("ARRAY[")
		for i, x := range e.Elems {
			if i > 0 {
				b.WriteString(", ")
			}
			unparse(b, x, 0)
		}
		b.WriteString("]")
	case *MapCtor:
		b.WriteString("MAP[")
		for i := range e.Keys {
			if i > 0 {
				b.WriteString(", ")
			}
			unparse(b, e.Keys[i], 0)
			b.WriteString(", ")
			unparse(b, e.Vals[i], 0)
		}
		b.WriteString("]")
	case *StructCtor:
		b.WriteString("ROW(")
		for i, x := range e.Vals {
			if i > 0 {
				b.WriteString(", ")
			}
			unparse(b, x, 0)
		}
		b.WriteString(")")
	default:
		b.WriteString(FormatExpr(e))
	}
}
