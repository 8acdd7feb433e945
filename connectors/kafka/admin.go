package kafka

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/engine"
)

// Admin implements engine.TopicAdmin over franz-go: ksqlDB's SHOW TOPICS,
// PRINT and DROP ... DELETE TOPIC. Each call uses its own short-lived client.
type Admin struct{}

var _ engine.TopicAdmin = Admin{}

func adminClient(client map[string]string, opts ...kgo.Opt) (*kgo.Client, error) {
	base, err := ClientOpts(client)
	if err != nil {
		return nil, err
	}
	return kgo.NewClient(append(base, opts...)...)
}

// ListTopics lists the topics, sorted by name.
func (Admin) ListTopics(ctx context.Context, client map[string]string) ([]engine.TopicInfo, error) {
	cl, err := adminClient(client)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	td, err := kadm.NewClient(cl).ListTopics(ctx)
	if err != nil {
		return nil, err
	}
	var out []engine.TopicInfo
	for _, t := range td.Sorted() {
		if t.Err != nil {
			continue
		}
		replicas := 0
		for _, p := range t.Partitions {
			replicas = max(replicas, len(p.Replicas))
		}
		out = append(out, engine.TopicInfo{Name: t.Topic, Partitions: len(t.Partitions), Replicas: replicas})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// DeleteTopic deletes a topic.
func (Admin) DeleteTopic(ctx context.Context, client map[string]string, topic string) error {
	cl, err := adminClient(client)
	if err != nil {
		return err
	}
	defer cl.Close()
	resp, err := kadm.NewClient(cl).DeleteTopic(ctx, topic)
	if err == nil {
		err = resp.Err
	}
	if errors.Is(err, kerr.UnknownTopicOrPartition) {
		return nil
	}
	return err
}

// Partitions returns the partition count of topic, 0 if it is missing.
func (Admin) Partitions(ctx context.Context, client map[string]string, topic string) (int, error) {
	cl, err := adminClient(client)
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	td, err := kadm.NewClient(cl).ListTopics(ctx, topic)
	if err != nil {
		return 0, err
	}
	t, ok := td[topic]
	if !ok || t.Err != nil {
		return 0, nil
	}
	return len(t.Partitions), nil
}

// Tail calls fn for each record of topic until fn fails or ctx ends.
func (Admin) Tail(ctx context.Context, client map[string]string, topic string, fromBeginning bool, fn func(engine.RawRecord) error) error {
	start := kgo.NewOffset().AtEnd()
	if fromBeginning {
		start = kgo.NewOffset().AtStart()
	}
	cl, err := adminClient(client, kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(start))
	if err != nil {
		return err
	}
	defer cl.Close()
	for {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var ferr error
		fs.EachError(func(t string, p int32, err error) {
			if ferr == nil && !errors.Is(err, context.Canceled) {
				ferr = fmt.Errorf("topic %s partition %d: %w", t, p, err)
			}
		})
		if ferr != nil {
			return ferr
		}
		var cbErr error
		fs.EachRecord(func(r *kgo.Record) {
			if cbErr != nil {
				return
			}
			cbErr = fn(engine.RawRecord{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset,
				Timestamp: r.Timestamp.UnixMilli(), Key: r.Key, Value: r.Value})
		})
		if cbErr != nil {
			return cbErr
		}
	}
}
