package filesystem

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// seedCols is the seed workload's transaction, as a filesystem table.
var seedCols = []string{"event_timestamp STRING", "user_id STRING", "transaction_id BIGINT", "total_paid INT", "status STRING"}

const seedRows = 100000

func seedLine(i int) string {
	return fmt.Sprintf(`{"event_timestamp": "2026-11-23 23:09:%02d.153", "user_id": "%d45d2676-04f8-4036-bc25-1a9b02bb75f1", "transaction_id": %d, "total_paid": %d, "status": "Paid"}`,
		i%60, i%10, 393722+i, 10*(i%10))
}

// BenchmarkSourceJSON reads a file of seed transactions (about 150 bytes a
// line); ns/record is the cost of reading and decoding one.
func BenchmarkSourceJSON(b *testing.B) {
	dir := b.TempDir()
	var sb strings.Builder
	for i := 0; i < seedRows; i++ {
		sb.WriteString(seedLine(i))
		sb.WriteByte('\n')
	}
	writeFile(b, filepath.Join(dir, "seed.json"), sb.String())
	spec := tableSpec(dir, seedCols, nil, "format", "json")
	b.SetBytes(int64(sb.Len()))
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		src, err := NewSource(spec)
		if err != nil {
			b.Fatal(err)
		}
		if err := src.Open(context.Background(), nil); err != nil {
			b.Fatal(err)
		}
		rows := 0
		for {
			bs, err := src.Poll(context.Background())
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			for _, batch := range bs {
				rows += len(batch.Recs)
			}
		}
		src.Close()
		if rows != seedRows {
			b.Fatalf("read %d rows", rows)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*seedRows), "ns/record")
}

// BenchmarkSinkJSON writes seed transactions into a partitioned table
// (by status) and commits them.
func BenchmarkSinkJSON(b *testing.B) {
	spec := tableSpec(b.TempDir(), seedCols, []string{"status"}, "format", "json")
	s, err := NewSink(spec)
	if err != nil {
		b.Fatal(err)
	}
	batch := make([]engine.Rec, 1024)
	for i := range batch {
		status := "Paid"
		if i%3 == 0 {
			status = "Refused"
		}
		batch[i] = engine.Rec{Row: types.Row{types.StringV("2026-11-23 23:09:46.153"),
			types.StringV("245d2676-04f8-4036-bc25-1a9b02bb75f1"), types.BigIntV(int64(i)), types.IntV(20), types.StringV(status)}}
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for n := 0; n < b.N; n += len(batch) {
		if err := s.Write(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/record")
}
