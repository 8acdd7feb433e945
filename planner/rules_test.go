package planner_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tumble/tumble/connectors/all"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/sql"
)

// The rule tests are data: testdata/rules/*.txt hold blocks of
//
//	<command> [args]
//	<input>
//	----
//	<expected output>
//
// separated by blank lines ('#' lines between blocks are comments).
// Commands:
//
//	exec                run the input's CREATE TABLE and CREATE VIEW
//	                    statements; prints "ok" or the error
//	rule NAME[,NAME] [after PREP[,PREP]]
//	                    bind the input SELECT (and rewrite it with the PREP
//	                    rules, which the named ones expect to have run),
//	                    print that plan ("in:"), apply only the named rules
//	                    bottom-up and print the plan they give ("out:"), or
//	                    "out: unchanged"
//	optimize            the same with every rule, in the planner's order
//
// go test ./planner -run TestRules -update rewrites the expected outputs;
// read the diff.

type ruleBlock struct {
	cmd, input, want string
	wantFrom, wantTo int // lines of the expected output, for -update
}

func parseRuleFile(text string) ([]ruleBlock, error) {
	lines := strings.Split(text, "\n")
	var out []ruleBlock
	for i := 0; i < len(lines); {
		l := strings.TrimSpace(lines[i])
		if l == "" || strings.HasPrefix(l, "#") {
			i++
			continue
		}
		b := ruleBlock{cmd: l}
		i++
		var in []string
		for ; i < len(lines) && lines[i] != "----"; i++ {
			in = append(in, lines[i])
		}
		if i == len(lines) {
			return nil, fmt.Errorf("line %d: %q has no ---- line", i, b.cmd)
		}
		i++
		b.wantFrom = i
		var want []string
		for ; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
			want = append(want, lines[i])
		}
		b.wantTo = i
		b.input, b.want = strings.Join(in, "\n"), strings.Join(want, "\n")
		out = append(out, b)
	}
	return out, nil
}

// newRulePlanner is a Flink planner over an empty catalog.
func newRulePlanner() *planner.Planner {
	reg := engine.NewRegistry()
	all.Register(reg, io.Discard)
	return &planner.Planner{Catalog: planner.NewCatalog(), Registry: reg, Dialect: planner.DialectOf(sql.Flink),
		Syntax: sql.Flink, Settings: map[string]string{}}
}

func runRuleBlock(s *planner.Planner, b ruleBlock) string {
	cmd, arg, _ := strings.Cut(b.cmd, " ")
	switch cmd {
	case "exec":
		stmts, err := sql.Parse(b.input, sql.Flink)
		if err != nil {
			return "error: " + err.Error()
		}
		for _, st := range stmts {
			switch n := st.(type) {
			case *sql.CreateTable:
				_, err = s.CreateTable(n)
			case *sql.CreateView:
				_, err = s.CreateView(n)
			default:
				err = fmt.Errorf("exec runs CREATE TABLE and CREATE VIEW, not %T", st)
			}
			if err != nil {
				return "error: " + err.Error()
			}
		}
		return "ok"
	case "rule", "optimize":
		names := planner.RuleNames()
		var prep []string
		if cmd == "rule" {
			ruleArg, prepArg, hasPrep := strings.Cut(strings.TrimSpace(arg), " after ")
			names = strings.Split(ruleArg, ",")
			if hasPrep {
				prep = strings.Split(prepArg, ",")
			}
		}
		stmts, err := sql.Parse(b.input, sql.Flink)
		if err != nil {
			return "error: " + err.Error()
		}
		q, ok := stmts[0].(*sql.Query)
		if !ok || len(stmts) != 1 {
			return "error: the input is not one SELECT"
		}
		in, err := s.BoundPlan(q.Select)
		if err != nil {
			return "error: " + err.Error()
		}
		if len(prep) > 0 {
			if in, err = planner.ApplyRules(in, prep); err != nil {
				return "error: " + err.Error()
			}
		}
		got, err := planner.ApplyRules(in, names)
		if err != nil {
			return "error: " + err.Error()
		}
		before, after := strings.TrimSpace(planner.Explain(in)), strings.TrimSpace(planner.Explain(got))
		if before == after {
			return "in:\n" + before + "\nout: unchanged"
		}
		return "in:\n" + before + "\nout:\n" + after
	}
	return "error: unknown command " + cmd
}

// TestRules runs testdata/rules/*.txt.
func TestRules(t *testing.T) {
	files, _ := filepath.Glob("testdata/rules/*.txt")
	if len(files) == 0 {
		t.Fatal("no testdata/rules/*.txt")
	}
	tested := map[string]bool{}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			blocks, err := parseRuleFile(string(raw))
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			s := newRulePlanner()
			lines := strings.Split(string(raw), "\n")
			var rewritten []string
			next := 0
			for _, b := range blocks {
				got := runRuleBlock(s, b)
				if cmd, arg, _ := strings.Cut(b.cmd, " "); cmd == "rule" {
					arg, _, _ = strings.Cut(arg, " after ")
					for _, name := range strings.Split(arg, ",") {
						tested[strings.TrimSpace(name)] = true
					}
				}
				if *update {
					rewritten = append(rewritten, lines[next:b.wantFrom]...)
					rewritten = append(rewritten, strings.Split(got, "\n")...)
					next = b.wantTo
					continue
				}
				if got != b.want {
					t.Errorf("%s: %s\n%s\n--- want\n%s\n--- got\n%s", f, b.cmd, b.input, b.want, got)
				}
			}
			if *update {
				rewritten = append(rewritten, lines[next:]...)
				if err := os.WriteFile(f, []byte(strings.Join(rewritten, "\n")), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	for _, name := range planner.RuleNames() {
		if !tested[name] {
			t.Errorf("rule %s has no test in testdata/rules", name)
		}
	}
}

func TestParseRuleFile(t *testing.T) {
	bs, err := parseRuleFile("# c\nexec\nCREATE TABLE t (a INT);\n----\nok\n\nrule fuse-calc\nSELECT a\nFROM t\n----\nin:\nx\nout: unchanged\n")
	if err != nil || len(bs) != 2 || bs[1].cmd != "rule fuse-calc" || bs[1].input != "SELECT a\nFROM t" || bs[1].want != "in:\nx\nout: unchanged" {
		t.Fatalf("%v %+v", err, bs)
	}
	if _, err := parseRuleFile("exec\nno separator\n"); err == nil {
		t.Fatal("a block without ---- parsed")
	}
}
