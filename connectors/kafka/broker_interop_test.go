package kafka

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// kafka-python's admin client sets topic configs (CreateTopics with
// configs, AlterConfigs) and reads them back (DescribeConfigs); kcat
// produces and reads what compaction and retention left. Skips when the
// tools are missing (Debian: apt-get install -y kcat python3-kafka; .ci/run
// installs them).

const pyAdminScript = `
import sys
from kafka.admin import KafkaAdminClient, NewTopic, ConfigResource, ConfigResourceType
addr = sys.argv[1]
a = KafkaAdminClient(bootstrap_servers=addr)
a.create_topics([
    NewTopic('py-compact', 1, 1, topic_configs={'cleanup.policy': 'compact'}),
    NewTopic('py-short', 1, 1, topic_configs={'retention.ms': '600000'}),
])
a.alter_configs([ConfigResource(ConfigResourceType.TOPIC, 'py-short', configs={'retention.ms': '1000'})])
for t in ('py-compact', 'py-short'):
    r = a.describe_configs([ConfigResource(ConfigResourceType.TOPIC, t)])
    for res in r:
        for rr in res.resources:
            entries = rr[-1]
            for e in entries:
                if e[0] in ('cleanup.policy', 'retention.ms'):
                    print('%s %s=%s' % (t, e[0], e[1]))
a.close()
`

func TestInteropTopicConfigs(t *testing.T) {
	py := ""
	for _, cand := range []string{"/usr/bin/python3", "python3"} {
		if p, err := exec.LookPath(cand); err == nil && exec.Command(p, "-c", "import kafka").Run() == nil {
			py = p
			break
		}
	}
	kcat, kerr := exec.LookPath("kcat")
	if py == "" || kerr != nil {
		t.Skip("kafka-python or kcat not installed (apt-get install -y python3-kafka kcat); skipping the topic config interoperability test")
	}
	b := startBroker(t, BrokerConfig{Settings: map[string]string{"log.retention.check.interval.ms": "3600000"}})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	run := func(name string, stdin string, args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, errb.String())
		}
		return out.String()
	}
	got := run(py, "", "-c", pyAdminScript, b.Addr())
	for _, want := range []string{"py-compact cleanup.policy=compact", "py-short retention.ms=1000"} {
		if !strings.Contains(got, want) {
			t.Fatalf("kafka-python's describe_configs printed\n%s\nwant a line %q", got, want)
		}
	}
	// kcat writes one batch per record (linger 0, a flush after each).
	for _, kv := range []string{"a:1", "b:1", "a:2", "b:2", "a:3", "c:1"} {
		run(kcat, kv+"\n", "-b", b.Addr(), "-P", "-t", "py-compact", "-K:", "-X", "linger.ms=0")
		run(kcat, kv+"\n", "-b", b.Addr(), "-P", "-t", "py-short", "-K:", "-X", "linger.ms=0")
	}
	time.Sleep(1100 * time.Millisecond) // py-short's records are now older than its retention.ms
	b.RunCleaner()
	read := func(topic string) string {
		return strings.TrimSpace(run(kcat, "", "-b", b.Addr(), "-C", "-t", topic, "-o", "beginning", "-e", "-f", "%k=%s\n"))
	}
	// The last record (c:1) is the active batch and stays; before it, one
	// record per key, the latest.
	if got := read("py-compact"); got != "b=2\na=3\nc=1" {
		t.Fatalf("kcat read the compacted topic:\n%s", got)
	}
	if got := read("py-short"); got != "" {
		t.Fatalf("kcat read records older than retention.ms=1000:\n%s", got)
	}
}
