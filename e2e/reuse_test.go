package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/session"
)

// TestReusedSubPlansOverKafka: a self-join of a Kafka table reads its topic
// once (one source, its rows sent to both sides), as does a UNION ALL of
// two filters over one table, and the rows are those of the plan without
// reuse (SET 'table.optimizer.reuse-sub-plan-enabled' = 'false'), which
// reads the topic once per use.
func TestReusedSubPlansOverKafka(t *testing.T) {
	addr := startBroker(t)
	ctx := context.Background()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("orders"), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for i, c := range []string{"a", "a", "b", "c", "c", "c"} {
		v := fmt.Sprintf(`{"id": %d, "customer": %q}`, i+1, c)
		if err := cl.ProduceSync(ctx, &kgo.Record{Key: []byte(c), Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		query string
		want  []string
	}{
		{"SELECT a.id, b.id AS other FROM orders a JOIN orders b ON a.customer = b.customer",
			[]string{"1 1", "1 2", "2 1", "2 2", "3 3", "4 4", "4 5", "4 6", "5 4", "5 5", "5 6", "6 4", "6 5", "6 6"}},
		{"SELECT id FROM orders WHERE id > 2 UNION ALL SELECT id FROM orders WHERE id < 5",
			[]string{"1", "2", "3", "3", "4", "4", "5", "6"}},
	}
	for _, c := range cases {
		for _, reuse := range []bool{true, false} {
			t.Run(fmt.Sprintf("%.20s/reuse=%v", c.query, reuse), func(t *testing.T) {
				s, _ := inProcess(t, session.Config{Bootstrap: addr})
				res, err := s.ExecuteText(ctx, fmt.Sprintf(`
SET 'table.optimizer.reuse-sub-plan-enabled' = '%v';
CREATE TABLE orders (id INT, customer STRING) WITH ('connector' = 'kafka', 'topic' = 'orders', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');
%s;`, reuse, c.query))
				if err != nil {
					t.Fatal(err)
				}
				st := res[len(res)-1].Stream
				defer st.Cancel()
				sctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				defer cancel()
				if err := st.Job.Sync(sctx); err != nil {
					t.Fatal(err)
				}
				var got []string
				for len(st.Rows) > 0 {
					r := <-st.Rows
					var vals []string
					for _, v := range r.Row {
						vals = append(vals, v.String())
					}
					got = append(got, strings.Join(vals, " "))
				}
				slices.Sort(got)
				if !slices.Equal(got, c.want) {
					t.Errorf("rows %q, want %q", got, c.want)
				}
				spec := st.Job.Spec()
				scans := 0
				for _, n := range spec.Graph {
					if n.Name == "TableSourceScan" {
						scans++
					}
				}
				want := 2
				if reuse {
					want = 1
				}
				if len(spec.Inputs) != want || scans != want {
					t.Errorf("%d sources and %d scan nodes in the job graph, want %d", len(spec.Inputs), scans, want)
				}
				// Every node but the sink feeds another: the shared one feeds two.
				fed := map[int]int{}
				for _, n := range spec.Graph {
					for _, in := range n.Inputs {
						fed[in]++
					}
				}
				if len(fed) != len(spec.Graph)-1 {
					t.Errorf("graph: %d of %d nodes feed another", len(fed), len(spec.Graph))
				}
			})
		}
	}
}
