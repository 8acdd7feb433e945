package plan

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/tumble/tumble/spark/connect/pb"
)

// ParseExpr parses a Spark SQL expression (selectExpr, filter("..."),
// expr("...")) into the protocol's expression messages, so that text and
// DataFrame calls are translated by one path. An AS alias at the top is
// kept as an Alias.
func ParseExpr(text string) (*pb.Expression, error) {
	p := &parser{text: text}
	if err := p.lex(); err != nil {
		return nil, err
	}
	e, err := p.aliased()
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tEOF {
		return nil, p.errAt(p.peek())
	}
	return e, nil
}

type tokKind int

const (
	tEOF tokKind = iota
	tIdent
	tQuoted // `ident`
	tNumber
	tString
	tOp
)

type token struct {
	kind tokKind
	text string
	pos  int
}

type parser struct {
	text string
	toks []token
	i    int
}

func (p *parser) lex() error {
	s := p.text
	i := 0
	for i < len(s) {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '\'' || c == '"':
			j := i + 1
			var sb strings.Builder
			for j < len(s) && s[j] != c {
				if s[j] == '\\' && j+1 < len(s) {
					j++
					switch s[j] {
					case 'n':
						sb.WriteByte('\n')
					case 't':
						sb.WriteByte('\t')
					default:
						sb.WriteByte(s[j])
					}
					j++
					continue
				}
				sb.WriteByte(s[j])
				j++
			}
			if j >= len(s) {
				return parseErr("Syntax error at or near end of input: unclosed string literal.")
			}
			p.toks = append(p.toks, token{tString, sb.String(), i})
			i = j + 1
		case c == '`':
			j := i + 1
			var sb strings.Builder
			for j < len(s) {
				if s[j] == '`' {
					if j+1 < len(s) && s[j+1] == '`' {
						sb.WriteByte('`')
						j += 2
						continue
					}
					break
				}
				sb.WriteByte(s[j])
				j++
			}
			if j >= len(s) {
				return parseErr("Syntax error at or near end of input: unclosed quoted identifier.")
			}
			p.toks = append(p.toks, token{tQuoted, sb.String(), i})
			i = j + 1
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			j := i
			for j < len(s) && (s[j] >= '0' && s[j] <= '9' || s[j] == '.' || s[j] == 'e' || s[j] == 'E' ||
				(s[j] == '-' || s[j] == '+') && (s[j-1] == 'e' || s[j-1] == 'E')) {
				j++
			}
			for j < len(s) && strings.ContainsRune("LlSsYyDdBb", rune(s[j])) {
				j++
			}
			p.toks = append(p.toks, token{tNumber, s[i:j], i})
			i = j
		case c == '_' || unicode.IsLetter(rune(c)):
			j := i
			for j < len(s) && (s[j] == '_' || s[j] == '$' || unicode.IsLetter(rune(s[j])) || unicode.IsDigit(rune(s[j]))) {
				j++
			}
			p.toks = append(p.toks, token{tIdent, s[i:j], i})
			i = j
		default:
			for _, op := range []string{"<=>", "==", "!=", "<>", "<=", ">=", "||", "&&", "::"} {
				if strings.HasPrefix(s[i:], op) {
					p.toks = append(p.toks, token{tOp, op, i})
					i += len(op)
					goto next
				}
			}
			if strings.ContainsRune("+-*/%=<>(),.[]!~&|^:", rune(c)) {
				p.toks = append(p.toks, token{tOp, string(c), i})
				i++
				continue
			}
			return parseErr("Syntax error at or near '%c'.", c)
		next:
		}
	}
	p.toks = append(p.toks, token{kind: tEOF, pos: len(s)})
	return nil
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) next() token { t := p.toks[p.i]; p.i++; return t }

func (p *parser) isKw(t token, kw string) bool {
	return t.kind == tIdent && strings.EqualFold(t.text, kw)
}

func (p *parser) acceptKw(kw string) bool {
	if p.isKw(p.peek(), kw) {
		p.i++
		return true
	}
	return false
}

func (p *parser) acceptOp(op string) bool {
	if t := p.peek(); t.kind == tOp && t.text == op {
		p.i++
		return true
	}
	return false
}

func (p *parser) errAt(t token) error {
	if t.kind == tEOF {
		return parseErr("Syntax error at or near end of input.")
	}
	return parseErr("Syntax error at or near '%s'.", t.text)
}

func (p *parser) expectOp(op string) error {
	if !p.acceptOp(op) {
		return p.errAt(p.peek())
	}
	return nil
}

func fnCall(name string, args ...*pb.Expression) *pb.Expression {
	return &pb.Expression{ExprType: &pb.Expression_UnresolvedFunction_{UnresolvedFunction: &pb.Expression_UnresolvedFunction{FunctionName: name, Arguments: args}}}
}

func strLit(s string) *pb.Expression {
	return &pb.Expression{ExprType: &pb.Expression_Literal_{Literal: &pb.Expression_Literal{LiteralType: &pb.Expression_Literal_String_{String_: s}}}}
}

func attr(name string) *pb.Expression {
	return &pb.Expression{ExprType: &pb.Expression_UnresolvedAttribute_{UnresolvedAttribute: &pb.Expression_UnresolvedAttribute{UnparsedIdentifier: name}}}
}

func alias(e *pb.Expression, name string) *pb.Expression {
	return &pb.Expression{ExprType: &pb.Expression_Alias_{Alias: &pb.Expression_Alias{Expr: e, Name: []string{name}}}}
}

// aliased is expr [[AS] alias].
func (p *parser) aliased() (*pb.Expression, error) {
	e, err := p.expr()
	if err != nil {
		return nil, err
	}
	p.acceptKw("AS")
	if t := p.peek(); t.kind == tQuoted || t.kind == tIdent && !reserved[strings.ToUpper(t.text)] {
		p.i++
		return alias(e, t.text), nil
	}
	return e, nil
}

var reserved = map[string]bool{"FROM": true, "WHERE": true, "GROUP": true, "ORDER": true, "HAVING": true, "LIMIT": true,
	"AND": true, "OR": true, "NOT": true, "AS": true, "ON": true, "JOIN": true, "UNION": true, "BY": true, "ASC": true, "DESC": true,
	"OFFSET": true, "INNER": true, "LEFT": true, "RIGHT": true, "FULL": true, "CROSS": true, "THEN": true, "ELSE": true, "END": true, "WHEN": true}

func (p *parser) expr() (*pb.Expression, error) { return p.or() }

func (p *parser) or() (*pb.Expression, error) {
	l, err := p.and()
	for err == nil && (p.acceptKw("OR") || p.acceptOp("||") && false) {
		var r *pb.Expression
		if r, err = p.and(); err == nil {
			l = fnCall("or", l, r)
		}
	}
	return l, err
}

func (p *parser) and() (*pb.Expression, error) {
	l, err := p.not()
	for err == nil && (p.acceptKw("AND") || p.acceptOp("&&")) {
		var r *pb.Expression
		if r, err = p.not(); err == nil {
			l = fnCall("and", l, r)
		}
	}
	return l, err
}

func (p *parser) not() (*pb.Expression, error) {
	if p.acceptKw("NOT") || p.acceptOp("!") {
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return fnCall("not", x), nil
	}
	return p.predicate()
}

func (p *parser) predicate() (*pb.Expression, error) {
	l, err := p.additive()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		switch {
		case t.kind == tOp && (t.text == "=" || t.text == "==" || t.text == "!=" || t.text == "<>" || t.text == "<" || t.text == "<=" || t.text == ">" || t.text == ">=" || t.text == "<=>"):
			p.i++
			r, err := p.additive()
			if err != nil {
				return nil, err
			}
			op := t.text
			switch op {
			case "=":
				op = "=="
			case "<>":
				op = "!="
			}
			if op == "!=" {
				l = fnCall("not", fnCall("==", l, r))
			} else {
				l = fnCall(op, l, r)
			}
		case p.isKw(t, "IS"):
			p.i++
			not := p.acceptKw("NOT")
			if !p.acceptKw("NULL") {
				return nil, p.errAt(p.peek())
			}
			if not {
				l = fnCall("isnotnull", l)
			} else {
				l = fnCall("isnull", l)
			}
		default:
			not := false
			save := p.i
			if p.isKw(t, "NOT") {
				p.i++
				not = true
			}
			var x *pb.Expression
			switch {
			case p.acceptKw("IN"):
				if err := p.expectOp("("); err != nil {
					return nil, err
				}
				args := []*pb.Expression{l}
				for {
					a, err := p.expr()
					if err != nil {
						return nil, err
					}
					args = append(args, a)
					if !p.acceptOp(",") {
						break
					}
				}
				if err := p.expectOp(")"); err != nil {
					return nil, err
				}
				x = fnCall("in", args...)
			case p.acceptKw("LIKE"):
				r, err := p.additive()
				if err != nil {
					return nil, err
				}
				x = fnCall("like", l, r)
			case p.acceptKw("RLIKE") || p.acceptKw("REGEXP"):
				r, err := p.additive()
				if err != nil {
					return nil, err
				}
				x = fnCall("rlike", l, r)
			case p.acceptKw("BETWEEN"):
				lo, err := p.additive()
				if err != nil {
					return nil, err
				}
				if !p.acceptKw("AND") {
					return nil, p.errAt(p.peek())
				}
				hi, err := p.additive()
				if err != nil {
					return nil, err
				}
				x = fnCall("and", fnCall(">=", l, lo), fnCall("<=", l, hi))
			default:
				p.i = save
				return l, nil
			}
			if not {
				x = fnCall("not", x)
			}
			l = x
		}
	}
}

func (p *parser) additive() (*pb.Expression, error) {
	l, err := p.multiplicative()
	for err == nil {
		t := p.peek()
		if t.kind != tOp || (t.text != "+" && t.text != "-" && t.text != "||") {
			break
		}
		p.i++
		var r *pb.Expression
		if r, err = p.multiplicative(); err == nil {
			if t.text == "||" {
				l = fnCall("concat", l, r)
			} else {
				l = fnCall(t.text, l, r)
			}
		}
	}
	return l, err
}

func (p *parser) multiplicative() (*pb.Expression, error) {
	l, err := p.unary()
	for err == nil {
		t := p.peek()
		if !(t.kind == tOp && (t.text == "*" || t.text == "/" || t.text == "%")) && !p.isKw(t, "DIV") {
			break
		}
		p.i++
		var r *pb.Expression
		if r, err = p.unary(); err == nil {
			op := t.text
			if p.isKw(t, "DIV") {
				op = "div"
			}
			l = fnCall(op, l, r)
		}
	}
	return l, err
}

func (p *parser) unary() (*pb.Expression, error) {
	if p.acceptOp("-") {
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		if lit := x.GetLiteral(); lit != nil {
			switch v := lit.LiteralType.(type) {
			case *pb.Expression_Literal_Integer:
				v.Integer = -v.Integer
				return x, nil
			case *pb.Expression_Literal_Long:
				v.Long = -v.Long
				return x, nil
			case *pb.Expression_Literal_Double:
				v.Double = -v.Double
				return x, nil
			}
		}
		return fnCall("negative", x), nil
	}
	p.acceptOp("+")
	return p.postfix()
}

func (p *parser) postfix() (*pb.Expression, error) {
	x, err := p.primary()
	for err == nil {
		switch {
		case p.acceptOp("["):
			var k *pb.Expression
			if k, err = p.expr(); err != nil {
				return nil, err
			}
			if err = p.expectOp("]"); err != nil {
				return nil, err
			}
			x = &pb.Expression{ExprType: &pb.Expression_UnresolvedExtractValue_{UnresolvedExtractValue: &pb.Expression_UnresolvedExtractValue{Child: x, Extraction: k}}}
		case p.acceptOp("::"):
			t, terr := p.typeText()
			if terr != nil {
				return nil, terr
			}
			x = castTo(x, t)
		default:
			return x, nil
		}
	}
	return x, err
}

func castTo(x *pb.Expression, t string) *pb.Expression {
	return &pb.Expression{ExprType: &pb.Expression_Cast_{Cast: &pb.Expression_Cast{Expr: x, CastToType: &pb.Expression_Cast_TypeStr{TypeStr: t}}}}
}

// typeText collects the text of a type (int, decimal(10,2), array<string>).
func (p *parser) typeText() (string, error) {
	start := p.peek().pos
	depth := 0
	for {
		t := p.peek()
		if t.kind == tEOF {
			break
		}
		if t.kind == tOp {
			switch t.text {
			case "(", "<":
				depth++
			case ")", ">":
				if depth == 0 {
					return strings.TrimSpace(p.text[start:t.pos]), nil
				}
				depth--
			case ",":
				if depth == 0 {
					return strings.TrimSpace(p.text[start:t.pos]), nil
				}
			}
		}
		if t.kind == tIdent && depth == 0 && p.i > 0 && p.toks[p.i-1].kind == tIdent && p.toks[p.i-1].pos >= start {
			return strings.TrimSpace(p.text[start:t.pos]), nil
		}
		p.i++
	}
	return strings.TrimSpace(p.text[start:]), nil
}

func (p *parser) primary() (*pb.Expression, error) {
	t := p.next()
	switch t.kind {
	case tNumber:
		return numberLit(t.text)
	case tString:
		s := t.text
		// Adjacent string literals concatenate.
		for p.peek().kind == tString {
			s += p.next().text
		}
		return strLit(s), nil
	case tOp:
		switch t.text {
		case "(":
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			return e, p.expectOp(")")
		case "*":
			return &pb.Expression{ExprType: &pb.Expression_UnresolvedStar_{UnresolvedStar: &pb.Expression_UnresolvedStar{}}}, nil
		}
		return nil, p.errAt(t)
	case tQuoted, tIdent:
		if t.kind == tIdent {
			switch strings.ToUpper(t.text) {
			case "TRUE", "FALSE":
				return &pb.Expression{ExprType: &pb.Expression_Literal_{Literal: &pb.Expression_Literal{LiteralType: &pb.Expression_Literal_Boolean{Boolean: strings.EqualFold(t.text, "TRUE")}}}}, nil
			case "NULL":
				return &pb.Expression{ExprType: &pb.Expression_Literal_{Literal: &pb.Expression_Literal{LiteralType: &pb.Expression_Literal_Null{Null: &pb.DataType{Kind: &pb.DataType_Null{Null: &pb.DataType_NULL{}}}}}}}, nil
			case "CAST", "TRY_CAST":
				if err := p.expectOp("("); err != nil {
					return nil, err
				}
				x, err := p.expr()
				if err != nil {
					return nil, err
				}
				if !p.acceptKw("AS") {
					return nil, p.errAt(p.peek())
				}
				ty, err := p.typeText()
				if err != nil {
					return nil, err
				}
				return castTo(x, ty), p.expectOp(")")
			case "CASE":
				return p.caseExpr()
			case "INTERVAL":
				return p.interval()
			case "TIMESTAMP", "DATE", "TIMESTAMP_NTZ", "TIMESTAMP_LTZ":
				if p.peek().kind == tString {
					s := p.next().text
					ty := strings.ToLower(t.text)
					return castTo(strLit(s), ty), nil
				}
			}
		}
		parts := []string{t.text}
		quoted := []bool{t.kind == tQuoted}
		// A function call.
		if p.peek().kind == tOp && p.peek().text == "(" && t.kind == tIdent {
			p.i++
			return p.callArgs(t.text)
		}
		for p.peek().kind == tOp && p.peek().text == "." {
			p.i++
			n := p.next()
			if n.kind == tOp && n.text == "*" {
				target := joinIdent(parts, quoted) + ".*"
				return &pb.Expression{ExprType: &pb.Expression_UnresolvedStar_{UnresolvedStar: &pb.Expression_UnresolvedStar{UnparsedTarget: &target}}}, nil
			}
			if n.kind != tIdent && n.kind != tQuoted {
				return nil, p.errAt(n)
			}
			parts, quoted = append(parts, n.text), append(quoted, n.kind == tQuoted)
		}
		return attr(joinIdent(parts, quoted)), nil
	}
	return nil, p.errAt(t)
}

func joinIdent(parts []string, quoted []bool) string {
	out := make([]string, len(parts))
	for i, s := range parts {
		if quoted[i] || strings.ContainsAny(s, ".`") {
			out[i] = quoteIdent(s)
		} else {
			out[i] = s
		}
	}
	return strings.Join(out, ".")
}

func (p *parser) callArgs(name string) (*pb.Expression, error) {
	f := &pb.Expression_UnresolvedFunction{FunctionName: strings.ToLower(name)}
	if p.acceptKw("DISTINCT") {
		f.IsDistinct = true
	}
	if !p.acceptOp(")") {
		for {
			a, err := p.expr()
			if err != nil {
				return nil, err
			}
			f.Arguments = append(f.Arguments, a)
			if !p.acceptOp(",") {
				break
			}
		}
		if err := p.expectOp(")"); err != nil {
			return nil, err
		}
	}
	return &pb.Expression{ExprType: &pb.Expression_UnresolvedFunction_{UnresolvedFunction: f}}, nil
}

func (p *parser) caseExpr() (*pb.Expression, error) {
	var subject *pb.Expression
	var err error
	if !p.isKw(p.peek(), "WHEN") {
		if subject, err = p.expr(); err != nil {
			return nil, err
		}
	}
	var args []*pb.Expression
	for p.acceptKw("WHEN") {
		c, err := p.expr()
		if err != nil {
			return nil, err
		}
		if subject != nil {
			c = fnCall("==", subject, c)
		}
		if !p.acceptKw("THEN") {
			return nil, p.errAt(p.peek())
		}
		r, err := p.expr()
		if err != nil {
			return nil, err
		}
		args = append(args, c, r)
	}
	if len(args) == 0 {
		return nil, p.errAt(p.peek())
	}
	if p.acceptKw("ELSE") {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		args = append(args, e)
	}
	if !p.acceptKw("END") {
		return nil, p.errAt(p.peek())
	}
	return fnCall("when", args...), nil
}

// interval reads INTERVAL '3' SECOND and INTERVAL 3 SECONDS as a
// day-time interval literal.
func (p *parser) interval() (*pb.Expression, error) {
	var text string
	for {
		t := p.peek()
		if t.kind == tString || t.kind == tNumber || t.kind == tIdent && !reserved[strings.ToUpper(t.text)] {
			p.i++
			text += " " + t.text
			continue
		}
		break
	}
	us, err := parseDuration(text)
	if err != nil {
		return nil, err
	}
	return &pb.Expression{ExprType: &pb.Expression_Literal_{Literal: &pb.Expression_Literal{LiteralType: &pb.Expression_Literal_DayTimeInterval{DayTimeInterval: us}}}}, nil
}

func numberLit(s string) (*pb.Expression, error) {
	lit := &pb.Expression_Literal{}
	up := strings.ToUpper(s)
	switch {
	case strings.HasSuffix(up, "L"):
		v, err := strconv.ParseInt(s[:len(s)-1], 10, 64)
		if err != nil {
			return nil, parseErr("Invalid numeric literal %s.", s)
		}
		lit.LiteralType = &pb.Expression_Literal_Long{Long: v}
	case strings.HasSuffix(up, "BD"):
		lit.LiteralType = &pb.Expression_Literal_Decimal_{Decimal: &pb.Expression_Literal_Decimal{Value: s[:len(s)-2]}}
	case strings.HasSuffix(up, "D"):
		v, err := strconv.ParseFloat(s[:len(s)-1], 64)
		if err != nil {
			return nil, parseErr("Invalid numeric literal %s.", s)
		}
		lit.LiteralType = &pb.Expression_Literal_Double{Double: v}
	case strings.ContainsAny(up, "E"):
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, parseErr("Invalid numeric literal %s.", s)
		}
		lit.LiteralType = &pb.Expression_Literal_Double{Double: v}
	case strings.Contains(s, "."):
		lit.LiteralType = &pb.Expression_Literal_Decimal_{Decimal: &pb.Expression_Literal_Decimal{Value: s}}
	default:
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			lit.LiteralType = &pb.Expression_Literal_Decimal_{Decimal: &pb.Expression_Literal_Decimal{Value: s}}
		} else if v >= -1<<31 && v < 1<<31 {
			lit.LiteralType = &pb.Expression_Literal_Integer{Integer: int32(v)}
		} else {
			lit.LiteralType = &pb.Expression_Literal_Long{Long: v}
		}
	}
	return &pb.Expression{ExprType: &pb.Expression_Literal_{Literal: lit}}, nil
}
