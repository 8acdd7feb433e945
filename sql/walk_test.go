package sql

import (
	"strings"
	"testing"
)

// TestCloneExpr: a clone prints as the original, and changing the clone
// leaves the original as it was.
func TestCloneExpr(t *testing.T) {
	for _, text := range []string{
		"a + b * 2",
		"CASE WHEN x IS NULL THEN 'n' WHEN x BETWEEN 1 AND 2 THEN CAST(x AS STRING) ELSE UPPER(y) END",
		"x IN (1, 2, 3) AND NOT y LIKE 'a%' ESCAPE '!' OR z IS NOT TRUE",
		"arr[1] + r.f0 - INTERVAL '3' SECOND + ROW(a, b) = ROW(c, d)",
		"COUNT(DISTINCT a) FILTER (WHERE b > 0)",
		"MAP['k', v] = MAP['k', 1] AND ARRAY[a, b] IS NOT NULL",
	} {
		e, err := ParseExpr(text, Flink)
		if err != nil {
			t.Fatalf("%s: %v", text, err)
		}
		before := SQL(e)
		c := CloneExpr(e)
		if got := SQL(c); got != before {
			t.Errorf("clone of %s prints %s, want %s", text, got, before)
		}
		n := 0
		Walk(c, func(x Expr) bool {
			if id, ok := x.(*Ident); ok {
				id.Parts[len(id.Parts)-1] = "renamed"
				n++
			}
			return true
		})
		if n == 0 {
			t.Errorf("%s: Walk found no identifier", text)
		}
		if got := SQL(e); got != before {
			t.Errorf("changing the clone of %s changed the original: %s", text, got)
		}
		if !strings.Contains(SQL(c), "renamed") {
			t.Errorf("%s: the clone was not changed: %s", text, SQL(c))
		}
	}
	over, err := ParseExpr("ROW_NUMBER() OVER (PARTITION BY a ORDER BY b DESC)", Flink)
	if err != nil {
		t.Fatal(err)
	}
	oc := CloneExpr(over).(*Call)
	oc.Over.PartitionBy[0].(*Ident).Parts[0] = "renamed"
	if over.(*Call).Over.PartitionBy[0].(*Ident).Parts[0] != "a" {
		t.Error("changing the clone's OVER window changed the original's")
	}
	lam, err := ParseExpr("TRANSFORM(xs, x => x + k)", KSQL)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	Walk(CloneExpr(lam), func(x Expr) bool {
		if id, ok := x.(*Ident); ok {
			seen[id.Parts[0]] = true
		}
		return true
	})
	if !seen["XS"] || !seen["K"] {
		t.Errorf("Walk did not reach the lambda's body: %v", seen)
	}
}
