package format

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/hamba/avro/v2"

	"github.com/tumble/tumble/connectors/schemaregistry"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// Flink's changelog formats: a record is a change of a database row, and
// a source reading them produces Flink's full changelog (+I, -U, +U, -D),
// as Flink's debezium-json, debezium-avro-confluent and canal-json do.
const (
	DebeziumJSON          = "debezium-json"
	DebeziumAvroConfluent = "debezium-avro-confluent"
	CanalJSON             = "canal-json"
)

// IsChangelog reports whether a format's records are changes (+I, -U, +U,
// -D) rather than rows to insert.
func IsChangelog(name string) bool {
	switch strings.ToLower(name) {
	case DebeziumJSON, DebeziumAvroConfluent, CanalJSON:
		return true
	}
	return false
}

// ChangeDecoder is the Decoder of a changelog format: one record gives
// zero or more rows, each with its change kind. DecodeChanges calls add
// once per row, in order, and fills the row add returns (the decoder's
// columns only). A null record (a Kafka tombstone) gives no row.
type ChangeDecoder interface {
	Decoder
	DecodeChanges(data []byte, add func(kind engine.RowKind) []types.Value) error
}

// Decode is not how a changelog format is read; it reads the row a
// change leaves (the new row, or the deleted one) for callers that want
// one row per record.
func decodeLast(d ChangeDecoder, cols []Column, data []byte, row []types.Value) error {
	if data == nil {
		setNull(cols, row)
		return nil
	}
	got := false
	scratch := make([]types.Value, len(row))
	err := d.DecodeChanges(data, func(engine.RowKind) []types.Value { got = true; return scratch })
	if err != nil {
		return err
	}
	if !got {
		return ErrSkip
	}
	for _, c := range cols {
		row[c.Pos] = scratch[c.Pos]
	}
	return nil
}

// debeziumJSON reads Debezium's JSON envelope: {"before", "after", "op"}
// (inside "payload" when the schema is included).
type debeziumJSON struct {
	cols  []Column
	inner Decoder
}

func newDebeziumJSON(o opts, cols []Column) (*debeziumJSON, error) {
	for k := range o.spec.Options {
		rest, ok := strings.CutPrefix(strings.TrimPrefix(k, o.prefix), DebeziumJSON+".")
		if ok && rest != "schema-include" && rest != "ignore-parse-errors" && rest != "timestamp-format.standard" &&
			!strings.HasPrefix(rest, "map-null-key.") && rest != "encode.decimal-as-plain-number" {
			return nil, fmt.Errorf("%w debezium-json option '%s'", ErrUnsupported, k)
		}
	}
	in, err := newJSONDecoder(opts{spec: o.spec, prefix: o.prefix, name: JSON}, cols)
	if err != nil {
		return nil, err
	}
	return &debeziumJSON{cols: cols, inner: in}, nil
}

func (d *debeziumJSON) Decode(data []byte, row []types.Value) error {
	return decodeLast(d, d.cols, data, row)
}

type debeziumEnvelope struct {
	Before  json.RawMessage `json:"before"`
	After   json.RawMessage `json:"after"`
	Op      string          `json:"op"`
	Payload json.RawMessage `json:"payload"`
}

func (d *debeziumJSON) DecodeChanges(data []byte, add func(engine.RowKind) []types.Value) error {
	if data == nil {
		return nil
	}
	var env debeziumEnvelope
	if err := json.Unmarshal(data, &env); err != nil {
		return malformed("debezium-json: %v", err)
	}
	if len(env.Payload) > 0 && env.Op == "" {
		env = debeziumEnvelope{}
		if err := json.Unmarshal(data, &struct {
			Payload *debeziumEnvelope `json:"payload"`
		}{&env}); err != nil {
			return malformed("debezium-json: %v", err)
		}
	}
	return debeziumChanges(env.Op, !isJSONNull(env.Before), !isJSONNull(env.After), add,
		func(row []types.Value) error { return d.inner.Decode(env.Before, row) },
		func(row []types.Value) error { return d.inner.Decode(env.After, row) })
}

func isJSONNull(b json.RawMessage) bool {
	s := strings.TrimSpace(string(b))
	return s == "" || s == "null"
}

// debeziumChanges turns one Debezium change into rows: c and r (a
// snapshot read) insert the after row, u retracts before and adds after,
// d deletes before; other operations (t, truncate; m, message) give none.
func debeziumChanges(op string, hasBefore, hasAfter bool, add func(engine.RowKind) []types.Value, before, after func([]types.Value) error) error {
	switch op {
	case "c", "r":
		if !hasAfter {
			return malformed("debezium: the 'after' field of a %q change is null", op)
		}
		return after(add(engine.Insert))
	case "u":
		if !hasBefore {
			return malformed("debezium: the 'before' field of an UPDATE is null; a Postgres table needs REPLICA IDENTITY FULL")
		}
		if !hasAfter {
			return malformed("debezium: the 'after' field of an UPDATE is null")
		}
		if err := before(add(engine.UpdateBefore)); err != nil {
			return err
		}
		return after(add(engine.UpdateAfter))
	case "d":
		if !hasBefore {
			return malformed("debezium: the 'before' field of a DELETE is null; a Postgres table needs REPLICA IDENTITY FULL")
		}
		return before(add(engine.Delete))
	case "t", "m":
		return nil
	}
	return malformed("debezium: unknown operation %q", op)
}

// canalJSON reads Canal's JSON: {"data": [rows], "old": [changed fields],
// "type": INSERT|UPDATE|DELETE, "database", "table"}; DDL is skipped.
type canalJSON struct {
	cols     []Column
	inner    Decoder
	database *regexp.Regexp
	table    *regexp.Regexp
	scratch  []types.Value
}

func newCanalJSON(o opts, cols []Column) (*canalJSON, error) {
	d := &canalJSON{cols: cols}
	for k, v := range o.spec.Options {
		rest, ok := strings.CutPrefix(strings.TrimPrefix(k, o.prefix), CanalJSON+".")
		if !ok {
			continue
		}
		var err error
		switch rest {
		case "database.include":
			d.database, err = regexp.Compile("^(?:" + v + ")$")
		case "table.include":
			d.table, err = regexp.Compile("^(?:" + v + ")$")
		case "ignore-parse-errors", "timestamp-format.standard", "encode.decimal-as-plain-number":
		default:
			if !strings.HasPrefix(rest, "map-null-key.") {
				return nil, fmt.Errorf("%w canal-json option '%s'", ErrUnsupported, k)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("option '%s': %v", k, err)
		}
	}
	in, err := newJSONDecoder(opts{spec: o.spec, prefix: o.prefix, name: JSON}, cols)
	if err != nil {
		return nil, err
	}
	d.inner = in
	return d, nil
}

func (d *canalJSON) Decode(data []byte, row []types.Value) error {
	return decodeLast(d, d.cols, data, row)
}

func (d *canalJSON) DecodeChanges(data []byte, add func(engine.RowKind) []types.Value) error {
	if data == nil {
		return nil
	}
	var env struct {
		Data     []json.RawMessage `json:"data"`
		Old      []json.RawMessage `json:"old"`
		Type     string            `json:"type"`
		Database string            `json:"database"`
		Table    string            `json:"table"`
		IsDdl    bool              `json:"isDdl"`
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return malformed("canal-json: %v", err)
	}
	if env.IsDdl || (d.database != nil && !d.database.MatchString(env.Database)) || (d.table != nil && !d.table.MatchString(env.Table)) {
		return nil
	}
	switch env.Type {
	case "INSERT":
		for _, r := range env.Data {
			if err := d.inner.Decode(r, add(engine.Insert)); err != nil {
				return err
			}
		}
	case "DELETE":
		for _, r := range env.Data {
			if err := d.inner.Decode(r, add(engine.Delete)); err != nil {
				return err
			}
		}
	case "UPDATE":
		if len(env.Old) != len(env.Data) {
			return malformed("canal-json: an UPDATE with %d rows in 'data' and %d in 'old'", len(env.Data), len(env.Old))
		}
		for i, r := range env.Data {
			// the row before: 'data' with the fields 'old' changed
			before := add(engine.UpdateBefore)
			if err := d.inner.Decode(r, before); err != nil {
				return err
			}
			var old map[string]json.RawMessage
			if err := json.Unmarshal(env.Old[i], &old); err != nil {
				return malformed("canal-json: 'old': %v", err)
			}
			if len(d.scratch) < len(before) {
				d.scratch = make([]types.Value, len(before))
			}
			if err := d.inner.Decode(env.Old[i], d.scratch[:len(before)]); err != nil {
				return err
			}
			for _, c := range d.cols {
				if _, changed := old[c.Name]; changed {
					before[c.Pos] = d.scratch[c.Pos]
				}
			}
			if err := d.inner.Decode(r, add(engine.UpdateAfter)); err != nil {
				return err
			}
		}
	case "CREATE", "ALTER", "ERASE", "QUERY", "TRUNCATE", "RENAME", "CINDEX", "DINDEX", "GTID", "XACOMMIT", "XAROLLBACK", "MHEARTBEAT":
		return nil
	default:
		return malformed("canal-json: unknown type %q", env.Type)
	}
	return nil
}

// debeziumAvro reads Debezium's envelope written by Confluent's Avro
// converter: before and after are nullable records of the row.
type debeziumAvro struct {
	cols  []Column
	reg   *registry
	progs map[int]*avroProgram
	r     *avro.Reader
	env   []types.Value // before, after, op
	row   types.Type
}

func newDebeziumAvro(o opts, cols []Column) (*debeziumAvro, error) {
	if err := checkSchemaOptions(o); err != nil {
		return nil, err
	}
	reg, err := registryOf(o, "url")
	if err != nil {
		return nil, err
	}
	st := types.Type{Kind: types.Struct}
	for _, c := range cols {
		st.Fields = append(st.Fields, types.Field{Name: c.Name, Type: c.Type})
	}
	return &debeziumAvro{cols: cols, reg: reg, progs: map[int]*avroProgram{}, r: avro.NewReader(nil, 0), env: make([]types.Value, 3), row: st}, nil
}

func (d *debeziumAvro) Decode(data []byte, row []types.Value) error {
	return decodeLast(d, d.cols, data, row)
}

func (d *debeziumAvro) DecodeChanges(data []byte, add func(engine.RowKind) []types.Value) error {
	if data == nil {
		return nil
	}
	id, payload, err := wireHeader(data)
	if err != nil {
		return err
	}
	p := d.progs[id]
	if p == nil {
		s, err := d.reg.byIDParsed(id)
		if err != nil {
			return malformed("%v", err)
		}
		if s.Type != schemaregistry.Avro {
			return malformed("schema id %d is a %s schema, not Avro", id, s.Type)
		}
		env := []Column{{Name: "before", Type: d.row, Pos: 0}, {Name: "after", Type: d.row, Pos: 1}, {Name: "op", Type: types.TString, Pos: 2}}
		if p, err = newAvroProgram(s.Avro, env, false); err != nil {
			return malformed("schema id %d: %v", id, err)
		}
		d.progs[id] = p
	}
	d.r.Reset(payload)
	d.r.Error = nil
	if err := p.run(d.r, d.env, nil); err != nil {
		return malformed("avro: %v", err)
	}
	fill := func(v types.Value) func([]types.Value) error {
		return func(row []types.Value) error {
			es := v.Elems()
			for i, c := range d.cols {
				row[c.Pos] = es[i]
			}
			return nil
		}
	}
	return debeziumChanges(d.env[2].S, !d.env[0].IsNull(), !d.env[1].IsNull(), add, fill(d.env[0]), fill(d.env[1]))
}
