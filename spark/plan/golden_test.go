package plan

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/spark/connect/pb"
	"github.com/tumble/tumble/sql"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestTranslationGolden: a Spark Connect relation (as the client sent it,
// in protojson) in, the schema and Tumble's EXPLAIN out, for each output
// mode. testdata/plans/NAME.json -> NAME.out; -update rewrites them.
func TestTranslationGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/plans/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no plans: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			rel := &pb.Relation{}
			if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, rel); err != nil {
				t.Fatal(err)
			}
			var sb strings.Builder
			for _, mode := range []string{"update", "complete", "append"} {
				sb.WriteString("== outputMode " + mode + " ==\n")
				tr := &Translator{Planner: &planner.Planner{Catalog: planner.NewCatalog(), Dialect: planner.DialectOf(sql.Spark), Syntax: sql.Spark}, OutputMode: mode,
					Conf: func(k string) (string, bool) { return "UTC", k == "spark.sql.session.timeZone" }}
				fr, err := tr.Relation(rel)
				if err != nil {
					sb.WriteString("error: " + err.Error() + "\n")
					continue
				}
				sb.WriteString("schema: " + fr.String() + "\n")
				sb.WriteString(planner.Explain(planner.Optimize(fr.Node)))
			}
			out := strings.TrimSuffix(f, ".json") + ".out"
			if *update {
				if err := os.WriteFile(out, []byte(sb.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(out)
			if err != nil {
				t.Fatalf("%v (run go test ./spark/plan -update)", err)
			}
			if sb.String() != string(want) {
				t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", out, sb.String(), want)
			}
		})
	}
}

func TestParseTimestamp(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		ok   bool
	}{
		{"2026-11-23 23:09:46.153", "2026-11-23T23:09:46.153Z", true},
		{"2026-11-23T23:09:46", "2026-11-23T23:09:46.000Z", true},
		{"2026-11-23 23:09:46.153+01:00", "2026-11-23T22:09:46.153Z", true},
		{"2026-11-23", "2026-11-23T00:00:00.000Z", true},
		{"2026-13-23 00:00:00", "", false},
		{"not a time", "", false},
	} {
		us, ok := parseTimestamp(c.in, time.UTC)
		if ok != c.ok {
			t.Errorf("%q: ok %v", c.in, ok)
			continue
		}
		if ok && formatJSONTimestamp(us, time.UTC) != c.want {
			t.Errorf("%q: %s, want %s", c.in, formatJSONTimestamp(us, time.UTC), c.want)
		}
	}
}

func TestFromJSONPermissiveAndToJSON(t *testing.T) {
	schema, err := ParseSchema(`{"type":"struct","fields":[{"name":"a","type":"integer","nullable":true,"metadata":{}},{"name":"b","type":"string","nullable":true,"metadata":{}},{"name":"ts","type":"timestamp","nullable":true,"metadata":{}}]}`)
	if err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Europe/Paris")
	for _, c := range []struct{ in, want string }{
		{`{"a": 1, "b": "x", "ts": "2026-01-01 10:00:00"}`, `{"a":1,"b":"x","ts":"2026-01-01T10:00:00.000+01:00"}`},
		{`{"a": "one", "b": 2}`, `{"b":"2"}`},             // a of the wrong type is NULL
		{`{"a": 1.5}`, `{}`},                              // not an integer
		{`not json`, `{}`},                                // malformed: a struct of NULLs
		{`{"a": 2147483648}`, `{}`},                       // out of INT's range
		{`{"b": {"x": [1, 2]}}`, `{"b":"{\"x\":[1,2]}"}`}, // a string field keeps the JSON text
	} {
		v := fromJSON(c.in, schema, loc)
		if got := string(appendJSON(nil, v, schema, loc)); got != c.want {
			t.Errorf("%s: %s, want %s", c.in, got, c.want)
		}
	}
}

func TestParseExpr(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"CAST(value AS STRING) AS val", "alias"},
		{"status = 'Paid'", "unresolved_function"},
		{"CAST(TO_JSON(STRUCT(*)) AS string) AS value", "alias"},
		{"a.b.`c d` IS NOT NULL AND x IN (1, 2L, 3.5)", "unresolved_function"},
		{"CASE WHEN a > 1 THEN 'x' ELSE 'y' END", "unresolved_function"},
	} {
		e, err := ParseExpr(c.in)
		if err != nil {
			t.Errorf("%q: %v", c.in, err)
			continue
		}
		if got := e.ProtoReflect().WhichOneof(e.ProtoReflect().Descriptor().Oneofs().ByName("expr_type")).Name(); string(got) != c.want {
			t.Errorf("%q: %s, want %s", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"a +", "CAST(a AS", "'open", "a b c"} {
		if _, err := ParseExpr(bad); err == nil {
			t.Errorf("%q parsed", bad)
		} else if e := AsError(err); e.Exception != ParseException {
			t.Errorf("%q: %v is not a ParseException", bad, err)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]int64{"3 seconds": 3_000_000, "1 minute 30 seconds": 90_000_000, "interval 2 hours": 7_200_000_000, "500 milliseconds": 500_000} {
		if got, err := parseDuration(in); err != nil || got != want {
			t.Errorf("%q: %d %v, want %d", in, got, err, want)
		}
	}
	if _, err := parseDuration("3 fortnights"); err == nil {
		t.Error("a bad unit parsed")
	}
}
