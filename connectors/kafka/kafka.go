// Package kafka owns Tumble's Kafka side: the embedded broker (kfake) and
// the 'kafka' connector, a source and a sink built on franz-go, speaking
// Flink's and ksqlDB's option names and serialization rules.
//
// How records map to rows (what the engine and planner see):
//
//   - Rec.Row has one value per TableSpec.Columns entry, in order.
//   - Key columns (Flink 'key.fields', ksqlDB ColumnSpec.Key) are decoded
//     from the record key with 'key.format'; value columns from the value.
//     Flink 'value.fields-include' = 'ALL' (the default) reads key columns
//     from the value too; ksqlDB never does.
//   - Metadata columns: 'timestamp' (the record timestamp; an instant for
//     TIMESTAMP_LTZ, wall clock in the session zone for TIMESTAMP, epoch
//     millis for BIGINT), 'partition', 'offset', 'topic', 'headers'
//     (MAP<STRING, BYTES>), 'leader-epoch', 'timestamp-type' and 'key' (the
//     raw key bytes).
//   - ksqlDB windowed topics ('window.type' = TUMBLING/HOPPING/SESSION,
//     'window.size'): the window bounds travel after the key bytes as Kafka
//     Streams writes them; metadata columns 'windowstart' / 'windowend'
//     (BIGINT millis or a timestamp type) read them, and a windowed sink
//     needs them (the planner fills them from WINDOWSTART / WINDOWEND).
//   - Rec.Ts is the record timestamp in epoch milliseconds.
//   - A tombstone (null value): for ksqlDB tables it is a Rec with Kind
//     engine.Delete, key and metadata columns filled and value columns
//     NULL (a ksqlDB STREAM should drop it, a TABLE delete the key); the
//     same for 'upsert-kafka'. The Flink 'kafka' connector drops
//     tombstones, as Flink does, except with the 'raw' value format, whose
//     null value is a row with a NULL value column (as Flink's raw format
//     reads it).
//   - Bad records: skipped, counted in SplitBatch.Skipped and logged (Flink
//     'json.ignore-parse-errors' / 'csv.ignore-parse-errors', and always for
//     ksqlDB, whose default is to log and continue), else Poll fails with an
//     error naming topic, partition and offset.
package kafka

import (
	"github.com/tumble/tumble/connectors/format"
	"github.com/tumble/tumble/engine"
)

// Name is the connector name.
const Name = "kafka"

// Register adds the 'kafka' and 'upsert-kafka' connectors to r.
func Register(r *engine.Registry) {
	RegisterUpsert(r)
	r.Register(&engine.Connector{
		Name:     Name,
		Source:   func(spec *engine.TableSpec) (engine.Source, error) { return NewSource(spec) },
		Sink:     func(spec *engine.TableSpec) (engine.Sink, error) { return NewSink(spec) },
		Options:  options(),
		Validate: Validate,
		Unused:   unused,
		Admin:    Admin{},
		Schemas:  schemas{},
		Changes:  changes,
	})
}

// changes is what a 'kafka' table's source produces: all changes with a
// changelog format (debezium-json, debezium-avro-confluent, canal-json),
// else inserts.
func changes(spec *engine.TableSpec) engine.ChangelogMode {
	if name, ok := format.FormatName(spec, "value."); ok && format.IsChangelog(name) {
		return engine.AllChanges
	}
	return engine.InsertOnlyChanges
}

// schemas is the kafka connector's engine.SchemaRegistrar: the formats'
// schema inference and registration for the table's topic.
type schemas struct{}

func (schemas) Infers(spec *engine.TableSpec, key bool) bool {
	prefix := "value."
	if key {
		prefix = "key."
	}
	name, ok := format.FormatName(spec, prefix)
	return ok && format.Infers(spec.Rules.Formats, name)
}

func (schemas) InferColumns(spec *engine.TableSpec, key bool) ([]engine.ColumnSpec, bool, error) {
	return format.InferColumns(spec, key)
}

func (schemas) RegisterSchemas(spec *engine.TableSpec, ifAbsent bool) error {
	return format.RegisterSchemas(spec, ifAbsent)
}

// UpsertName is the name of Flink's upsert connector.
const UpsertName = "upsert-kafka"

// RegisterUpsert adds Flink's 'upsert-kafka' connector to r: the topic is
// a changelog keyed by the table's PRIMARY KEY (key.format and value.format
// required); the source reads from the earliest offset and turns
// tombstones into Delete records (the planner normalizes them into a full
// changelog), the sink writes +I/+U as values and -D, or a -U that no new
// row of its key follows before the next flush, as tombstones.
func RegisterUpsert(r *engine.Registry) {
	r.Register(&engine.Connector{
		Name:   UpsertName,
		Source: func(spec *engine.TableSpec) (engine.Source, error) { return NewUpsertSource(spec) },
		Sink:   func(spec *engine.TableSpec) (engine.Sink, error) { return NewUpsertSink(spec) },
		Options: append([]string{"connector", "topic", "properties.*", "key.fields-prefix", "value.fields-include",
			"sink.parallelism", "sink.buffer-flush.max-rows", "sink.buffer-flush.interval", "sink.delivery-guarantee",
			"sink.transactional-id-prefix", "scan.parallelism", "scan.bounded.mode"},
			append(append(watermarkOptions, engine.LookupOptionKeys...), format.Options()...)...),
		Unused:        unused,
		Validate:      func(spec *engine.TableSpec) error { _, err := parseConfig(spec, true); return err },
		SourceChanges: engine.UpsertChanges,
		SinkChanges:   engine.UpsertChanges,
	})
}

// Validate checks a 'kafka' table's options (topic, formats, startup mode,
// key fields, metadata columns, sink settings) without contacting Kafka.
func Validate(spec *engine.TableSpec) error {
	_, err := parseConfig(spec, false)
	return err
}
