package engine

// TableRules are the conventions a dialect's tables follow in their
// records and topics: which format names exist, how a record's bytes hold
// its columns, how text becomes values, which columns make the key, where
// reading starts and what a sink does with its topic. The planner fills
// them in on TableSpec from the table's dialect; connectors and formats
// read the behaviour they need, never the dialect's name (as operators
// read WindowAgg.Emit). The zero value of each is Flink SQL's.
type TableRules struct {
	// Formats is the vocabulary of format names, and what each means.
	Formats FormatNames
	// Registry is where a format with a Schema Registry finds it.
	Registry RegistrySource
	// SingleValues is how a part of a record with a single column holds
	// it.
	SingleValues SingleValues
	// FieldMatch is how a payload's field names match column names.
	FieldMatch FieldMatch
	// InferredNames is how columns inferred from a registered schema are
	// named.
	InferredNames InferredNames
	// MapKeys is which MAP key types the formats take.
	MapKeys MapKeys
	// Booleans is how text and numbers are read as BOOLEAN.
	Booleans BooleanText
	// Temporals is how DATE, TIME and TIMESTAMP values are written in text
	// formats (JSON, DELIMITED).
	Temporals TemporalText
	// RecordNames is how the record and enum types of the schemas a
	// format writes are named.
	RecordNames RecordNames
	// BadRecords is what a source does with a record it cannot decode.
	BadRecords BadRecords
	// Keys is which columns make the record key.
	Keys KeyColumns
	// NullValues is what a record with a null value (a tombstone) is.
	NullValues NullValues
	// Start is where a query's reading starts when the table names no
	// startup mode, and what a position that fell out of the log moves to.
	Start StartPosition
	// SinkTopics is whether a sink creates its topic before writing.
	SinkTopics SinkTopics
	// SinkTimes is which timestamp a sink gives the records it writes.
	SinkTimes SinkTimes
	// Wording is how errors name a table's options.
	Wording OptionWording
}

// FormatNames is a vocabulary of format names.
type FormatNames uint8

const (
	// FormatNamesFlink: json, csv, raw, avro (plain Avro, no registry),
	// avro-confluent and Confluent Cloud's avro-registry, proto-registry
	// and json-registry, the changelog formats debezium-json,
	// debezium-avro-confluent and canal-json.
	FormatNamesFlink FormatNames = iota
	// FormatNamesKSQL: JSON, KAFKA, DELIMITED, NONE, and AVRO, PROTOBUF
	// and JSON_SR through the registry, PROTOBUF_NOSR without one
	// (ksqlDB's).
	FormatNamesKSQL
)

// RegistrySource is where a format finds its Schema Registry and subject.
type RegistrySource uint8

const (
	// RegistryPerTable: the table's '<format>.url' option, else the
	// server's registry; '<format>.subject' names the subject (Flink).
	RegistryPerTable RegistrySource = iota
	// RegistryOfServer: always the server's registry, subjects named
	// after the topic (ksqlDB's ksql.schema.registry.url).
	RegistryOfServer
)

// SingleValues is how a key or value with a single column holds it.
type SingleValues uint8

const (
	// SingleValuesWrapped: a record or object of its columns, however
	// many (Flink).
	SingleValuesWrapped SingleValues = iota
	// SingleKeyUnwrapped: a key with one column is the bare value (unless
	// 'key.wrap.single.value' = 'true'); a value with one column is bare
	// when 'wrap.single.value' = 'false' (ksqlDB's WRAP_SINGLE_VALUE).
	SingleKeyUnwrapped
)

// FieldMatch is how a payload's field names find their columns.
type FieldMatch uint8

const (
	FieldsExact      FieldMatch = iota // by exact name (Flink)
	FieldsIgnoreCase                   // ignoring case: columns are upper case, fields often not (ksqlDB)
)

// InferredNames is how columns inferred from a registered schema are
// named.
type InferredNames uint8

const (
	// InferredAsWritten: as the schema's fields are named (Flink).
	InferredAsWritten InferredNames = iota
	// InferredUpper: columns and struct fields inferred from a subject's
	// newest schema are upper-cased; a schema named by its id keeps its
	// names (ksqlDB).
	InferredUpper
)

// MapKeys is which MAP key types formats accept.
type MapKeys uint8

const (
	MapKeysAny    MapKeys = iota // any key type the format can write (Flink)
	MapKeysString                // JSON, AVRO, PROTOBUF and JSON_SR maps have STRING keys (ksqlDB)
)

// BooleanText is how BOOLEAN is read from text and numbers.
type BooleanText uint8

const (
	// BooleansJava: 'true' (any case) is TRUE, any other text and any
	// number FALSE (Java's Boolean.parseBoolean, Flink).
	BooleansJava BooleanText = iota
	// BooleansStrict: 'true' or 'false' (any case); anything else is a
	// bad record (ksqlDB).
	BooleansStrict
)

// TemporalText is how text formats write temporal values.
type TemporalText uint8

const (
	// TemporalsAsText: 'yyyy-MM-dd', 'HH:mm:ss', 'yyyy-MM-dd
	// HH:mm:ss.ffffff' (Flink's JSON and CSV).
	TemporalsAsText TemporalText = iota
	// TemporalsAsEpoch: days, milliseconds of the day and epoch
	// milliseconds, as numbers; DELIMITED also reads integers so (ksqlDB).
	TemporalsAsEpoch
)

// RecordNames is how the schemas a format writes name their records.
type RecordNames uint8

const (
	// RecordNamesFlink: org.apache.flink.avro.generated.record, nested
	// records named after their field path.
	RecordNamesFlink RecordNames = iota
	// RecordNamesKSQL: io.confluent.ksql.avro_schemas.KsqlDataSourceSchema
	// for values and <Source>Key for keys.
	RecordNamesKSQL
)

// BadRecords is what a source does with a record it cannot decode.
type BadRecords uint8

const (
	// BadRecordsByOption: the job fails, unless the format's
	// 'ignore-parse-errors' is set: then a field that cannot be read is
	// NULL (JSON) or the record is skipped (Flink).
	BadRecordsByOption BadRecords = iota
	// BadRecordsSkipped: always skipped, counted and logged (ksqlDB's
	// processing log).
	BadRecordsSkipped
)

// KeyColumns is which columns make the record key.
type KeyColumns uint8

const (
	// KeysByOption: the columns 'key.fields' names (or upsert-kafka's
	// PRIMARY KEY), in 'key.format'; the value keeps them unless
	// 'value.fields-include' = 'EXCEPT_KEY'. The kafka connector refuses a
	// PRIMARY KEY (Flink).
	KeysByOption KeyColumns = iota
	// KeysDeclared: the columns declared KEY, in the key format (not NONE);
	// the value never holds them; keys may be windowed ('window.type')
	// (ksqlDB).
	KeysDeclared
)

// NullValues is what a source makes of a record whose value is null, and
// whether a sink writes deletes.
type NullValues uint8

const (
	// NullValuesDropped: the record is dropped; a sink refuses updates and
	// deletes (Flink's kafka connector; upsert-kafka is a changelog
	// whatever the rule).
	NullValuesDropped NullValues = iota
	// NullValuesDelete: the record deletes its key (a tombstone), and a
	// sink writes deletes as tombstones (ksqlDB).
	NullValuesDelete
)

// StartPosition is where a source starts when the table names no
// 'scan.startup.mode'.
type StartPosition uint8

const (
	// StartByGroup: from the consumer group's offsets when
	// 'properties.group.id' is set, else the earliest; a position out of
	// the log follows the startup mode (Flink).
	StartByGroup StartPosition = iota
	// StartByOffsetReset: where the session's 'auto.offset.reset' says,
	// latest by default, and so for a position out of the log (ksqlDB).
	StartByOffsetReset
)

// SinkTopics is whether a sink makes its topic.
type SinkTopics uint8

const (
	// TopicsAutoCreated: the broker creates a missing topic on the first
	// write, if it does (Flink).
	TopicsAutoCreated SinkTopics = iota
	// TopicsCreatedBySink: the sink creates its topic when it starts, with
	// the table's partitions, replicas and cleanup policy (ksqlDB).
	TopicsCreatedBySink
)

// SinkTimes is which timestamp a sink gives a record when no timestamp
// column is written.
type SinkTimes uint8

const (
	SinkTimeOfWriting SinkTimes = iota // the producer's clock (Flink)
	SinkTimeOfInput                    // the input's ROWTIME, epoch 0 included (ksqlDB)
)

// OptionWording is how errors name options.
type OptionWording uint8

const (
	WordOptionKeys OptionWording = iota // "option 'topic' is required" (Flink's WITH keys)
	WordProperties                      // "the KAFKA_TOPIC property is required" (ksqlDB's WITH properties)
)
