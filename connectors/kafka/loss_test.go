package kafka

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// lossPoll polls until the source reports the lost batch (or fails) and
// the records after it arrived: it returns the records read, the position,
// the records lost and the error.
func lossPoll(t *testing.T, src *Source, wantRecs int) ([]string, int64, int64, error) {
	t.Helper()
	var vals []string
	var next, lost int64 = -1, 0
	sawLoss := false
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) && (!sawLoss || len(vals) < wantRecs) {
		bs, err := src.Poll(context.Background())
		if err != nil {
			return vals, next, lost, err
		}
		for _, b := range bs {
			next = b.Next
			if b.Lost > 0 || b.Reset {
				sawLoss = true
			}
			lost += b.Lost
			for _, r := range b.Recs {
				vals = append(vals, r.Row[0].S)
			}
		}
	}
	return vals, next, lost, nil
}

// A reader whose position retention deleted follows its table's rule and
// reports what it lost.
func TestSourceLeftBehindByRetention(t *testing.T) {
	for _, tc := range []struct {
		name    string
		dialect string
		opts    []string
		set     map[string]string // spec.Defaults
		records []string          // read after the gap
		next    int64
		lost    int64
		fail    string
	}{
		{name: "flink earliest-offset resumes at the log start", dialect: "flink",
			opts: []string{"scan.startup.mode", "earliest-offset"}, records: []string{"v6", "v7", "v8", "v9"}, next: 10, lost: 4},
		{name: "flink latest-offset resumes at the end", dialect: "flink",
			opts: []string{"scan.startup.mode", "latest-offset"}, next: 10, lost: 8},
		{name: "flink group-offsets with auto.offset.reset none fails", dialect: "flink",
			opts: []string{"scan.startup.mode", "group-offsets", "properties.group.id", "g", "properties.auto.offset.reset", "none"},
			fail: "records at offsets 2 to 5 were deleted (retention) before they were read; the log now starts at 6"},
		{name: "flink timestamp fails", dialect: "flink",
			opts: []string{"scan.startup.mode", "timestamp", "scan.startup.timestamp-millis", "0"}, fail: "offsets 2 to 5 were deleted"},
		{name: "ksqlDB's default auto.offset.reset is latest", dialect: "ksql", set: map[string]string{"auto.offset.reset": ""}, next: 10, lost: 8},
		{name: "ksqlDB with auto.offset.reset earliest", dialect: "ksql", set: map[string]string{"auto.offset.reset": "earliest"},
			records: []string{"v6", "v7", "v8", "v9"}, next: 10, lost: 4},
		{name: "failOnDataLoss", dialect: "flink", set: map[string]string{DefaultOnDataLoss: "none"}, fail: "(failOnDataLoss; rule: fail)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := startBroker(t, BrokerConfig{Partitions: 1})
			topic := "left-behind"
			cl := client(t, b)
			for i := range 10 {
				produce(t, cl, rec(topic, "", fmt.Sprintf(`{"v": "v%d"}`, i)))
			}
			spec := tableSpec(b, tc.dialect, []col{{Name: "v", Type: types.TString}}, append([]string{"topic", topic, "format", "json"}, tc.opts...)...)
			if tc.dialect == "ksql" {
				spec.Options["key.format"], spec.Options["value.format"] = "kafka", "json"
				delete(spec.Options, "format")
			}
			for k, v := range tc.set {
				spec.Defaults[k] = v
			}
			// Retention deletes offsets 0..5 while the job's checkpoint is at 2.
			resp, err := kadm.NewClient(cl).DeleteRecords(context.Background(), kadm.Offsets{topic: {0: {Topic: topic, Partition: 0, At: 6}}})
			if err == nil {
				err = resp.Error()
			}
			if err != nil {
				t.Fatal(err)
			}
			// (The group committed offset 2 too.)
			var os kadm.Offsets
			os.Add(kadm.Offset{Topic: topic, Partition: 0, At: 2, LeaderEpoch: -1})
			if err := kadm.NewClient(cl).CommitAllOffsets(context.Background(), "g", os); err != nil {
				t.Fatal(err)
			}
			src := openSource(t, spec, map[int32]int64{0: 2})
			vals, next, lost, err := lossPoll(t, src, len(tc.records))
			if tc.fail != "" {
				if err == nil || !strings.Contains(err.Error(), tc.fail) || !engine.IsPermanent(err) {
					t.Fatalf("got %v (read %v), want a permanent error with %q", err, vals, tc.fail)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(vals, ",") != strings.Join(tc.records, ",") || next != tc.next || lost != tc.lost {
				t.Fatalf("read %v, position %d, lost %d; want %v, %d, %d", vals, next, lost, tc.records, tc.next, tc.lost)
			}
		})
	}
}
