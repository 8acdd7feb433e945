package kafka

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/engine/types"
)

// TestAllowAutoCreateTopics: 'properties.allow.auto.create.topics' =
// 'true' makes a source ask the broker to create its missing topic; without
// it the source waits for the topic and creates nothing.
func TestAllowAutoCreateTopics(t *testing.T) {
	b := startBroker(t, BrokerConfig{})
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr())) // asks for no topic creation itself
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	exists := func(topic string) bool {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		md, err := adm.Metadata(ctx, topic)
		if err != nil {
			t.Fatal(err)
		}
		d, ok := md.Topics[topic]
		return ok && d.Err == nil
	}
	cols := []col{{Name: "v", Type: types.TString}}
	openSource(t, tableSpec(b, "flink", cols, "topic", "waited", "format", "raw"), nil)
	openSource(t, tableSpec(b, "flink", cols, "topic", "created", "format", "raw", "properties.allow.auto.create.topics", "true"), nil)
	deadline := time.Now().Add(30 * time.Second)
	for !exists("created") && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if !exists("created") {
		t.Error("the source with allow.auto.create.topics = 'true' did not create its topic")
	}
	if exists("waited") {
		t.Error("the source without allow.auto.create.topics created its topic")
	}
	if w := unused(tableSpec(b, "flink", cols, "topic", "x", "format", "raw", "properties.allow.auto.create.topics", "false")); len(w) != 0 {
		t.Errorf("allow.auto.create.topics is read, yet warned about: %v", w)
	}
}
