package kafka

import (
	"bytes"
	"context"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// These tests check the embedded broker and the connector against clients
// we did not write: kcat (librdkafka) and kafka-python. They skip when the
// tools are missing (Debian: apt-get install -y kcat python3-kafka).

func TestInteropKcat(t *testing.T) {
	kcat, err := exec.LookPath("kcat")
	if err != nil {
		t.Skip("kcat not installed (apt-get install -y kcat); skipping the librdkafka interoperability test")
	}
	b := startBroker(t, BrokerConfig{})
	run := func(stdin string, args ...string) string {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, kcat, append([]string{"-b", b.Addr()}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("kcat %v: %v\n%s", args, err, errb.String())
		}
		return out.String()
	}
	// kcat produces, the source reads (keys hashed by librdkafka's
	// murmur2_random partitioner, which matches the Java client).
	run("u1:{\"n\": 1, \"s\": \"a\"}\nu2:{\"n\": 2, \"s\": \"b\"}\nu3:{\"n\": 3, \"s\": \"c\"}\n",
		"-P", "-t", "kcat-in", "-K:", "-X", "partitioner=murmur2_random")
	cols := []col{{Name: "k", Type: types.TString}, {Name: "n", Type: types.TInt}, {Name: "s", Type: types.TString}}
	spec := tableSpec(b, "flink", cols, "topic", "kcat-in", "key.format", "raw", "key.fields", "k",
		"value.format", "json", "value.fields-include", "EXCEPT_KEY")
	recs, _, _ := collect(t, openSource(t, spec, nil), 3, time.Minute)
	if got := rowStrings(recs); !slices.Equal(got, []string{"u1|1|a", "u2|2|b", "u3|3|c"}) {
		t.Fatalf("source read %v", got)
	}
	// Same key, same partition as our sink's default partitioner.
	byKey := map[string]int32{}
	for _, r := range recs {
		byKey[r.row[0].S] = r.split
	}
	// The sink writes, kcat reads.
	out := tableSpec(b, "flink", cols, "topic", "kcat-out", "key.format", "raw", "key.fields", "k",
		"value.format", "json", "value.fields-include", "EXCEPT_KEY")
	sink, err := NewSink(out)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	ctx := context.Background()
	var in []engine.Rec
	for _, r := range recs {
		in = append(in, engine.Rec{Row: r.row})
	}
	if err := sink.Write(ctx, in); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(run("", "-C", "-t", "kcat-out", "-o", "beginning", "-e", "-q", "-f", "%k %p %s\\n")), "\n")
	slices.Sort(lines)
	want := []string{
		"u1 " + itoa(byKey["u1"]) + ` {"n":1,"s":"a"}`,
		"u2 " + itoa(byKey["u2"]) + ` {"n":2,"s":"b"}`,
		"u3 " + itoa(byKey["u3"]) + ` {"n":3,"s":"c"}`,
	}
	if !slices.Equal(lines, want) {
		t.Fatalf("kcat read %q, want %q", lines, want)
	}
	if md := run("", "-L"); !strings.Contains(md, `topic "kcat-out" with 3 partitions`) {
		t.Errorf("kcat -L:\n%s", md)
	}
}

func itoa(p int32) string { return string(rune('0' + p)) }

const pyScript = `
import json, sys
from kafka import KafkaProducer, KafkaConsumer, TopicPartition
addr = sys.argv[1]
p = KafkaProducer(bootstrap_servers=addr, acks='all')
for i in range(5):
    p.send('py-in', key=b'k%d' % i, value=json.dumps({"n": i, "s": "py"}).encode())
p.flush()
p.close()
c = KafkaConsumer(bootstrap_servers=addr, group_id='pyg', auto_offset_reset='earliest',
                  enable_auto_commit=False, consumer_timeout_ms=15000)
c.subscribe(['py-out'])
seen = []
for m in c:
    seen.append(m.value.decode())
    if len(seen) == 5:
        break
c.commit()
c.close()
print("\n".join(sorted(seen)))
`

func TestInteropKafkaPython(t *testing.T) {
	py := ""
	for _, cand := range []string{"/usr/bin/python3", "python3"} {
		if p, err := exec.LookPath(cand); err == nil && exec.Command(p, "-c", "import kafka").Run() == nil {
			py = p
			break
		}
	}
	if py == "" {
		t.Skip("kafka-python not installed (apt-get install -y python3-kafka); skipping the kafka-python interoperability test")
	}
	b := startBroker(t, BrokerConfig{})
	cols := []col{{Name: "n", Type: types.TInt}, {Name: "s", Type: types.TString}}
	// Write py-out first so the Python consumer finds it.
	sink, err := NewSink(tableSpec(b, "flink", cols, "topic", "py-out", "format", "json"))
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	ctx := context.Background()
	var in []engine.Rec
	for i := 0; i < 5; i++ {
		in = append(in, engine.Rec{Row: types.Row{types.IntV(int64(i)), types.StringV("go")}})
	}
	if err := sink.Write(ctx, in); err != nil {
		t.Fatal(err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(cctx, py, "-c", pyScript, b.Addr())
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("python: %v\n%s", err, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{`{"n":0,"s":"go"}`, `{"n":1,"s":"go"}`, `{"n":2,"s":"go"}`, `{"n":3,"s":"go"}`, `{"n":4,"s":"go"}`}
	if !slices.Equal(lines, want) {
		t.Fatalf("python read %q\nstderr: %s", lines, errb.String())
	}
	recs, _, _ := collect(t, openSource(t, tableSpec(b, "flink", cols, "topic", "py-in", "format", "json"), nil), 5, time.Minute)
	if got := rowStrings(recs); !slices.Equal(got, []string{"0|py", "1|py", "2|py", "3|py", "4|py"}) {
		t.Fatalf("source read %v", got)
	}
	// The Python consumer group's commit is visible to group-offsets.
	gs := openSource(t, tableSpec(b, "flink", cols, "topic", "py-out", "format", "json", "properties.group.id", "pyg", "scan.startup.mode", "group-offsets"), nil)
	if rest, _, _ := collect(t, gs, 1, time.Second); len(rest) != 0 {
		t.Fatalf("after the Python group's commit, group-offsets read %v", rest)
	}
}
