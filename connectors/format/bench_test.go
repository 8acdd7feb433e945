package format

import (
	"testing"

	"github.com/tumble/tumble/engine/types"
)

// BenchmarkDecodeSeedRow decodes the seed transaction record into the Flink
// seed table's columns (event_timestamp TIMESTAMP(3), transaction_id INT,
// user_id STRING, total_paid INT, status STRING).
func BenchmarkDecodeSeedRow(b *testing.B) {
	d, err := NewDecoder(spec("flink", "format", "json"), seedCols(), "value.")
	if err != nil {
		b.Fatal(err)
	}
	data := []byte(seedRecord)
	row := make([]types.Value, 5)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Decode(data, row); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeSeedRowKsql is the ksqlDB seed stream: upper-case column
// names matched case-insensitively, event_timestamp kept as a STRING (a new
// string per record, as the values are unique).
func BenchmarkDecodeSeedRowKsql(b *testing.B) {
	c := cols("EVENT_TIMESTAMP", types.TString, "TRANSACTION_ID", types.TInt, "USER_ID", types.TString,
		"TOTAL_PAID", types.TInt, "STATUS", types.TString)
	d, err := NewDecoder(spec("ksql", "value.format", "json"), c, "value.")
	if err != nil {
		b.Fatal(err)
	}
	data := []byte(seedRecord)
	row := make([]types.Value, 5)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Decode(data, row); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeAggRow encodes the Flink seed aggregate row (window_start,
// window_end TIMESTAMP(3), total_paid INT, total_transactions BIGINT,
// average_transaction_value BIGINT).
func BenchmarkEncodeAggRow(b *testing.B) {
	c := cols("window_start", types.TTS3, "window_end", types.TTS3, "total_paid", types.TInt,
		"total_transactions", types.TBigInt, "average_transaction_value", types.TBigInt)
	e, err := NewEncoder(spec("flink", "format", "json"), c, "value.")
	if err != nil {
		b.Fatal(err)
	}
	start := mustTS(b, "2026-11-23 23:09:45")
	row := []types.Value{types.TimestampV(start), types.TimestampV(start + 3*types.MicrosPerSecond),
		types.IntV(1230), types.BigIntV(41), types.BigIntV(30)}
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		out, _, err := e.Encode(buf[:0], row)
		if err != nil {
			b.Fatal(err)
		}
		buf = out
	}
}

// BenchmarkDecodeSeedQueryColumns decodes only the columns the seed query
// reads (event_timestamp, total_paid, status): what projection pushdown
// hands the decoder.
func BenchmarkDecodeSeedQueryColumns(b *testing.B) {
	var c []Column
	for _, col := range seedCols() {
		switch col.Name {
		case "event_timestamp", "total_paid", "status":
			c = append(c, col)
		}
	}
	d, err := NewDecoder(spec("flink", "format", "json"), c, "value.")
	if err != nil {
		b.Fatal(err)
	}
	data := []byte(seedRecord)
	row := make([]types.Value, 5)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := d.Decode(data, row); err != nil {
			b.Fatal(err)
		}
	}
}
