package kafka

import (
	"context"
	"testing"
	"time"

	"github.com/tumble/tumble/connectors/datagen"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// BenchmarkSourceSeed reads seed records from the embedded broker over TCP
// through the Flink seed table (decode included); ns/op is per record.
func BenchmarkSourceSeed(b *testing.B) {
	br := startBroker(b, BrokerConfig{})
	const n = 300000
	if _, err := datagen.ProduceSeedBulk(context.Background(), br.Addr(), "seed", n, 1000, time.Date(2026, 11, 23, 23, 0, 0, 0, time.UTC), 3); err != nil {
		b.Fatal(err)
	}
	spec := tableSpec(br, "flink", seedColumns(), "topic", "seed", "format", "json", "scan.bounded.mode", "latest-offset")
	b.ReportAllocs()
	b.ResetTimer()
	var total int
	for total < b.N {
		src := openSource(b, spec, nil)
		for {
			bs, err := src.Poll(context.Background())
			if err != nil {
				break
			}
			for _, x := range bs {
				total += len(x.Recs)
			}
		}
		src.Close()
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkSinkAgg writes Flink aggregate rows through the sink; ns/op is
// per record, Flush included.
func BenchmarkSinkAgg(b *testing.B) {
	br := startBroker(b, BrokerConfig{})
	cols := []col{{Name: "window_start", Type: types.TTS3}, {Name: "window_end", Type: types.TTS3}, {Name: "total_paid", Type: types.TInt},
		{Name: "total_transactions", Type: types.TBigInt}, {Name: "average_transaction_value", Type: types.TBigInt}}
	sink, err := NewSink(tableSpec(br, "flink", cols, "topic", "agg", "format", "json"))
	if err != nil {
		b.Fatal(err)
	}
	defer sink.Close()
	start, _ := types.ParseTimestamp("2026-11-23 23:09:45")
	batch := make([]engine.Rec, 1000)
	for i := range batch {
		batch[i] = engine.Rec{Row: types.Row{types.TimestampV(start), types.TimestampV(start + 3*types.MicrosPerSecond), types.IntV(1230), types.BigIntV(41), types.BigIntV(30)}, Ts: 1}
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += len(batch) {
		if err := sink.Write(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	if err := sink.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
