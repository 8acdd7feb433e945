package topicread

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/connectors/kafka"
)

func values(recs []*kgo.Record) string {
	out := ""
	for _, r := range recs {
		out += fmt.Sprintf("%d/%d=%s ", r.Partition, r.Offset, r.Value)
	}
	return out
}

// Read returns every record up to the end offsets of the call, in
// partition and offset order; read_committed leaves out aborted and open
// transactions and the markers; an empty or missing topic has none.
func TestRead(t *testing.T) {
	b, err := kafka.StartBroker(context.Background(), kafka.BrokerConfig{Listen: "127.0.0.1:0", Partitions: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	if _, err := adm.CreateTopics(ctx, 2, 1, nil, "t", "empty"); err != nil {
		t.Fatal(err)
	}
	for i, p := range []int32{1, 0, 1} {
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "t", Partition: p, Value: []byte(fmt.Sprint(i))}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	txn, err := kgo.NewClient(kgo.SeedBrokers(b.Addr()), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.TransactionalID("topicread"))
	if err != nil {
		t.Fatal(err)
	}
	defer txn.Close()
	write := func(v string, end *kgo.TransactionEndTry) {
		t.Helper()
		if err := txn.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		if err := txn.ProduceSync(ctx, &kgo.Record{Topic: "t", Partition: 0, Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
		if end != nil {
			if err := txn.EndTransaction(ctx, *end); err != nil {
				t.Fatal(err)
			}
		}
	}
	abort, commit := kgo.TryAbort, kgo.TryCommit
	write("aborted", &abort)
	write("committed", &commit)
	write("open", nil)

	for _, tc := range []struct {
		topic     string
		committed bool
		want      string
	}{
		{"t", false, "0/0=1 0/1=aborted 0/3=committed 0/5=open 1/0=0 1/1=2 "},
		{"t", true, "0/0=1 0/3=committed 1/0=0 1/1=2 "},
		{"empty", false, ""},
		{"missing", false, ""},
	} {
		recs, err := Read(ctx, b.Addr(), tc.topic, tc.committed)
		if err != nil {
			t.Fatalf("%s: %v", tc.topic, err)
		}
		if got := values(recs); got != tc.want {
			t.Errorf("%s (committed %v): %s, want %s", tc.topic, tc.committed, got, tc.want)
		}
	}
}
