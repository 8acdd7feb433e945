package format

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/hamba/avro/v2"

	"github.com/tumble/tumble/connectors/schemaregistry"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// Formats with schemas: ksqlDB's AVRO, PROTOBUF, PROTOBUF_NOSR and
// JSON_SR, Flink's avro and avro-confluent.
const (
	Avro          = "avro"
	AvroConfluent = "avro-confluent"
	Protobuf      = "protobuf"
	ProtobufNoSR  = "protobuf_nosr"
	JSONSR        = "json_sr"
	// Confluent Cloud's Flink names the formats with a registry so.
	AvroRegistry  = "avro-registry"
	ProtoRegistry = "proto-registry"
	JSONRegistry  = "json-registry"
)

// UsesRegistry reports whether a format of a vocabulary reads and writes
// Confluent's wire format through a Schema Registry (ksqlDB's AVRO does,
// Flink's avro does not).
func UsesRegistry(vocabulary engine.FormatNames, name string) bool {
	switch strings.ToLower(name) {
	case AvroConfluent, AvroRegistry, ProtoRegistry, JSONRegistry, Protobuf, JSONSR:
		return true
	case Avro:
		return vocabulary == engine.FormatNamesKSQL
	}
	return false
}

// Infers reports whether a format can give a table its columns from the
// registry (ksqlDB's schema inference).
func Infers(vocabulary engine.FormatNames, name string) bool { return UsesRegistry(vocabulary, name) }

// schemaPart is what a schema format knows of its part of a record.
type schemaPart struct {
	o         opts
	cols      []Column
	key       bool
	unwrapped bool // the single column is the whole datum
	reg       *registry
	subject   string
	id        int    // KEY_SCHEMA_ID / VALUE_SCHEMA_ID, 0 when not given
	fullName  string // the record name to write
	typ       string // schemaregistry.Avro, Protobuf or JSON
	// nullable is how a Protobuf schema written for the columns says
	// NULL: "" (it cannot: proto3 defaults), "optional" or "wrapper"
	// (ksqlDB's *_PROTOBUF_NULLABLE_REPRESENTATION)
	nullable string
}

func newSchemaPart(o opts, cols []Column) (*schemaPart, error) {
	p := &schemaPart{o: o, cols: cols, key: o.prefix == "key.", subject: subjectOf(o.spec, o.prefix)}
	switch o.name {
	case Avro, AvroConfluent, AvroRegistry:
		p.typ = schemaregistry.Avro
	case Protobuf, ProtobufNoSR, ProtoRegistry:
		p.typ = schemaregistry.Protobuf
	case JSONSR, JSONRegistry:
		p.typ = schemaregistry.JSON
	}
	single := len(cols) == 1
	if p.key {
		// ksqlDB unwraps a single key column in every format that can
		// (Protobuf keys are always messages), unless the key's columns
		// came from the fields of a registered record
		// (Protobuf keys are messages: a single STRUCT column is the
		// message, other single columns are wrapped in one)
		p.unwrapped = single && o.rules().SingleValues == engine.SingleKeyUnwrapped && o.spec.Options["key.wrap.single.value"] != "true" &&
			(p.typ != schemaregistry.Protobuf || cols[0].Type.Kind == types.Struct)
	} else if v, ok := o.spec.Option("wrap.single.value"); ok && single {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("WRAP_SINGLE_VALUE must be true or false, not '%s'", v)
		}
		p.unwrapped = !b
	}
	if p.typ == schemaregistry.Protobuf && p.unwrapped && !p.key {
		return nil, fmt.Errorf("%w: Format 'PROTOBUF' does not support 'WRAP_SINGLE_VALUE' set to 'false'.", ErrUnsupported)
	}
	if err := checkSchemaOptions(o); err != nil {
		return nil, err
	}
	id, ok, err := schemaIDOption(o)
	if err != nil {
		return nil, err
	}
	if ok {
		p.id = id
	}
	if v, ok := o.spec.Option(o.prefix + "protobuf.nullable.representation"); ok {
		switch n := strings.ToLower(strings.TrimSpace(v)); n {
		case "optional", "wrapper":
			if p.typ != schemaregistry.Protobuf {
				return nil, fmt.Errorf("%s does not support the following configs: [nullableRepresentation]", strings.ToUpper(o.name))
			}
			p.nullable = n
		default:
			return nil, fmt.Errorf("%sPROTOBUF_NULLABLE_REPRESENTATION must be OPTIONAL or WRAPPER, not '%s'", strings.ToUpper(o.prefix[:len(o.prefix)-1])+"_", v)
		}
	}
	if v, ok := o.spec.Option(o.prefix + "schema.full.name"); ok {
		if strings.TrimSpace(v) == "" {
			return nil, fmt.Errorf("fullSchemaName cannot be empty. Format configuration: {fullSchemaName=%s}", v)
		}
		p.fullName = v
	}
	if o.rules().MapKeys == engine.MapKeysString {
		if err := stringMapKeys(cols, p.typ); err != nil {
			return nil, err
		}
	}
	if UsesRegistry(o.rules().Formats, o.name) {
		perTable := o.rules().Registry == engine.RegistryPerTable
		url := ""
		if perTable {
			url = "url" // 'avro-confluent.url', 'value.proto-registry.url', ...
		}
		if p.reg, err = registryOf(o, url); err != nil {
			return nil, err
		}
		if perTable {
			if s, ok := o.get("subject"); ok {
				p.subject = s
			}
		}
	}
	return p, nil
}

// stringMapKeys refuses MAP columns whose keys are not strings, in the
// words of ksqlDB's formats.
func stringMapKeys(cols []Column, typ string) error {
	var bad func(t types.Type) bool
	bad = func(t types.Type) bool {
		switch t.Kind {
		case types.Map:
			return (t.Key != nil && t.Key.Kind != types.String) || (t.Elem != nil && bad(*t.Elem))
		case types.Array:
			return t.Elem != nil && bad(*t.Elem)
		case types.Struct:
			for _, f := range t.Fields {
				if bad(f.Type) {
					return true
				}
			}
		}
		return false
	}
	for _, c := range cols {
		if bad(c.Type) {
			switch typ {
			case schemaregistry.Avro:
				return fmt.Errorf("Avro only supports MAPs with STRING keys")
			case schemaregistry.Protobuf:
				return fmt.Errorf("PROTOBUF format only supports MAP types with STRING keys")
			default:
				return fmt.Errorf("JSON only supports MAP types with STRING keys")
			}
		}
	}
	return nil
}

// avroNames checks that column and field names are Avro names.
func avroNameCheck(cols []Column) error {
	var check func(name string) error
	check = func(name string) error {
		for i, r := range name {
			ok := r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (i > 0 && r >= '0' && r <= '9')
			if !ok {
				if i == 0 {
					return fmt.Errorf("Schema is not compatible with Avro: Illegal initial character: %s", name)
				}
				return fmt.Errorf("Schema is not compatible with Avro: Illegal character in: %s", name)
			}
		}
		return nil
	}
	var walk func(t types.Type) error
	walk = func(t types.Type) error {
		switch t.Kind {
		case types.Struct:
			for _, f := range t.Fields {
				if err := check(f.Name); err != nil {
					return err
				}
				if err := walk(f.Type); err != nil {
					return err
				}
			}
		case types.Array, types.Map:
			if t.Elem != nil {
				return walk(*t.Elem)
			}
		}
		return nil
	}
	for _, c := range cols {
		if err := check(c.Name); err != nil {
			return err
		}
		if err := walk(c.Type); err != nil {
			return err
		}
	}
	return nil
}

// names are the record names written: ksqlDB's
// io.confluent.ksql.avro_schemas.KsqlDataSourceSchema for values and
// <Source>Key for keys, unless *_SCHEMA_FULL_NAME says otherwise.
func (p *schemaPart) names() avroNames {
	if p.o.rules().RecordNames == engine.RecordNamesFlink {
		n := flinkNames()
		if p.fullName != "" {
			n.full = p.fullName
		}
		return n
	}
	full := p.fullName
	if full == "" {
		if p.key {
			full = KsqlKeySchemaName(p.o.spec.Name)
		} else {
			full = ksqlAvroNamespace + ".KsqlDataSourceSchema"
		}
	}
	return ksqlNames(full)
}

// Generated is the schema a format writes for its columns (no registry).
func (p *schemaPart) generated() (schemaregistry.Source, error) {
	switch p.typ {
	case schemaregistry.Avro:
		if !(p.unwrapped && len(p.cols) == 1 && p.cols[0].Type.Kind != types.Struct) {
			if err := avroNameCheck(p.cols); err != nil {
				return schemaregistry.Source{}, err
			}
		}
		return schemaregistry.Source{Type: schemaregistry.Avro, Text: avroSchemaText(p.cols, p.unwrapped, p.names())}, nil
	case schemaregistry.Protobuf:
		return schemaregistry.Source{Type: schemaregistry.Protobuf, Text: protoSchemaTextNullable(p.protoCols(), p.protoName(), p.nullable)}, nil
	case schemaregistry.JSON:
		return schemaregistry.Source{Type: schemaregistry.JSON, Text: jsonSchemaText(p.cols, p.unwrapped)}, nil
	}
	return schemaregistry.Source{}, fmt.Errorf("no schema for format %s", p.o.name)
}

// writerSchema finds the schema records are written with and its id:
// the one KEY_SCHEMA_ID / VALUE_SCHEMA_ID names, else the generated one,
// registered under the subject (an identical schema keeps its id).
func (p *schemaPart) writerSchema() (*schemaregistry.Parsed, int, error) {
	if p.reg == nil {
		src, err := p.generated()
		if err != nil {
			return nil, 0, err
		}
		parsed, err := schemaregistry.Parse(context.Background(), src, nil)
		return parsed, -1, err
	}
	if p.id > 0 {
		s, err := p.reg.byIDParsed(p.id)
		if err == nil && s.Type != p.typ {
			err = fmt.Errorf("Format and fetched schema type using %sSCHEMA_ID %d are different. Format: [%s], Fetched schema type: [%s].",
				strings.ToUpper(p.o.prefix[:len(p.o.prefix)-1])+"_", p.id, strings.ToUpper(p.o.name), s.Type)
		}
		return s, p.id, err
	}
	src, err := p.generated()
	if err != nil {
		return nil, 0, err
	}
	parsed, err := schemaregistry.Parse(context.Background(), src, nil)
	if err != nil {
		return nil, 0, err
	}
	id, err := p.reg.register(p.subject, src)
	return parsed, id, err
}

// lazyEncoder finds its schema (and registers it) on first use, so that
// checking a table's options never calls the registry.
type lazyEncoder struct {
	once sync.Once
	part *schemaPart
	enc  Encoder
	err  error
}

func (l *lazyEncoder) Encode(dst []byte, row []types.Value) ([]byte, bool, error) {
	l.once.Do(func() {
		s, id, err := l.part.writerSchema()
		if err != nil {
			l.err = fmt.Errorf("%s format of subject '%s': %w", strings.ToUpper(l.part.o.name), l.part.subject, err)
			return
		}
		l.enc, l.err = l.part.encoderFor(s, id)
	})
	if l.err != nil {
		return dst, false, l.err
	}
	return l.enc.Encode(dst, row)
}

func (p *schemaPart) encoderFor(s *schemaregistry.Parsed, id int) (Encoder, error) {
	switch s.Type {
	case schemaregistry.Avro:
		return newAvroEncoderFor(s.Avro, p.cols, p.unwrapped, id)
	case schemaregistry.Protobuf:
		return newProtoEncoder(p, s, id)
	case schemaregistry.JSON:
		return newJSONSREncoder(p, s, id)
	}
	return nil, fmt.Errorf("schema type %s", s.Type)
}

func newSchemaDecoder(o opts, cols []Column) (Decoder, error) {
	p, err := newSchemaPart(o, cols)
	if err != nil {
		return nil, err
	}
	switch p.typ {
	case schemaregistry.Avro:
		d := &avroDecoder{cols: cols, unwrapped: p.unwrapped, reg: p.reg, progs: map[int]*avroProgram{}, r: avro.NewReader(nil, 0)}
		if p.reg == nil {
			src, err := p.generated()
			if err != nil {
				return nil, err
			}
			s, err := schemaregistry.Parse(context.Background(), src, nil)
			if err != nil {
				return nil, err
			}
			if d.bare, err = newAvroProgram(s.Avro, cols, p.unwrapped); err != nil {
				return nil, err
			}
		}
		return d, nil
	case schemaregistry.Protobuf:
		return newProtoDecoder(p)
	case schemaregistry.JSON:
		return newJSONSRDecoder(p)
	}
	return nil, unknownFormat(o.spec, o.name)
}

func newSchemaEncoder(o opts, cols []Column) (Encoder, error) {
	p, err := newSchemaPart(o, cols)
	if err != nil {
		return nil, err
	}
	return &lazyEncoder{part: p}, nil
}

// partColumns splits a table's columns into key or value columns as the
// kafka connector does for ksqlDB (ColumnSpec.Key).
func partColumns(spec *engine.TableSpec, key bool) []Column {
	var cols []Column
	for i, c := range spec.Columns {
		if c.Metadata != "" || c.Key != key {
			continue
		}
		cols = append(cols, Column{Name: c.Name, Type: c.Type, Pos: i})
	}
	return cols
}

// RegisterSchemas registers the schemas a ksqlDB table's key and value
// formats write, under the topic's subjects, as ksqlDB does when it runs
// CREATE (ifAbsent: only where the subject has no schema yet) or CREATE
// ... AS SELECT (always). A part with KEY_SCHEMA_ID / VALUE_SCHEMA_ID
// registers the schema of that id. Formats without a registry do nothing.
func RegisterSchemas(spec *engine.TableSpec, ifAbsent bool) error {
	for _, prefix := range []string{"key.", "value."} {
		name, ok := FormatName(spec, prefix)
		if !ok || !UsesRegistry(spec.Rules.Formats, name) {
			continue
		}
		cols := partColumns(spec, prefix == "key.")
		if prefix == "key." && len(cols) == 0 {
			continue
		}
		p, err := newSchemaPart(opts{spec: spec, prefix: prefix, name: name}, cols)
		if err != nil {
			return err
		}
		if p.id > 0 {
			s, err := p.reg.byIDParsed(p.id)
			if err != nil {
				return fmt.Errorf("%sSCHEMA_ID %d: %w", strings.ToUpper(prefix[:len(prefix)-1])+"_", p.id, err)
			}
			if s.Type != p.typ {
				return fmt.Errorf("Format and fetched schema type using %sSCHEMA_ID %d are different. Format: [%s], Fetched schema type: [%s].",
					strings.ToUpper(prefix[:len(prefix)-1])+"_", p.id, strings.ToUpper(name), s.Type)
			}
			if !ifAbsent {
				if err := sameColumns(s, p, prefix); err != nil {
					return err
				}
			}
			id, err := p.reg.register(p.subject, s.Source)
			if err != nil {
				return err
			}
			if id != p.id {
				return fmt.Errorf("Schema id registered is %d which is different from provided %sSCHEMA_ID %d.\nTopic: %s\nSubject: %s", id, strings.ToUpper(prefix[:len(prefix)-1])+"_", p.id, spec.Options["topic"], p.subject)
			}
			continue
		}
		if ifAbsent {
			exists, err := p.reg.subjectExists(p.subject)
			if err != nil {
				return err
			}
			if exists {
				continue
			}
		}
		src, err := p.generated()
		if err != nil {
			return err
		}
		if _, err := p.reg.register(p.subject, src); err != nil {
			return fmt.Errorf("Could not register schema for topic: %w", err)
		}
	}
	return nil
}

// sameColumns checks, as ksqlDB does for CREATE ... AS SELECT with a
// schema id, that the query's columns are the schema's first fields in
// order, with their types.
func sameColumns(s *schemaregistry.Parsed, p *schemaPart, prefix string) error {
	var have []engine.ColumnSpec
	var err error
	switch s.Type {
	case schemaregistry.Avro:
		have, _, err = avroColumns(s.Avro, "ROWVAL")
	case schemaregistry.Protobuf:
		have, err = protoColumns(s, p.fullName, "ROWVAL")
	case schemaregistry.JSON:
		have, _, err = jsonColumns(s.JSONDoc, "ROWVAL")
	}
	if err != nil || p.unwrapped {
		return nil // nothing to compare with
	}
	show := func(name string, t types.Type) string { return "`" + name + "` " + t.KSQLString() }
	var bad []string
	for i, c := range p.cols {
		if i >= len(have) || have[i].Name != c.Name || have[i].Type.KSQLString() != c.Type.KSQLString() {
			bad = append(bad, show(c.Name, c.Type))
		}
	}
	if len(bad) == 0 {
		return nil
	}
	var reg []string
	for _, h := range have {
		reg = append(reg, show(h.Name, h.Type))
	}
	part := "value"
	if prefix == "key." {
		part = "key"
	}
	return fmt.Errorf("The following %s columns are changed, missing or reordered: [%s]. Schema from schema registry is [%s]",
		part, strings.Join(bad, ", "), strings.Join(reg, ", "))
}

// InferColumns reads a ksqlDB table's key (key true) or value columns
// from the registry: the schema KEY_SCHEMA_ID / VALUE_SCHEMA_ID names,
// else the newest of the topic's subject. An unwrapped key is one column,
// ROWKEY; a value that is not a record, ROWVAL.
func InferColumns(spec *engine.TableSpec, key bool) (cols []engine.ColumnSpec, wrapped bool, err error) {
	prefix := "value."
	if key {
		prefix = "key."
	}
	name, ok := FormatName(spec, prefix)
	if !ok || !Infers(spec.Rules.Formats, name) {
		return nil, false, fmt.Errorf("format %s cannot infer columns", strings.ToUpper(name))
	}
	p, err := newSchemaPart(opts{spec: spec, prefix: prefix, name: name}, nil)
	if err != nil {
		return nil, false, err
	}
	var s *schemaregistry.Parsed
	if p.id > 0 {
		if s, err = p.reg.byIDParsed(p.id); err != nil {
			return nil, false, err
		}
	} else if s, _, err = p.reg.latest(p.subject); err != nil {
		return nil, false, fmt.Errorf("Schema for message %ss on topic '%s' does not exist in the Schema Registry.Subject: %s", strings.TrimSuffix(prefix, "."), spec.Options["topic"], p.subject)
	}
	want := map[string]string{schemaregistry.Avro: Avro, schemaregistry.Protobuf: Protobuf, schemaregistry.JSON: JSONSR}[s.Type]
	if want != name && !(want == Protobuf && name == ProtobufNoSR) {
		return nil, false, fmt.Errorf("Format and fetched schema type are different. Format: [%s], Fetched schema type: [%s].", strings.ToUpper(name), s.Type)
	}
	single := "ROWVAL"
	if key {
		single = "ROWKEY"
	}
	switch s.Type {
	case schemaregistry.Avro:
		cols, wrapped, err = avroColumns(s.Avro, single)
	case schemaregistry.Protobuf:
		cols, err = protoColumns(s, p.fullName, single)
		wrapped = true
	case schemaregistry.JSON:
		cols, wrapped, err = jsonColumns(s.JSONDoc, single)
	}
	if err != nil {
		return nil, false, err
	}
	for i := range cols {
		cols[i].Key = key
		if spec.Rules.InferredNames == engine.InferredUpper && p.id == 0 {
			// ksqlDB upper-cases the columns and struct fields it infers
			// from a subject's newest schema (a schema named by its id
			// keeps its names)
			cols[i].Name = strings.ToUpper(cols[i].Name)
			cols[i].Type = upperFields(cols[i].Type)
		}
	}
	return cols, wrapped, nil
}

// upperFields upper-cases the field names of structs within t.
func upperFields(t types.Type) types.Type {
	switch t.Kind {
	case types.Struct:
		fs := make([]types.Field, len(t.Fields))
		for i, f := range t.Fields {
			fs[i] = types.Field{Name: strings.ToUpper(f.Name), Type: upperFields(f.Type)}
		}
		t.Fields = fs
	case types.Array, types.Map:
		if t.Elem != nil {
			e := upperFields(*t.Elem)
			t.Elem = &e
		}
	}
	return t
}

// avroColumns turns an Avro schema into columns: a record's fields, or
// one column named single.
func avroColumns(s avro.Schema, single string) ([]engine.ColumnSpec, bool, error) {
	s = deref(s)
	if rec, ok := s.(*avro.RecordSchema); ok {
		var out []engine.ColumnSpec
		for _, f := range rec.Fields() {
			t, err := avroToType(f.Type())
			if err != nil {
				return nil, false, fmt.Errorf("field %s: %w", f.Name(), err)
			}
			out = append(out, engine.ColumnSpec{Name: f.Name(), Type: t})
		}
		return out, true, nil
	}
	t, err := avroToType(s)
	if err != nil {
		return nil, false, err
	}
	return []engine.ColumnSpec{{Name: single, Type: t}}, false, nil
}

// avroToType maps an Avro schema to the SQL type ksqlDB gives it.
func avroToType(s avro.Schema) (types.Type, error) {
	s = deref(s)
	if u, ok := s.(*avro.UnionSchema); ok {
		var branch avro.Schema
		for _, b := range u.Types() {
			if b.Type() == avro.Null {
				continue
			}
			if branch != nil {
				return types.Type{}, fmt.Errorf("unions of several types are not supported")
			}
			branch = b
		}
		if branch == nil {
			return types.Type{}, fmt.Errorf("a union of only null")
		}
		return avroToType(branch)
	}
	lt := logical(s)
	switch s.Type() {
	case avro.Boolean:
		return types.TBool, nil
	case avro.Int:
		if lt != nil && lt.Type() == avro.Date {
			return types.TDate, nil
		}
		if lt != nil && lt.Type() == avro.TimeMillis {
			return types.Type{Kind: types.Time, Precision: 3}, nil
		}
		return types.TInt, nil
	case avro.Long:
		if lt != nil && (lt.Type() == avro.TimestampMillis || lt.Type() == avro.TimestampMicros || lt.Type() == avro.LocalTimestampMillis || lt.Type() == avro.LocalTimestampMicros) {
			return types.TTS3, nil
		}
		return types.TBigInt, nil
	case avro.Float, avro.Double:
		return types.TDouble, nil
	case avro.String, avro.Enum:
		return types.TString, nil
	case avro.Bytes, avro.Fixed:
		if d, ok := lt.(*avro.DecimalLogicalSchema); ok {
			return types.Type{Kind: types.Decimal, Precision: d.Precision(), Scale: d.Scale()}, nil
		}
		return types.TBytes, nil
	case avro.Array:
		e, err := avroToType(s.(*avro.ArraySchema).Items())
		if err != nil {
			return types.Type{}, err
		}
		return types.Type{Kind: types.Array, Elem: &e}, nil
	case avro.Map:
		v, err := avroToType(s.(*avro.MapSchema).Values())
		if err != nil {
			return types.Type{}, err
		}
		k := types.TString
		return types.Type{Kind: types.Map, Key: &k, Elem: &v}, nil
	case avro.Record:
		var fs []types.Field
		for _, f := range s.(*avro.RecordSchema).Fields() {
			t, err := avroToType(f.Type())
			if err != nil {
				return types.Type{}, fmt.Errorf("field %s: %w", f.Name(), err)
			}
			fs = append(fs, types.Field{Name: f.Name(), Type: t})
		}
		return types.Type{Kind: types.Struct, Fields: fs}, nil
	}
	return types.Type{}, fmt.Errorf("Avro type %s is not supported", s.Type())
}
