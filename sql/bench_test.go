package sql

import (
	"fmt"
	"strings"
	"testing"
)

func bigValues(rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO t VALUES ")
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "(%d, 'name %d', TIMESTAMP '2020-01-01 00:00:00')", i, i)
	}
	return b.String()
}

// TestLargeInputs guards against quadratic behaviour.
func TestLargeInputs(t *testing.T) {
	if _, err := parseText(bigValues(5000), Flink); err != nil {
		t.Fatal(err)
	}
	q := "SELECT a" + strings.Repeat(" + a", 20000) + " FROM t"
	if _, err := parseText(q, Flink); err != nil {
		t.Fatal(err)
	}
	bad := "SELECT a" + strings.Repeat(" + a", 20000) + " FROM FROM t"
	if _, err := parseText(bad, Flink); err == nil {
		t.Fatal("no error")
	}
	for _, deep := range []string{
		"SELECT " + strings.Repeat("(", 20000) + "1" + strings.Repeat(")", 20000),
		"SELECT " + strings.Repeat("f(", 20000) + "1" + strings.Repeat(")", 20000),
		"SELECT a" + strings.Repeat("->b", 20000) + " FROM t",
		"SELECT a" + strings.Repeat("[1]", 20000) + " FROM t",
	} {
		if _, err := parseText(deep, KSQL); err != nil {
			t.Fatal(err)
		}
	}
	script := strings.Repeat("SELECT window_start, COUNT(*) FROM TABLE(TUMBLE(TABLE t, DESCRIPTOR(ts), INTERVAL '3' SECONDS)) GROUP BY window_start, window_end;\n", 2000)
	if _, err := parseText(script, Flink); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkParseSeedInsert(b *testing.B) {
	q := `INSERT INTO transactions_paid_agg_table
SELECT window_start, window_end, SUM(total_paid) AS total_paid, COUNT(*) AS total_transactions,
  SUM(total_paid)/COUNT(*) AS average_transaction_value
FROM TABLE(TUMBLE(TABLE transactions_table, DESCRIPTOR(event_timestamp), INTERVAL '3' SECONDS))
WHERE status = 'Paid'
GROUP BY window_start, window_end;`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(q, Flink); err != nil {
			b.Fatal(err)
		}
	}
}
