package sql

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/tumble/tumble/internal/suites"
)

func TestSplit(t *testing.T) {
	type st struct {
		text       string
		line, col  int
		wantOffset int
	}
	for _, tc := range []struct {
		name  string
		in    string
		stmts []st
		rest  string
	}{
		{"two statements", "SELECT 1; SELECT 2;", []st{{"SELECT 1", 1, 1, 0}, {"SELECT 2", 1, 11, 10}}, ""},
		{"semicolon in a string", "SELECT ';'; SELECT 2", []st{{"SELECT ';'", 1, 1, 0}}, " SELECT 2"},
		{"doubled quote", "SELECT 'it''s;';", []st{{"SELECT 'it''s;'", 1, 1, 0}}, ""},
		{"semicolon in comments", "SELECT 1 -- ; comment\n; /* ; */ SELECT `a;b`;",
			[]st{{"SELECT 1", 1, 1, 0}, {"SELECT `a;b`", 2, 11, 32}}, ""},
		{"semicolon in double quotes", `SELECT "a;b" FROM t;`, []st{{`SELECT "a;b" FROM t`, 1, 1, 0}}, ""},
		{"leading comment skipped", "/* ; */ SELECT 1;", []st{{"SELECT 1", 1, 9, 8}}, ""},
		{"empty statements dropped", ";;  ;\n;", nil, ""},
		{"only a comment", "-- nothing here", nil, ""},
		{"trailing comment after last", "SELECT 1; -- done", []st{{"SELECT 1", 1, 1, 0}}, ""},
		{"unterminated string", "SELECT 'abc;", nil, "SELECT 'abc;"},
		{"unterminated comment", "SELECT 1; /* open", []st{{"SELECT 1", 1, 1, 0}}, " /* open"},
		{"unterminated identifier", "SELECT 1;\nSELECT `a;", []st{{"SELECT 1", 1, 1, 0}}, "\nSELECT `a;"},
		{"unfinished statement", "SELECT 1;\nSELECT a\nFROM t", []st{{"SELECT 1", 1, 1, 0}}, "\nSELECT a\nFROM t"},
		{"multi-line positions", "SELECT 1;\n\n  SELECT\n  2 ;", []st{{"SELECT 1", 1, 1, 0}, {"SELECT\n  2", 3, 3, 13}}, ""},
		{"columns count characters", "SELECT 'é';SELECT 2;", []st{{"SELECT 'é'", 1, 1, 0}, {"SELECT 2", 1, 12, 12}}, ""},
		{"a trailing hint belongs to the statement", "SELECT * FROM t /*+ OPTIONS('a' = ';') */ -- x\n;",
			[]st{{"SELECT * FROM t /*+ OPTIONS('a' = ';') */", 1, 1, 0}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stmts, rest := Split(tc.in)
			if rest != tc.rest {
				t.Errorf("rest = %q, want %q", rest, tc.rest)
			}
			if len(stmts) != len(tc.stmts) {
				t.Fatalf("got %d statements %+v, want %d", len(stmts), stmts, len(tc.stmts))
			}
			for i, s := range stmts {
				w := tc.stmts[i]
				if s.Text != w.text || s.Start.Line != w.line || s.Start.Col != w.col || s.Start.Offset != w.wantOffset {
					t.Errorf("statement %d = %q at %d:%d (offset %d), want %q at %d:%d (offset %d)",
						i, s.Text, s.Start.Line, s.Start.Col, s.Start.Offset, w.text, w.line, w.col, w.wantOffset)
				}
			}
		})
	}
}

func TestErrorPositions(t *testing.T) {
	for _, tc := range []struct {
		name      string
		in        string
		d         Dialect
		line, col int
		near      string
	}{
		{"misspelt keyword on line 3 column 8", "CREATE TABLE t (a INT) WITH ('connector' = 'print');\nINSERT INTO t SELECT a\nFROM s WEHRE a > 1;", Flink, 3, 8, "WEHRE"},
		{"third statement", "SELECT 1;\nSELECT 2;\n  SELECT a FROM t GROUP BI a;", Flink, 3, 25, "BI"},
		{"error inside a rewritten window TVF", "SELECT *\nFROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '3' SECONDS))\nWHERE a = = 1", Flink, 3, 11, "="},
		{"error after an interval placeholder", "SELECT a - INTERVAL '1' DAY b c FROM t", Flink, 1, 31, "c"},
		{"error in a computed column", "CREATE TABLE t (\n  a INT,\n  b AS a +,\n  c INT)", Flink, 3, 11, ","},
		{"error in a watermark", "CREATE TABLE t (\n  ts TIMESTAMP(3),\n  WATERMARK FOR ts AS ts - INTERVAL '5' SECONDZ\n)", Flink, 3, 41, "SECONDZ"},
		{"error after a ksql window clause", "SELECT k, COUNT(*)\nFROM s WINDOW TUMBLING (SIZE 1 SECOND)\nWHERE k = 'a' GROUP BY\nEMIT CHANGES;", KSQL, 4, 1, "EMIT"},
		{"error in a ksql struct access", "SELECT a->b c d FROM s;", KSQL, 1, 15, "d"},
		{"error with multibyte text before", "SELECT 'ü', 'ö', x FORM t", Flink, 1, 20, "FORM"},
		{"error in a VALUES row", "INSERT INTO t VALUES (1, 2),\n  (3, 4 5)", Flink, 2, 9, "5"},
		{"error in PARTITION BY", "SELECT * FROM s PARTITION BY a b c EMIT CHANGES;", KSQL, 1, 34, "c"},
		{"error in a subquery", "SELECT * FROM (\n  SELECT a b c FROM t\n) x", Flink, 2, 14, "c"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseText(tc.in, tc.d)
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want an *Error", err)
			}
			if se.Pos.Line != tc.line || se.Pos.Col != tc.col || se.Near != tc.near {
				t.Errorf("got %v, want line %d, column %d near %q", err, tc.line, tc.col, tc.near)
			}
			checkPos(t, tc.in, se.Pos)
		})
	}
}

// checkPos verifies that a Pos's line and column agree with its offset.
func checkPos(t *testing.T, text string, p Pos) {
	t.Helper()
	if p.Offset < 0 || p.Offset > len(text) {
		t.Fatalf("offset %d outside the text (%d bytes)", p.Offset, len(text))
	}
	before := text[:p.Offset]
	line := strings.Count(before, "\n") + 1
	col := utf8.RuneCountInString(before[strings.LastIndex(before, "\n")+1:]) + 1
	if p.Line != line || p.Col != col {
		t.Fatalf("pos %d:%d does not match offset %d (%d:%d)", p.Line, p.Col, p.Offset, line, col)
	}
}

// walkExprs calls f for every expression of a statement.
func walkExprs(s Statement, f func(Expr)) {
	var expr func(Expr)
	var sel func(*Select)
	var from func(From)
	exprs := func(es []Expr) {
		for _, e := range es {
			expr(e)
		}
	}
	expr = func(e Expr) {
		if e == nil {
			return
		}
		f(e)
		switch e := e.(type) {
		case *Call:
			exprs(e.Args)
			expr(e.Filter)
			if e.Over != nil {
				exprs(e.Over.PartitionBy)
				for _, o := range e.Over.OrderBy {
					expr(o.Expr)
				}
			}
		case *Binary:
			expr(e.L)
			expr(e.R)
		case *Unary:
			expr(e.X)
		case *Case:
			expr(e.Operand)
			for _, w := range e.Whens {
				expr(w.Cond)
				expr(w.Result)
			}
			expr(e.Else)
		case *Cast:
			expr(e.X)
		case *IsNull:
			expr(e.X)
		case *IsBool:
			expr(e.X)
		case *In:
			expr(e.X)
			exprs(e.List)
		case *Between:
			expr(e.X)
			expr(e.Lo)
			expr(e.Hi)
		case *Like:
			expr(e.X)
			expr(e.Pattern)
		case *Subscript:
			expr(e.X)
			expr(e.Index)
		case *FieldAccess:
			expr(e.X)
		case *ArrayCtor:
			exprs(e.Elems)
		case *MapCtor:
			exprs(e.Keys)
			exprs(e.Vals)
		case *StructCtor:
			exprs(e.Vals)
		}
	}
	from = func(fr From) {
		switch fr := fr.(type) {
		case *TableRef:
			expr(fr.ForSystemTime)
		case *WindowTVF:
			from(fr.Input)
			exprs(fr.Args)
		case *Subquery:
			sel(fr.Query)
		case *Values:
			for _, row := range fr.Rows {
				exprs(row)
			}
		case *Join:
			from(fr.Left)
			from(fr.Right)
			expr(fr.On)
		}
	}
	sel = func(s *Select) {
		if s == nil {
			return
		}
		for _, it := range s.Items {
			expr(it.Expr)
		}
		from(s.From)
		expr(s.Where)
		exprs(s.GroupBy)
		expr(s.Having)
		exprs(s.PartitionBy)
		for _, o := range s.OrderBy {
			expr(o.Expr)
		}
		expr(s.Limit)
		for _, u := range s.UnionAll {
			sel(u)
		}
	}
	switch s := s.(type) {
	case *CreateTable:
		for _, c := range s.Columns {
			expr(c.Expr)
		}
		if s.Watermark != nil {
			expr(s.Watermark.Expr)
		}
	case *CreateAs:
		sel(s.Query)
	case *CreateView:
		sel(s.Query)
	case *Insert:
		sel(s.Query)
		for _, row := range s.Values {
			exprs(row)
		}
	case *Query:
		sel(s.Select)
	case *Explain:
		if s.Stmt != nil {
			walkExprs(s.Stmt, f)
		}
	}
}

// TestExprPositions checks, for every expression parsed from the golden
// inputs and the suites, that its position is consistent and points at
// the text the expression starts with.
func TestExprPositions(t *testing.T) {
	inputs := map[string]Dialect{"testdata/flink.sql": Flink, "testdata/ksql.sql": KSQL}
	if dir, err := suites.Path("suites/nexmark"); err == nil {
		m, _ := filepath.Glob(filepath.Join(dir, "q*.sql"))
		for _, f := range m {
			inputs[f] = Flink
		}
	} else {
		t.Logf("SKIP the Nexmark queries: %v", err)
	}
	checked := 0
	for file, d := range inputs {
		b, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		text := string(b)
		stmts, err := parseText(text, d)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, s := range stmts {
			start, src := s.Span()
			checkPos(t, text, start)
			if !strings.HasPrefix(text[start.Offset:], src) {
				t.Errorf("%s: statement text %q is not at %v", file, src, start)
			}
			walkExprs(s, func(e Expr) {
				p := e.ExprPos()
				checkPos(t, text, p)
				at := strings.ToUpper(text[p.Offset:])
				at = strings.TrimLeft(at, "`\"")
				var want string
				switch e := e.(type) {
				case *Ident:
					want = strings.ToUpper(e.Parts[0])
				case *Literal:
					switch e.Kind {
					case LitString:
						// Units (EXTRACT(HOUR ..)) and TRIM's defaults are
						// written without quotes.
						if !strings.HasPrefix(at, strings.ToUpper(e.Text)) && e.Text != " " {
							want = "'"
						}
					case LitDate:
						want = "DATE"
					case LitTime:
						want = "TIME"
					case LitTimestamp:
						want = "TIMESTAMP"
					case LitBytes:
						want = "X'"
					default:
						want = strings.TrimPrefix(e.Text, "0.")
						if strings.HasPrefix(e.Text, "0.") && !strings.HasPrefix(at, "0") {
							want = "." + want
						} else {
							want = e.Text
						}
					}
				case *Interval:
					want = "INTERVAL"
				case *Call:
					want = e.Name
					if e.Name == "EXTRACT" || e.Over != nil || e.Filter != nil {
						want = e.Name
					}
				case *Cast:
					want = "CAST"
					if e.Try {
						want = "TRY_CAST"
					}
				}
				if want != "" && !strings.HasPrefix(at, strings.ToUpper(want)) {
					t.Errorf("%s: %s at %d:%d, but the text there is %q", file, FormatExpr(e), p.Line, p.Col, nearText(text[p.Offset:]))
				}
				checked++
			})
		}
	}
	if checked < 500 {
		t.Errorf("only %d expressions checked", checked)
	}
}

func TestParseExpr(t *testing.T) {
	for _, tc := range []struct {
		in   string
		d    Dialect
		want string
	}{
		{"a + 1", Flink, "(+ a 1)"},
		{"CAST(x AS STRING)", Flink, "(cast x STRING)"},
		{"ts - INTERVAL '5' SECOND", Flink, "(- ts (interval '5' SECOND))"},
		{"col->f['k']", KSQL, "(index (-> COL F) 'k')"},
		{"`weird name` || 'x'", Flink, "(|| `weird name` 'x')"},
	} {
		e, err := ParseExpr(tc.in, tc.d)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if got := FormatExpr(e); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.in, got, tc.want)
		}
	}
	for _, in := range []string{"", "a +", "a, b", "a AS b", "SELECT 1", "'open"} {
		if _, err := ParseExpr(in, Flink); err == nil {
			t.Errorf("ParseExpr(%q) did not fail", in)
		} else if _, ok := err.(*Error); !ok {
			t.Errorf("ParseExpr(%q): %T is not an *Error", in, err)
		}
	}
}

func TestDetectDialect(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Dialect
	}{
		{"CREATE STREAM s (a INT) WITH (kafka_topic='s', value_format='json');", KSQL},
		{"CREATE OR REPLACE STREAM s AS SELECT * FROM t;", KSQL},
		{"CREATE TABLE t (a INT) WITH (KAFKA_TOPIC='t', FORMAT='JSON');", KSQL},
		{"SELECT * FROM s EMIT CHANGES;", KSQL},
		{"SELECT k, COUNT(*) FROM s WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY k;", KSQL},
		{"PRINT 'topic' FROM BEGINNING;", KSQL},
		{"TERMINATE ALL;", KSQL},
		{"SHOW STREAMS;", KSQL},
		{"LIST TOPICS;", KSQL},
		{"CREATE SOURCE TABLE t (id INT PRIMARY KEY) WITH (format='json');", KSQL},
		{"SELECT a->b FROM s;", KSQL},
		{"CREATE TABLE t (a INT) WITH ('connector' = 'kafka', 'topic' = 'x');", Flink},
		{"SELECT * FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '3' SECONDS));", Flink},
		{"SHOW TABLES;", Flink},
		{"SELECT 'EMIT CHANGES' FROM t; -- CREATE STREAM", Flink},
		{"", Flink},
	} {
		if got := DetectDialect(tc.in); got != tc.want {
			t.Errorf("DetectDialect(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestParseReturnsEarlierStatements(t *testing.T) {
	stmts, err := Parse("SELECT 1; SELECT 2; SELEC 3; SELECT 4", Flink)
	if err == nil || len(stmts) != 2 {
		t.Fatalf("got %d statements, err %v; want 2 and an error", len(stmts), err)
	}
}

// TestReservedWordsAsColumns checks that words tidb reserves still work as
// column names and aliases, quoted or not.
func TestReservedWordsAsColumns(t *testing.T) {
	words := []string{"xor", "status", "value", "timestamp", "date", "time", "user", "key", "window_start",
		"rows", "range", "year", "partition", "offset", "window", "current", "row", "left", "right",
		"interval_x", "index", "use", "mod", "div", "regexp", "match", "read", "table_x", "system_time",
		"start", "end", "count", "sum", "first_value", "rank", "values_x", "function", "type"}
	for _, d := range []Dialect{Flink, KSQL} {
		for _, w := range words {
			q := "SELECT " + w + ", t." + w + ", " + w + " + 1 AS " + w + " FROM t WHERE " + w + " = 1 GROUP BY " + w
			stmts, err := parseText(q, d)
			if err != nil {
				t.Errorf("%v: %s: %v", d, q, err)
				continue
			}
			sel := stmts[0].(*Query).Select
			id, ok := sel.Items[0].Expr.(*Ident)
			if !ok || !strings.EqualFold(id.Parts[0], w) || !strings.EqualFold(sel.Items[2].Alias, w) {
				t.Errorf("%v: %s gave %s", d, q, Format(stmts[0]))
			}
		}
	}
}

func TestNodePositions(t *testing.T) {
	text := "SELECT 1;\nINSERT INTO out\nSELECT window_start,\n       COUNT(*) AS c\nFROM TABLE(\n  TUMBLE(TABLE src, DESCRIPTOR(ts), INTERVAL '3' SECONDS)) w\nWHERE x = 1"
	stmts, err := Parse(text, Flink)
	if err != nil {
		t.Fatal(err)
	}
	ins := stmts[1].(*Insert)
	sel := ins.Query
	w := sel.From.(*WindowTVF)
	for _, c := range []struct {
		what      string
		got       Pos
		line, col int
	}{
		{"statement", ins.Start, 2, 1},
		{"insert table", ins.Table.Pos, 2, 13},
		{"select", sel.Pos, 3, 1},
		{"item 0", sel.Items[0].Pos, 3, 8},
		{"item 1", sel.Items[1].Pos, 4, 8},
		{"COUNT", sel.Items[1].Expr.ExprPos(), 4, 8},
		{"window TVF", w.Pos, 5, 6},
		{"TVF input", w.Input.(*TableRef).Name.Pos, 6, 16},
		{"descriptor", w.DescPos, 6, 32},
		{"size", w.Args[0].ExprPos(), 6, 37},
		{"where", sel.Where.ExprPos(), 7, 7},
		{"where right", sel.Where.(*Binary).R.ExprPos(), 7, 11},
	} {
		if c.got.Line != c.line || c.got.Col != c.col {
			t.Errorf("%s at %d:%d, want %d:%d", c.what, c.got.Line, c.got.Col, c.line, c.col)
		}
		checkPos(t, text, c.got)
	}
	if _, txt := ins.Span(); !strings.HasPrefix(txt, "INSERT INTO out") || strings.HasSuffix(txt, ";") {
		t.Errorf("statement text %q", txt)
	}
}

// TestConcurrentParse runs parses in parallel (go test -race).
func TestConcurrentParse(t *testing.T) {
	b, err := os.ReadFile("testdata/flink.sql")
	if err != nil {
		t.Fatal(err)
	}
	want := dumpStatements(string(b), Flink)
	done := make(chan string)
	for k := 0; k < 4; k++ {
		go func() { done <- dumpStatements(string(b), Flink) }()
	}
	for k := 0; k < 4; k++ {
		if got := <-done; got != want {
			t.Error("concurrent parse gave a different result")
		}
	}
}
