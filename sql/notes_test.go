package sql

import (
	"reflect"
	"testing"
)

// TestNotes: the parts of a statement that are parsed but have no effect
// come back as its notes, once each.
func TestNotes(t *testing.T) {
	for _, tc := range []struct {
		d    Dialect
		text string
		want []string
	}{
		{Flink, "SELECT /*+ BROADCAST(b), BROADCAST(b) */ * FROM a JOIN b ON a.x = b.x",
			[]string{"The hint BROADCAST has no effect: Flink's join strategy hints choose batch join algorithms, and Tumble's joins are streaming joins."}},
		{Flink, "SELECT * FROM a /*+ OPTIONS('k' = 'v') */", nil},
		{Flink, "EXPLAIN PLAN_ADVICE SELECT 1",
			[]string{"EXPLAIN PLAN_ADVICE has no effect: Tumble gives no plan advice."}},
		{KSQL, "SELECT k, COUNT(*) FROM s WINDOW TUMBLING (SIZE 1 MINUTE, RETENTION 2 DAYS) GROUP BY k EMIT CHANGES",
			[]string{"The window's RETENTION only bounds how late EMIT FINAL may still emit a window: Tumble keeps a window's state until its grace period has passed, and pull queries do not read windowed tables."}},
	} {
		stmts, err := Parse(tc.text, tc.d)
		if err != nil {
			t.Fatalf("%s: %v", tc.text, err)
		}
		if got := stmts[0].Notes(); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.text, got, tc.want)
		}
	}
	stmts, err := Parse("INSERT INTO t /*+ OPTIONS('topic' = 'x') */ SELECT * FROM s", Flink)
	if err != nil {
		t.Fatal(err)
	}
	if ins := stmts[0].(*Insert); len(ins.Options) != 1 || ins.Options[0].Key != "topic" || ins.Options[0].Value != "x" {
		t.Fatalf("the INSERT's table hint: %+v", ins.Options)
	}
}
