package kafka

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/internal/topicread"
)

// A sink whose rows name their topic (Spark's Kafka sink, DefaultRowTopic):
// each row goes to the topic of its topic column and to the partition of
// its partition column (NULL: the partitioner's); a 'topic' option wins
// over the column; a NULL topic or a partition out of range fails the
// job with Spark's message; without the option and the column the sink
// is refused.
func TestRowTopicSink(t *testing.T) {
	b := startBroker(t, BrokerConfig{Partitions: 3})
	cols := []col{
		{Name: "value", Type: types.TString},
		{Name: "topic", Type: types.TString, Metadata: engine.MetaTopic},
		{Name: "partition", Type: types.TInt, Metadata: engine.MetaPartition},
	}
	spec := func(opts ...string) *engine.TableSpec {
		s := tableSpec(b, "flink", cols, append([]string{"format", "raw"}, opts...)...)
		s.Defaults[DefaultRowTopic] = "true"
		return s
	}
	row := func(v, topic string, part int64) engine.Rec {
		r := types.Row{types.StringV(v), types.StringV(topic), types.IntV(part)}
		if topic == "" {
			r[1] = types.NullValue
		}
		if part < 0 {
			r[2] = types.NullValue
		}
		return engine.Rec{Row: r}
	}
	write := func(s *engine.TableSpec, recs ...engine.Rec) error {
		sink, err := NewSink(s)
		if err != nil {
			t.Fatal(err)
		}
		defer sink.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := sink.Write(ctx, recs); err != nil {
			return err
		}
		return sink.Flush(ctx)
	}
	read := func(topic string) []string {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		recs, err := topicread.Read(ctx, b.Addr(), topic, false)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range recs {
			out = append(out, string(r.Value)+"@"+string(rune('0'+r.Partition)))
		}
		sort.Strings(out)
		return out
	}
	if err := write(spec(), row("a", "t1", 2), row("b", "t2", -1), row("c", "t1", 0)); err != nil {
		t.Fatal(err)
	}
	if got := read("t1"); strings.Join(got, " ") != "a@2 c@0" {
		t.Errorf("t1: %v, want a@2 c@0", got)
	}
	if got := read("t2"); len(got) != 1 || !strings.HasPrefix(got[0], "b@") {
		t.Errorf("t2: %v, want b in one partition", got)
	}
	// The option wins over the column.
	if err := write(spec("topic", "fixed"), row("d", "t1", 1)); err != nil {
		t.Fatal(err)
	}
	if got := read("fixed"); strings.Join(got, " ") != "d@1" {
		t.Errorf("fixed: %v, want d@1", got)
	}
	if got := read("t1"); len(got) != 2 {
		t.Errorf("t1 got a row meant for the option's topic: %v", got)
	}
	err := write(spec(), row("e", "", -1))
	if err == nil || !strings.Contains(err.Error(), "null topic present in the data") || !engine.IsPermanent(err) {
		t.Errorf("a NULL topic: %v, want Spark's permanent error", err)
	}
	err = write(spec(), row("f", "t1", 7))
	if err == nil || !strings.Contains(err.Error(), "Invalid partition given with record: 7 is not in the range [0...3)") {
		t.Errorf("partition 7 of 3: %v", err)
	}
	plain := tableSpec(b, "flink", cols[:1], "format", "raw")
	if _, err := NewSink(plain); err == nil || !strings.Contains(err.Error(), "option 'topic' is required") {
		t.Errorf("no topic option and no row topic: %v", err)
	}
}

// Spark's assign (DefaultPartitions) reads only the partitions named;
// Spark's offsets -2 (earliest) and -1 (latest) are accepted as specific
// offsets with DefaultSpecialOffsets and refused without; a bounded read
// stops at scan.bounded.specific-offsets.
func TestAssignedPartitionsAndSpecialOffsets(t *testing.T) {
	b := startBroker(t, BrokerConfig{Partitions: 3})
	cl := client(t, b, kgo.RecordPartitioner(kgo.ManualPartitioner()))
	for p := int32(0); p < 3; p++ {
		for i := 0; i < 4; i++ {
			r := rec("src", "", string(rune('a'+p))+string(rune('0'+i)))
			r.Partition = p
			produce(t, cl, r)
		}
	}
	cols := []col{{Name: "v", Type: types.TString}}
	spec := tableSpec(b, "flink", cols, "topic", "src", "format", "raw",
		"scan.startup.mode", "specific-offsets", "scan.startup.specific-offsets", "partition:1,offset:-2;partition:2,offset:1",
		"scan.bounded.mode", "specific-offsets", "scan.bounded.specific-offsets", "partition:1,offset:-1;partition:2,offset:3")
	if _, err := NewSource(spec); err == nil {
		t.Fatal("offset -2 accepted without Spark's special offsets")
	}
	spec.Defaults[DefaultSpecialOffsets] = "true"
	spec.Defaults[DefaultPartitions] = "1,2"
	recs, _, _ := collectAll(t, openSource(t, spec, nil), time.Minute)
	got := rowStrings(recs)
	sort.Strings(got)
	if want := "b0 b1 b2 b3 c1 c2"; strings.Join(got, " ") != want {
		t.Errorf("read %v, want %s (partition 0 not assigned; 1 from its start to its end; 2 from 1 to 3)", got, want)
	}
	// Flink's scan.bounded.mode 'specific-offsets': a partition not named
	// stops where it starts.
	flink := tableSpec(b, "flink", cols, "topic", "src", "format", "raw", "scan.startup.mode", "earliest-offset",
		"scan.bounded.mode", "specific-offsets", "scan.bounded.specific-offsets", "partition:2,offset:2")
	recs, _, _ = collectAll(t, openSource(t, flink, nil), time.Minute)
	if got := strings.Join(rowStrings(recs), " "); got != "c0 c1" {
		t.Errorf("Flink's bounded specific offsets read %s, want c0 c1", got)
	}
	spec.Defaults[DefaultPartitions] = "x"
	if _, err := NewSource(spec); err == nil {
		t.Error("a partition that is not a number accepted")
	}
}
