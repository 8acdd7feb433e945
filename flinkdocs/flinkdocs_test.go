package flinkdocs

import (
	"context"
	"strings"
	"testing"
)

// page is a documentation page in the shape of Flink's: a table described,
// its rows printed, then queries with their printed results.
const page = "Some text.\n```sql\n" + `Flink SQL> desc Bid;
+-------------+------------------------+------+-----+--------+---------------------------------+
|        name |                   type | null | key | extras |                       watermark |
+-------------+------------------------+------+-----+--------+---------------------------------+
|     bidtime | TIMESTAMP(3) *ROWTIME* | true |     |        | ` + "`bidtime`" + ` - INTERVAL '1' SECOND |
|       price |         DECIMAL(10, 2) | true |     |        |                                 |
|        item |                 STRING | true |     |        |                                 |
+-------------+------------------------+------+-----+--------+---------------------------------+

Flink SQL> SELECT * FROM Bid;
+------------------+-------+------+
|          bidtime | price | item |
+------------------+-------+------+
| 2020-04-15 08:05 |  4.00 | C    |
| 2020-04-15 08:07 |  2.00 | A    |
+------------------+-------+------+

Flink SQL> SELECT item, price FROM Bid WHERE price > 3;
+------+-------+
| item | price |
+------+-------+
|    C |  4.00 |
+------+-------+

Flink SQL> SELECT item FROM Bid;
+------+
| item |
+------+
|    A |
|    B |
+------+
` + "```\n"

// TestRunPage parses a page and runs its examples on the embedded broker:
// the first prints what the page prints, the second does not, and says
// which rows differ.
func TestRunPage(t *testing.T) {
	p := ParsePage("p.md", page)
	if len(p.Tables) != 1 || len(p.Tables[0].Rows) != 2 || len(p.Examples) != 2 {
		t.Fatalf("parsed %d tables, %d examples: %+v", len(p.Tables), len(p.Examples), p)
	}
	rs := Run(context.Background(), p)
	if len(rs) != 2 {
		t.Fatalf("%d results", len(rs))
	}
	if !rs[0].Pass || rs[0].Line != 20 {
		t.Errorf("first example: %+v %v", rs[0], rs[0].Why())
	}
	if rs[1].Pass || !strings.Contains(rs[1].Why(), "2 rows, want 2; 1 missing, the first: B; 1 unexpected, the first: C") {
		t.Errorf("second example: pass=%v why=%q", rs[1].Pass, rs[1].Why())
	}
}

// TestSetupStatements: a page's statements without a result (CREATE
// VIEW) run before the next example, and a parenthesized query (as set
// operations are written) is an example.
func TestSetupStatements(t *testing.T) {
	const setPage = "```sql\n" + `Flink SQL> create view t1(s) as values ('c'), ('a');
Flink SQL> create view t2(s) as values ('a');

Flink SQL> (SELECT s FROM t1) EXCEPT (SELECT s FROM t2);
+---+
| s |
+---+
| c |
+---+
` + "```\n"
	p := ParsePage("s.md", setPage)
	if len(p.Examples) != 1 || len(p.Examples[0].Setup) != 2 {
		t.Fatalf("parsed %+v", p.Examples)
	}
	rs := Run(context.Background(), p)
	if len(rs) != 1 || !rs[0].Pass {
		t.Fatalf("results %+v: %s", rs, rs[0].Why())
	}
}
