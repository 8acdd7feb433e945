// Package format owns the record formats that connectors share: Flink's
// json, csv and raw, and ksqlDB's JSON, KAFKA, DELIMITED and NONE. A Decoder
// turns the bytes of a record key or value into values at given positions of
// a row; an Encoder does the reverse. Both are driven by the table schema
// (no reflection, no intermediate tree): the JSON decoder scans an object
// once and decodes only the fields a column asks for.
//
// Decoders and encoders keep scratch state and are not safe for concurrent
// use; build one per goroutine.
package format

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// Column is one column a format reads or writes.
type Column struct {
	// Name is the field name in the payload (for a Flink key with
	// 'key.fields-prefix', the column name without the prefix).
	Name string
	Type types.Type
	// Pos is the column's index in the row.
	Pos int
}

// Decoder decodes one serialized key or value.
type Decoder interface {
	// Decode writes every column of the decoder into row (at Column.Pos),
	// NULL where the payload has no value for it. data nil means a null
	// payload (a Kafka tombstone): all columns become NULL. On error row
	// may be partly written. Decode retains neither data nor row.
	Decode(data []byte, row []types.Value) error
}

// Encoder encodes columns of a row.
type Encoder interface {
	// Encode appends the encoding of the encoder's columns of row to dst.
	// null is true when the result is an absent (null) payload rather than
	// bytes, e.g. a raw format whose only column is NULL.
	Encode(dst []byte, row []types.Value) (out []byte, null bool, err error)
}

// ErrMalformed is wrapped by every error a Decoder returns for bad input.
var ErrMalformed = errors.New("malformed record")

// ErrSkip is returned by Decode for a record the format drops on purpose
// (a CSV comment line with 'csv.allow-comments'); callers skip it without
// counting it as bad.
var ErrSkip = errors.New("record skipped by format")

// ErrUnsupported is wrapped by errors about a format or type that is not
// supported.
var ErrUnsupported = errors.New("unsupported")

// Format names.
const (
	JSON      = "json"
	CSV       = "csv"
	Raw       = "raw"
	Kafka     = "kafka"     // ksqlDB KAFKA
	Delimited = "delimited" // ksqlDB DELIMITED
	None      = "none"      // ksqlDB NONE (no key)
)

// Names lists the formats of a vocabulary.
func Names(vocabulary engine.FormatNames) []string {
	if vocabulary == engine.FormatNamesKSQL {
		return []string{JSON, Kafka, Delimited, None, Avro, Protobuf, ProtobufNoSR, JSONSR}
	}
	return []string{JSON, CSV, Raw, Avro, AvroConfluent, AvroRegistry, ProtoRegistry, JSONRegistry, DebeziumJSON, DebeziumAvroConfluent, CanalJSON}
}

// Options returns the option keys (with trailing '*' for prefixes) that
// formats accept, for a connector's accepted-option list.
func Options() []string {
	return []string{"format", "key.format", "value.format", "json.*", "csv.*", "raw.*",
		"key.json.*", "key.csv.*", "key.raw.*", "value.json.*", "value.csv.*", "value.raw.*",
		"value.delimiter", "key.delimiter", "wrap.single.value",
		"avro.*", "key.avro.*", "value.avro.*", "avro-confluent.*", "key.avro-confluent.*", "value.avro-confluent.*",
		"avro-registry.*", "key.avro-registry.*", "value.avro-registry.*", "proto-registry.*", "key.proto-registry.*",
		"value.proto-registry.*", "json-registry.*", "key.json-registry.*", "value.json-registry.*",
		"debezium-json.*", "value.debezium-json.*", "canal-json.*", "value.canal-json.*",
		"debezium-avro-confluent.*", "value.debezium-avro-confluent.*",
		// ksqlDB's KEY_SCHEMA_ID, VALUE_SCHEMA_ID, *_SCHEMA_FULL_NAME
		"key.schema.id", "value.schema.id", "key.schema.full.name", "value.schema.full.name", "key.wrap.single.value",
		"key.protobuf.nullable.representation", "value.protobuf.nullable.representation"}
}

// FormatName returns the format configured for prefix ("key." or "value."
// or ""), lower-cased, and whether one was set. For "value." the plain
// 'format' option is the fallback (Flink's either-or).
func FormatName(spec *engine.TableSpec, prefix string) (string, bool) {
	if v, ok := spec.Option(prefix + "format"); ok {
		return strings.ToLower(strings.TrimSpace(v)), true
	}
	if prefix == "value." {
		if v, ok := spec.Option("format"); ok {
			return strings.ToLower(strings.TrimSpace(v)), true
		}
	}
	return "", false
}

// opts reads the options of one format instance.
type opts struct {
	spec   *engine.TableSpec
	prefix string // "key.", "value." or ""
	name   string // format name
}

// get returns '<prefix><name>.<key>', falling back to '<name>.<key>' for
// values (Flink accepts 'json.x' with 'format' and 'value.json.x' with
// 'value.format').
func (o opts) get(key string) (string, bool) {
	if v, ok := o.spec.Option(o.prefix + o.name + "." + key); ok {
		return v, true
	}
	if o.prefix != "key." {
		if v, ok := o.spec.Option(o.name + "." + key); ok {
			return v, true
		}
	}
	return "", false
}

func (o opts) bool(key string, def bool) (bool, error) {
	v, ok := o.get(key)
	if !ok {
		return def, nil
	}
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return false, fmt.Errorf("option '%s%s.%s': want true or false, got '%s'", o.prefix, o.name, key, v)
	}
	return b, nil
}

// rules are the table's conventions (engine.TableRules).
func (o opts) rules() *engine.TableRules { return &o.spec.Rules }

// location returns the session time zone: Defaults["local-time-zone"],
// else time.Local.
func location(spec *engine.TableSpec) (*time.Location, error) {
	return Location(spec.Defaults["local-time-zone"])
}

// Location resolves a zone name as Flink's 'table.local-time-zone' does;
// empty means time.Local.
func Location(name string) (*time.Location, error) {
	switch strings.TrimSpace(name) {
	case "":
		return time.Local, nil
	case "UTC", "Z", "GMT":
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("local-time-zone '%s': %w", name, err)
	}
	return loc, nil
}

// SkipsBadRecords reports whether the format of prefix is configured to
// skip records it cannot decode ('json.ignore-parse-errors',
// 'csv.ignore-parse-errors'), or the table's rules skip every bad record
// (engine.BadRecordsSkipped: ksqlDB's processing log).
func SkipsBadRecords(spec *engine.TableSpec, prefix string) bool {
	if spec.Rules.BadRecords == engine.BadRecordsSkipped {
		return true
	}
	name, _ := FormatName(spec, prefix)
	o := opts{spec: spec, prefix: prefix, name: name}
	b, _ := o.bool("ignore-parse-errors", false)
	return b
}

// NewDecoder builds the decoder for one part of a record. prefix selects
// the options: "key." reads 'key.format' and 'key.<fmt>.*', "value." reads
// 'value.format' (or 'format') and 'value.<fmt>.*' (or '<fmt>.*'), ""
// reads 'format' and '<fmt>.*'. It returns (nil, nil) for ksqlDB's NONE.
func NewDecoder(spec *engine.TableSpec, cols []Column, prefix string) (Decoder, error) {
	o, err := resolve(spec, prefix, cols)
	if err != nil {
		return nil, err
	}
	switch o.name {
	case None:
		return nil, nil
	case JSON:
		return newJSONDecoder(o, cols)
	case CSV, Delimited:
		return newCSVDecoder(o, cols)
	case Raw, Kafka:
		return newRawDecoder(o, cols)
	case Avro, AvroConfluent, AvroRegistry, ProtoRegistry, JSONRegistry, Protobuf, ProtobufNoSR, JSONSR:
		return newSchemaDecoder(o, cols)
	case DebeziumJSON:
		return newDebeziumJSON(o, cols)
	case CanalJSON:
		return newCanalJSON(o, cols)
	case DebeziumAvroConfluent:
		return newDebeziumAvro(o, cols)
	}
	return nil, unknownFormat(spec, o.name)
}

// NewEncoder builds the encoder for one part of a record; prefix as for
// NewDecoder. It returns (nil, nil) for ksqlDB's NONE.
func NewEncoder(spec *engine.TableSpec, cols []Column, prefix string) (Encoder, error) {
	o, err := resolve(spec, prefix, cols)
	if err != nil {
		return nil, err
	}
	switch o.name {
	case None:
		return nil, nil
	case JSON:
		return newJSONEncoder(o, cols)
	case CSV, Delimited:
		return newCSVEncoder(o, cols)
	case Raw, Kafka:
		return newRawEncoder(o, cols)
	case Avro, AvroConfluent, AvroRegistry, ProtoRegistry, JSONRegistry, Protobuf, ProtobufNoSR, JSONSR:
		return newSchemaEncoder(o, cols)
	case DebeziumJSON, CanalJSON, DebeziumAvroConfluent:
		return nil, fmt.Errorf("%w: format '%s' is read-only in Tumble (a source of changes); a sink cannot write it", ErrUnsupported, o.name)
	}
	return nil, unknownFormat(spec, o.name)
}

// Validate checks the format options of prefix against cols without
// building anything long-lived.
func Validate(spec *engine.TableSpec, cols []Column, prefix string) error {
	if _, err := NewDecoder(spec, cols, prefix); err != nil {
		return err
	}
	if name, _ := FormatName(spec, prefix); IsChangelog(name) {
		return nil // read-only: refused when a sink is built
	}
	_, err := NewEncoder(spec, cols, prefix)
	return err
}

func resolve(spec *engine.TableSpec, prefix string, cols []Column) (opts, error) {
	name, ok := FormatName(spec, prefix)
	if !ok {
		return opts{}, fmt.Errorf("missing option '%sformat'", prefix)
	}
	o := opts{spec: spec, prefix: prefix, name: name}
	known := false
	for _, n := range Names(spec.Rules.Formats) {
		known = known || n == name
	}
	if !known {
		return o, unknownFormat(spec, name)
	}
	if name == None && len(cols) > 0 {
		return o, fmt.Errorf("format NONE cannot hold columns (%s)", colNames(cols))
	}
	return o, nil
}

func unknownFormat(spec *engine.TableSpec, name string) error {
	return fmt.Errorf("%w format '%s' (supported: %s)", ErrUnsupported, name, strings.Join(Names(spec.Rules.Formats), ", "))
}

func colNames(cols []Column) string {
	n := make([]string, len(cols))
	for i, c := range cols {
		n[i] = c.Name
	}
	sort.Strings(n)
	return strings.Join(n, ", ")
}

// malformed builds a decode error.
func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}

// setNull sets all columns to NULL.
func setNull(cols []Column, row []types.Value) {
	for _, c := range cols {
		row[c.Pos] = types.Value{}
	}
}

// ParseDuration reads Flink durations as options give them: "5 min",
// "10s", "100 ms", "1 h", "2 days"; a bare number is milliseconds.
func ParseDuration(s string) (time.Duration, error) { return types.ParseDuration(s) }
