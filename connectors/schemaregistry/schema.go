package schemaregistry

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/bufbuild/protocompile"
	"github.com/hamba/avro/v2"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// Schema types, as the registry's API names them.
const (
	Avro     = "AVRO"
	Protobuf = "PROTOBUF"
	JSON     = "JSON"
)

// Reference is a schema's reference to another registered schema: Name is
// how the schema refers to it (an Avro full name, a .proto import path, a
// JSON Schema $ref URL).
type Reference struct {
	Name    string `json:"name"`
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

// Source is a schema's text with its type and references, as registered.
type Source struct {
	Type       string
	Text       string
	References []Reference
}

// ResolveFunc finds the schema a reference names (subject and version).
type ResolveFunc func(ctx context.Context, subject string, version int) (Source, error)

// Parsed is a schema checked and compiled.
type Parsed struct {
	Source
	// Avro is the Avro schema (type AVRO).
	Avro avro.Schema
	// Proto is the .proto file (type PROTOBUF); its messages are in
	// declaration order, as Confluent's message indexes count them.
	Proto protoreflect.FileDescriptor
	// JSONDoc is the JSON Schema document and JSONSchema its compiled form
	// (type JSON).
	JSONDoc    any
	JSONSchema *jsonschema.Schema
}

// ErrInvalidSchema is wrapped by every error Parse returns about the text.
var ErrInvalidSchema = errors.New("invalid schema")

// NormalizeType returns the API's type name: AVRO when empty.
func NormalizeType(t string) string {
	t = strings.ToUpper(strings.TrimSpace(t))
	if t == "" {
		return Avro
	}
	return t
}

// Normalize returns the text the registry keeps and compares: Avro and
// JSON Schema as compact JSON, Protobuf trimmed.
func Normalize(typ, text string) string {
	switch NormalizeType(typ) {
	case Avro, JSON:
		var b bytes.Buffer
		if json.Compact(&b, []byte(text)) == nil {
			return b.String()
		}
	}
	return strings.TrimSpace(text)
}

// Parse checks and compiles a schema; resolve fetches its references
// (recursively). It never panics on bad input.
func Parse(ctx context.Context, src Source, resolve ResolveFunc) (p *Parsed, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("%w: %v", ErrInvalidSchema, r)
		}
	}()
	src.Type = NormalizeType(src.Type)
	deps, err := collectRefs(ctx, src.References, resolve, map[string]bool{})
	if err != nil {
		return nil, err
	}
	p = &Parsed{Source: src}
	switch src.Type {
	case Avro:
		cache := &avro.SchemaCache{}
		for _, d := range deps {
			if d.Type != Avro && d.Type != "" {
				return nil, fmt.Errorf("%w: reference '%s' is a %s schema", ErrInvalidSchema, d.name, d.Type)
			}
			if _, err := avro.ParseWithCache(d.Text, "", cache); err != nil {
				return nil, fmt.Errorf("%w: reference '%s': %v", ErrInvalidSchema, d.name, err)
			}
		}
		if p.Avro, err = avro.ParseWithCache(src.Text, "", cache); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidSchema, err)
		}
	case Protobuf:
		files := map[string]string{}
		for _, d := range deps {
			files[d.name] = d.Text
		}
		if p.Proto, err = compileProto(ctx, src.Text, files); err != nil {
			return nil, err
		}
	case JSON:
		c := jsonschema.NewCompiler()
		for _, d := range deps {
			doc, err := jsonschema.UnmarshalJSON(strings.NewReader(d.Text))
			if err != nil {
				return nil, fmt.Errorf("%w: reference '%s': %v", ErrInvalidSchema, d.name, err)
			}
			if err := c.AddResource(d.name, doc); err != nil {
				return nil, fmt.Errorf("%w: reference '%s': %v", ErrInvalidSchema, d.name, err)
			}
		}
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(src.Text))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidSchema, err)
		}
		if _, ok := doc.(map[string]any); !ok {
			if _, ok := doc.(bool); !ok {
				return nil, fmt.Errorf("%w: a JSON Schema is an object or a boolean", ErrInvalidSchema)
			}
		}
		const loc = "tumble:///schema.json"
		if err := c.AddResource(loc, doc); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidSchema, err)
		}
		if p.JSONSchema, err = c.Compile(loc); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidSchema, err)
		}
		p.JSONDoc = doc
	default:
		return nil, fmt.Errorf("%w: unknown schema type '%s' (AVRO, PROTOBUF or JSON)", ErrInvalidSchema, src.Type)
	}
	return p, nil
}

type dep struct {
	name string
	Source
}

// collectRefs resolves references depth first, dependencies before the
// schemas that use them.
func collectRefs(ctx context.Context, refs []Reference, resolve ResolveFunc, seen map[string]bool) ([]dep, error) {
	var out []dep
	for _, r := range refs {
		key := fmt.Sprintf("%s\x00%d", r.Subject, r.Version)
		if seen[key] {
			continue
		}
		seen[key] = true
		if resolve == nil {
			return nil, fmt.Errorf("%w: cannot resolve reference '%s'", ErrInvalidSchema, r.Name)
		}
		s, err := resolve(ctx, r.Subject, r.Version)
		if err != nil {
			return nil, fmt.Errorf("%w: reference '%s' (subject '%s' version %d): %v", ErrInvalidSchema, r.Name, r.Subject, r.Version, err)
		}
		sub, err := collectRefs(ctx, s.References, resolve, seen)
		if err != nil {
			return nil, err
		}
		out = append(out, sub...)
		out = append(out, dep{name: r.Name, Source: s})
	}
	return out, nil
}

// wellKnown are the .proto files Confluent's serializers and ksqlDB
// import without registering them: the logical types ksqlDB writes
// (decimal, date, time of day) and Confluent's field metadata. The
// google/protobuf files come with protocompile.
var wellKnown = map[string]string{
	"confluent/type/decimal.proto": `syntax = "proto3";
package confluent.type;
option go_package = "confluent/type";
message Decimal {
  bytes value = 1;
  uint32 precision = 2;
  int32 scale = 3;
}
`,
	"google/type/date.proto": `syntax = "proto3";
package google.type;
message Date {
  int32 year = 1;
  int32 month = 2;
  int32 day = 3;
}
`,
	"google/type/timeofday.proto": `syntax = "proto3";
package google.type;
message TimeOfDay {
  int32 hours = 1;
  int32 minutes = 2;
  int32 seconds = 3;
  int32 nanos = 4;
}
`,
	"confluent/meta.proto": `syntax = "proto3";
package confluent;
import "google/protobuf/descriptor.proto";
message Meta {
  string doc = 1;
  map<string, string> params = 2;
  repeated string tags = 3;
}
extend google.protobuf.FileOptions { Meta file_meta = 1088; }
extend google.protobuf.MessageOptions { Meta message_meta = 1088; }
extend google.protobuf.FieldOptions { Meta field_meta = 1088; }
extend google.protobuf.EnumOptions { Meta enum_meta = 1088; }
extend google.protobuf.EnumValueOptions { Meta enum_value_meta = 1088; }
`,
}

// mainProto is the name the schema being parsed compiles under.
const mainProto = "tumble_schema.proto"

func compileProto(ctx context.Context, text string, files map[string]string) (protoreflect.FileDescriptor, error) {
	// Confluent's parser does not check options; schemas written by its
	// tools use (confluent.field_meta) without importing its file
	if strings.Contains(text, "(confluent.") && !strings.Contains(text, "confluent/meta.proto") && descriptorOf(text) == nil {
		text = importAfterSyntax(text, "confluent/meta.proto")
	}
	all := map[string]string{mainProto: text}
	for k, v := range wellKnown {
		all[k] = v
	}
	for k, v := range files {
		all[k] = v
	}
	c := protocompile.Compiler{
		Resolver: protocompile.WithStandardImports(protocompile.ResolverFunc(func(path string) (protocompile.SearchResult, error) {
			s, ok := all[path]
			if !ok {
				return protocompile.SearchResult{}, fmt.Errorf("file not found: %s", path)
			}
			if fdp := descriptorOf(s); fdp != nil {
				fdp.Name = proto.String(path)
				return protocompile.SearchResult{Proto: fdp}, nil
			}
			return protocompile.SearchResult{Source: io.NopCloser(strings.NewReader(s))}, nil
		})),
		MaxParallelism: 1,
	}
	res, err := c.Compile(ctx, mainProto)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidSchema, err)
	}
	if len(res) == 0 {
		return nil, fmt.Errorf("%w: no file compiled", ErrInvalidSchema)
	}
	return res[0], nil
}

// importAfterSyntax adds an import after the syntax (and package)
// statement of a .proto text.
func importAfterSyntax(text, file string) string {
	i := strings.Index(text, "syntax")
	if i < 0 {
		return "import \"" + file + "\";\n" + text
	}
	j := strings.IndexByte(text[i:], ';')
	if j < 0 {
		return text
	}
	at := i + j + 1
	return text[:at] + "\nimport \"" + file + "\";" + text[at:]
}

// descriptorOf reads a schema given as Confluent's clients may send it:
// the base64 of a serialized FileDescriptorProto (Python's and Go's
// serializers do); nil when the text is .proto source.
func descriptorOf(text string) *descriptorpb.FileDescriptorProto {
	t := strings.TrimSpace(text)
	if t == "" || strings.ContainsAny(t, " \n;{") {
		return nil
	}
	b, err := base64.StdEncoding.DecodeString(t)
	if err != nil {
		return nil
	}
	fdp := &descriptorpb.FileDescriptorProto{}
	if proto.Unmarshal(b, fdp) != nil || len(fdp.GetMessageType()) == 0 && len(fdp.GetEnumType()) == 0 {
		return nil
	}
	// protoc always writes json_name; descriptors built at run time (as
	// Python's message_factory does) may not: give them protoc's
	var fill func(ms []*descriptorpb.DescriptorProto)
	fill = func(ms []*descriptorpb.DescriptorProto) {
		for _, m := range ms {
			for _, f := range m.GetField() {
				if f.GetJsonName() == "" {
					f.JsonName = proto.String(jsonName(f.GetName()))
				}
			}
			fill(m.GetNestedType())
		}
	}
	fill(fdp.GetMessageType())
	return fdp
}

// jsonName is protoc's default JSON name: underscores dropped, the letter
// after each one upper-cased.
func jsonName(name string) string {
	var b strings.Builder
	up := false
	for _, r := range name {
		if r == '_' {
			up = true
			continue
		}
		if up && r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		up = false
		b.WriteRune(r)
	}
	return b.String()
}

// Messages lists a .proto file's messages with their Confluent message
// indexes (the path of indexes from the file's top-level messages down),
// in declaration order, nested ones after their parent.
func Messages(fd protoreflect.FileDescriptor) (names []protoreflect.MessageDescriptor, indexes [][]int) {
	var walk func(ms protoreflect.MessageDescriptors, prefix []int)
	walk = func(ms protoreflect.MessageDescriptors, prefix []int) {
		for i := 0; i < ms.Len(); i++ {
			m := ms.Get(i)
			if m.IsMapEntry() {
				continue
			}
			idx := append(append([]int(nil), prefix...), i)
			names = append(names, m)
			indexes = append(indexes, idx)
			walk(m.Messages(), idx)
		}
	}
	walk(fd.Messages(), nil)
	return names, indexes
}

// FindMessage finds a message by its full or short name; empty name is
// the file's first message.
func FindMessage(fd protoreflect.FileDescriptor, name string) (protoreflect.MessageDescriptor, []int, error) {
	ms, idx := Messages(fd)
	if len(ms) == 0 {
		return nil, nil, fmt.Errorf("the schema defines no message")
	}
	if name == "" {
		return ms[0], idx[0], nil
	}
	for i, m := range ms {
		if string(m.FullName()) == name || string(m.Name()) == name {
			return m, idx[i], nil
		}
	}
	var have []string
	for _, m := range ms {
		have = append(have, string(m.FullName()))
	}
	sort.Strings(have)
	return nil, nil, fmt.Errorf("the schema has no message '%s' (it has %s)", name, strings.Join(have, ", "))
}

// MessageAt finds the message at Confluent message indexes.
func MessageAt(fd protoreflect.FileDescriptor, index []int) (protoreflect.MessageDescriptor, error) {
	if len(index) == 0 {
		index = []int{0}
	}
	ms := fd.Messages()
	var m protoreflect.MessageDescriptor
	for _, i := range index {
		if i < 0 || i >= ms.Len() {
			return nil, fmt.Errorf("message index %v out of range", index)
		}
		m = ms.Get(i)
		ms = m.Messages()
	}
	return m, nil
}
