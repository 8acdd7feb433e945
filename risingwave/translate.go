package risingwave

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Translation of RisingWave's SQL (PostgreSQL's dialect) into Flink SQL,
// statement by statement. Tables become Kafka tables in JSON whose first
// TIMESTAMP column is the event-time attribute (so window TVFs apply; a
// query runs in batch mode, where the watermark holds back until the end);
// materialized views become views, read by bounded queries; SQL functions
// (CREATE FUNCTION ... LANGUAGE SQL AS $$SELECT expr$$) are expanded where
// they are called. PostgreSQL's functions map to Flink's:
//
//	TUMBLE(t, c, size) / HOP(t, c, hop, size)   TABLE(TUMBLE(TABLE t, DESCRIPTOR(c), ...))
//	to_char(ts, 'YYYY-MM-DD HH:MI')             DATE_FORMAT(ts, 'yyyy-MM-dd hh:mm')
//	(regexp_match(s, p))[n]                     REGEXP_EXTRACT(s, p, n)
//	split_part(s, d, n)                         SPLIT_INDEX(s, d, n - 1)
//	length(s)                                   CHAR_LENGTH(s)
//	avg(x)                                      AVG(CAST(x AS DOUBLE)) (PostgreSQL's avg of integers is not an integer)
//	"name"                                      `name`

// sqlFunc is a SQL function: its parameters and the expression of its body.
type sqlFunc struct {
	params []string
	body   string
}

// translator keeps what earlier statements declared (SQL functions).
type translator struct {
	funcs map[string]sqlFunc
}

var (
	reCreateMV   = regexp.MustCompile(`(?is)^\s*CREATE\s+MATERIALIZED\s+VIEW\b`)
	reDropMV     = regexp.MustCompile(`(?is)^\s*DROP\s+MATERIALIZED\s+VIEW\b`)
	reCreateTab  = regexp.MustCompile(`(?is)^\s*CREATE\s+TABLE\s+("?\w+"?)\s*\((.*)\)\s*$`)
	reCreateFunc = regexp.MustCompile(`(?is)^\s*CREATE\s+FUNCTION\s+(\w+)\s*\(([^)]*)\)\s*RETURNS\s+\w+\s+LANGUAGE\s+SQL\s+AS\s+\$\$\s*SELECT\s+(.*?)\s*\$\$\s*$`)
	reInsert     = regexp.MustCompile(`(?is)^\s*INSERT\s+INTO\b`)
	reTSLiteral  = regexp.MustCompile(`'(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)'`)
	rePrimaryKey = regexp.MustCompile(`(?is),\s*PRIMARY\s+KEY\s*\([^)]*\)`)
	reTimestamp  = regexp.MustCompile(`(?i)\bTIMESTAMP\b(\s*\()?`)
	reWord       = regexp.MustCompile(`\w+`)
)

// statement translates one statement. A CREATE FUNCTION is remembered and
// gives "" (nothing to run).
func (t *translator) statement(stmt string) (string, error) {
	s := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(stmt), ";"))
	if m := reCreateFunc.FindStringSubmatch(s); m != nil {
		var params []string
		for _, p := range strings.Split(m[2], ",") {
			if f := strings.Fields(p); len(f) > 0 {
				params = append(params, f[0])
			}
		}
		if t.funcs == nil {
			t.funcs = map[string]sqlFunc{}
		}
		t.funcs[strings.ToLower(m[1])] = sqlFunc{params: params, body: m[3]}
		return "", nil
	}
	s = quoteIdents(s)
	if m := reCreateTab.FindStringSubmatch(s); m != nil {
		return createTable(strings.Trim(m[1], "`"), m[2]), nil
	}
	if reInsert.MatchString(s) {
		return reTSLiteral.ReplaceAllString(s, "TIMESTAMP '$1'"), nil
	}
	s = reCreateMV.ReplaceAllString(s, "CREATE VIEW")
	s = reDropMV.ReplaceAllString(s, "DROP VIEW")
	return t.query(s)
}

// createTable is a Kafka table on a topic named after it.
func createTable(name, body string) string {
	body = rePrimaryKey.ReplaceAllString(body, "")
	wm := ""
	body = reTimestamp.ReplaceAllStringFunc(body, func(m string) string {
		if strings.HasSuffix(strings.TrimSpace(m), "(") {
			return m // TIMESTAMP(n) as written
		}
		return "TIMESTAMP(3)"
	})
	for _, col := range splitTop(body, ',') {
		f := strings.Fields(col)
		if len(f) >= 2 && strings.HasPrefix(strings.ToUpper(f[1]), "TIMESTAMP") {
			wm = f[0]
			break
		}
	}
	if wm != "" {
		body += ",\n    WATERMARK FOR " + wm + " AS " + wm
	}
	return fmt.Sprintf("CREATE TABLE %s (%s\n) WITH ('connector' = 'kafka', 'topic' = '%s', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset')",
		"`"+name+"`", body, name)
}

// quoteIdents turns "identifiers" into `identifiers` outside string
// literals.
func quoteIdents(s string) string {
	var b strings.Builder
	inStr := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\'':
			inStr = !inStr
			b.WriteByte(c)
		case c == '"' && !inStr:
			b.WriteByte('`')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// query rewrites the functions of a query (or a view's body).
func (t *translator) query(s string) (string, error) {
	var err error
	for name, f := range t.funcs {
		if s, err = rewriteCalls(s, name, func(args []string) (string, error) {
			if len(args) != len(f.params) {
				return "", fmt.Errorf("%s takes %d arguments, not %d", name, len(f.params), len(args))
			}
			body := f.body
			for i, p := range f.params {
				body = replaceWord(body, p, "("+args[i]+")")
			}
			return "(" + body + ")", nil
		}); err != nil {
			return "", err
		}
	}
	// (regexp_match(s, p))[n] and regexp_match(s, p)[n]
	for _, name := range []string{"(regexp_match", "regexp_match"} {
		s, err = rewriteCalls(s, name, nil)
		if err != nil {
			return "", err
		}
	}
	rules := []struct {
		name string
		fn   func(args []string) (string, error)
	}{
		{"tumble", windowTVF("TUMBLE")},
		{"hop", windowTVF("HOP")},
		{"to_char", func(a []string) (string, error) {
			if len(a) != 2 {
				return "", fmt.Errorf("to_char takes 2 arguments")
			}
			f, err := javaPattern(a[1])
			return "DATE_FORMAT(" + a[0] + ", " + f + ")", err
		}},
		{"split_part", func(a []string) (string, error) {
			if len(a) != 3 {
				return "", fmt.Errorf("split_part takes 3 arguments")
			}
			n, err := strconv.Atoi(strings.TrimSpace(a[2]))
			if err != nil {
				return "SPLIT_INDEX(" + a[0] + ", " + a[1] + ", (" + a[2] + ") - 1)", nil
			}
			return fmt.Sprintf("SPLIT_INDEX(%s, %s, %d)", a[0], a[1], n-1), nil
		}},
		{"length", func(a []string) (string, error) { return "CHAR_LENGTH(" + strings.Join(a, ", ") + ")", nil }},
		{"avg", func(a []string) (string, error) {
			if len(a) != 1 {
				return "", fmt.Errorf("avg takes 1 argument")
			}
			return "AVG(CAST(" + a[0] + " AS DOUBLE))", nil
		}},
	}
	for _, r := range rules {
		if s, err = rewriteCalls(s, r.name, r.fn); err != nil {
			return "", err
		}
	}
	return s, nil
}

// windowTVF rewrites RisingWave's TUMBLE(t, col, ...) in FROM into Flink's
// window TVF.
func windowTVF(kind string) func(args []string) (string, error) {
	return func(a []string) (string, error) {
		if len(a) < 3 {
			return "", fmt.Errorf("%s(table, column, ...) needs 3 arguments or more", kind)
		}
		return fmt.Sprintf("TABLE(%s(TABLE %s, DESCRIPTOR(%s), %s))", kind, strings.TrimSpace(a[0]), strings.TrimSpace(a[1]),
			strings.Join(a[2:], ", ")), nil
	}
}

// javaPattern turns a to_char pattern (a quoted literal) into a Java one.
// As in PostgreSQL, the patterns are read case-insensitively and HH is the
// hour of a 12-hour clock (so HH:mm is the hour and the month).
func javaPattern(lit string) (string, error) {
	lit = strings.TrimSpace(lit)
	if len(lit) < 2 || lit[0] != '\'' || lit[len(lit)-1] != '\'' {
		return "", fmt.Errorf("to_char needs a literal pattern, not %s", lit)
	}
	p := lit[1 : len(lit)-1]
	var out strings.Builder
	tokens := []struct{ pg, java string }{
		{"YYYY", "yyyy"}, {"HH24", "HH"}, {"HH12", "hh"}, {"HH", "hh"}, {"MI", "mm"}, {"SS", "ss"},
		{"MS", "SSS"}, {"MM", "MM"}, {"DD", "dd"}, {"YY", "yy"},
	}
next:
	for i := 0; i < len(p); {
		for _, tk := range tokens {
			if len(p)-i >= len(tk.pg) && strings.EqualFold(p[i:i+len(tk.pg)], tk.pg) {
				out.WriteString(tk.java)
				i += len(tk.pg)
				continue next
			}
		}
		c := p[i]
		if (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') {
			out.WriteString("''" + string(c) + "''") // a letter with no meaning: quoted
		} else {
			out.WriteByte(c)
		}
		i++
	}
	return "'" + out.String() + "'", nil
}

// rewriteCalls replaces every call name(args) (case-insensitive, outside
// string literals) by fn(args). With a nil fn it rewrites
// regexp_match(s, p)[n] (name "regexp_match", or "(regexp_match" for the
// parenthesized form) into REGEXP_EXTRACT(s, p, n).
func rewriteCalls(s, name string, fn func(args []string) (string, error)) (string, error) {
	var out strings.Builder
	lower := strings.ToLower(s)
	i := 0
	for {
		j := indexCall(lower, s, name, i)
		if j < 0 {
			out.WriteString(s[i:])
			return out.String(), nil
		}
		open := j + len(name)
		for open < len(s) && s[open] == ' ' {
			open++
		}
		if open >= len(s) || s[open] != '(' {
			out.WriteString(s[i : j+len(name)])
			i = j + len(name)
			continue
		}
		close := matchParen(s, open)
		if close < 0 {
			return "", fmt.Errorf("unbalanced parentheses after %s", name)
		}
		args := splitTop(s[open+1:close], ',')
		end := close + 1
		var repl string
		if fn != nil {
			r, err := fn(args)
			if err != nil {
				return "", err
			}
			repl = r
		} else {
			paren := strings.HasPrefix(name, "(")
			if paren {
				if end >= len(s) || s[end] != ')' {
					out.WriteString(s[i : j+len(name)])
					i = j + len(name)
					continue
				}
				end++
			}
			m := regexp.MustCompile(`^\s*\[\s*(\d+)\s*\]`).FindStringSubmatch(s[end:])
			if m == nil || len(args) != 2 {
				return "", fmt.Errorf("regexp_match is supported with an index: (regexp_match(s, p))[n]")
			}
			end += len(m[0])
			repl = fmt.Sprintf("REGEXP_EXTRACT(%s, %s, %s)", strings.TrimSpace(args[0]), strings.TrimSpace(args[1]), m[1])
		}
		out.WriteString(s[i:j])
		out.WriteString(repl)
		i = end
	}
}

// indexCall finds name at or after from, as a whole word outside string
// literals and not already a Flink window TVF (TABLE(TUMBLE(TABLE ...).
func indexCall(lower, s, name string, from int) int {
	for k := from; ; {
		j := strings.Index(lower[k:], name)
		if j < 0 {
			return -1
		}
		j += k
		k = j + len(name)
		if inString(s, j) {
			continue
		}
		start := j
		if name[0] == '(' {
			start++
		}
		if start > 0 && isWordByte(s[start-1]) {
			continue
		}
		if end := j + len(name); end < len(s) && isWordByte(s[end]) {
			continue
		}
		if (name == "tumble" || name == "hop") && strings.HasSuffix(strings.ToUpper(strings.TrimRight(s[:j], " ")), "TABLE(") {
			continue
		}
		return j
	}
}

func isWordByte(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// inString reports whether position i of s is inside a string literal.
func inString(s string, i int) bool {
	return strings.Count(s[:i], "'")%2 == 1
}

// matchParen returns the index of the parenthesis closing the one at open.
func matchParen(s string, open int) int {
	depth, inStr := 0, false
	for i := open; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			inStr = !inStr
		case inStr:
		case c == '(':
			depth++
		case c == ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// splitTop splits s at sep outside parentheses and string literals.
func splitTop(s string, sep byte) []string {
	var out []string
	depth, inStr, last := 0, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			inStr = !inStr
		case inStr:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == sep && depth == 0:
			out = append(out, strings.TrimSpace(s[last:i]))
			last = i + 1
		}
	}
	return append(out, strings.TrimSpace(s[last:]))
}

// replaceWord replaces whole-word occurrences of w (case-insensitive)
// outside string literals.
func replaceWord(s, w, repl string) string {
	var out strings.Builder
	last := 0
	for _, m := range reWord.FindAllStringIndex(s, -1) {
		if strings.EqualFold(s[m[0]:m[1]], w) && !inString(s, m[0]) {
			out.WriteString(s[last:m[0]])
			out.WriteString(repl)
			last = m[1]
		}
	}
	out.WriteString(s[last:])
	return out.String()
}
