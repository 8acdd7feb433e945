package schemaregistry

import (
	"fmt"
	"sort"
	"strings"

	"github.com/hamba/avro/v2"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Compatibility levels, as Confluent names them.
const (
	Backward           = "BACKWARD"
	BackwardTransitive = "BACKWARD_TRANSITIVE"
	Forward            = "FORWARD"
	ForwardTransitive  = "FORWARD_TRANSITIVE"
	Full               = "FULL"
	FullTransitive     = "FULL_TRANSITIVE"
	None               = "NONE"
)

// Levels lists the compatibility levels.
var Levels = []string{Backward, BackwardTransitive, Forward, ForwardTransitive, Full, FullTransitive, None}

func validLevel(l string) bool {
	for _, x := range Levels {
		if x == l {
			return true
		}
	}
	return false
}

// Check returns why candidate is not compatible with the earlier schemas
// (oldest first) under level; nil means compatible. A non-transitive level
// compares with the latest only.
func Check(level string, candidate *Parsed, earlier []*Parsed) []string {
	if level == None || len(earlier) == 0 {
		return nil
	}
	if !strings.HasSuffix(level, "_TRANSITIVE") {
		earlier = earlier[len(earlier)-1:]
	}
	base := strings.TrimSuffix(level, "_TRANSITIVE")
	var msgs []string
	for i := len(earlier) - 1; i >= 0; i-- {
		old := earlier[i]
		if old.Type != candidate.Type {
			msgs = append(msgs, fmt.Sprintf("Incompatible schema type: %s, earlier %s", candidate.Type, old.Type))
			continue
		}
		if base == Backward || base == Full {
			// the new schema reads what the old one wrote
			for _, m := range readable(candidate, old) {
				msgs = append(msgs, "{oldSchemaVersion: earlier, "+m+", compatibility: '"+base+"'}")
			}
		}
		if base == Forward || base == Full {
			// the old schema reads what the new one writes
			for _, m := range readable(old, candidate) {
				msgs = append(msgs, "{oldSchemaVersion: earlier, "+m+", compatibility: '"+base+"'}")
			}
		}
	}
	return msgs
}

// readable returns why data written with writer cannot be read with reader.
func readable(reader, writer *Parsed) []string {
	switch reader.Type {
	case Avro:
		if err := avro.NewSchemaCompatibility().Compatible(reader.Avro, writer.Avro); err != nil {
			return []string{"errorType:'READER_FIELD_MISSING_DEFAULT_VALUE or TYPE_MISMATCH', description:'" + err.Error() + "'"}
		}
		return nil
	case Protobuf:
		return protoReadable(reader.Proto, writer.Proto)
	case JSON:
		var msgs []string
		jsonReadable(reader.JSONDoc, writer.JSONDoc, "#", &msgs)
		return msgs
	}
	return []string{"unknown schema type"}
}

// protoReadable applies Confluent's Protobuf rules, which are symmetric:
// a message, field type or package that changes breaks both directions;
// fields added or removed do not (proto3 fields are optional).
func protoReadable(reader, writer protoreflect.FileDescriptor) []string {
	var msgs []string
	if reader.Package() != writer.Package() {
		msgs = append(msgs, fmt.Sprintf("errorType:'PACKAGE_CHANGED', description:'package %s is now %s'", writer.Package(), reader.Package()))
	}
	rm, _ := Messages(reader)
	byName := map[protoreflect.FullName]protoreflect.MessageDescriptor{}
	for _, m := range rm {
		byName[m.FullName()] = m
	}
	wm, _ := Messages(writer)
	for _, w := range wm {
		r, ok := byName[w.FullName()]
		if !ok {
			msgs = append(msgs, fmt.Sprintf("errorType:'MESSAGE_REMOVED', description:'message %s was removed'", w.FullName()))
			continue
		}
		msgs = append(msgs, protoFields(r, w)...)
	}
	return msgs
}

func protoFields(r, w protoreflect.MessageDescriptor) []string {
	var msgs []string
	wf := w.Fields()
	for i := 0; i < wf.Len(); i++ {
		f := wf.Get(i)
		g := r.Fields().ByNumber(f.Number())
		where := fmt.Sprintf("%s.%s (#%d)", w.FullName(), f.Name(), f.Number())
		if g == nil {
			if f.Cardinality() == protoreflect.Required {
				msgs = append(msgs, "errorType:'REQUIRED_FIELD_REMOVED', description:'"+where+" was required'")
			}
			continue
		}
		switch {
		case f.IsMap() != g.IsMap() || (f.Cardinality() == protoreflect.Repeated) != (g.Cardinality() == protoreflect.Repeated):
			msgs = append(msgs, "errorType:'FIELD_KIND_CHANGED', description:'"+where+" changed its label'")
		case f.Kind() == protoreflect.MessageKind || f.Kind() == protoreflect.GroupKind || f.Kind() == protoreflect.EnumKind ||
			g.Kind() == protoreflect.MessageKind || g.Kind() == protoreflect.GroupKind || g.Kind() == protoreflect.EnumKind:
			if f.Kind() != g.Kind() {
				msgs = append(msgs, "errorType:'FIELD_KIND_CHANGED', description:'"+where+" changed from "+f.Kind().String()+" to "+g.Kind().String()+"'")
			} else if nt(f) != nt(g) {
				msgs = append(msgs, "errorType:'FIELD_NAMED_TYPE_CHANGED', description:'"+where+" changed from "+nt(f)+" to "+nt(g)+"'")
			}
		case scalarGroup(f.Kind()) != scalarGroup(g.Kind()):
			msgs = append(msgs, "errorType:'FIELD_SCALAR_KIND_CHANGED', description:'"+where+" changed from "+f.Kind().String()+" to "+g.Kind().String()+"'")
		}
		if (f.ContainingOneof() == nil) != (g.ContainingOneof() == nil) && g.ContainingOneof() != nil && !g.ContainingOneof().IsSynthetic() {
			if g.ContainingOneof().Fields().Len() > 1 {
				msgs = append(msgs, "errorType:'MULTIPLE_FIELDS_MOVED_TO_ONEOF', description:'"+where+" moved into oneof "+string(g.ContainingOneof().Name())+"'")
			}
		}
	}
	rf := r.Fields()
	for i := 0; i < rf.Len(); i++ {
		g := rf.Get(i)
		if wf.ByNumber(g.Number()) == nil && g.Cardinality() == protoreflect.Required {
			msgs = append(msgs, fmt.Sprintf("errorType:'REQUIRED_FIELD_ADDED', description:'%s.%s (#%d) is required'", r.FullName(), g.Name(), g.Number()))
		}
	}
	return msgs
}

func nt(f protoreflect.FieldDescriptor) string {
	if f.Message() != nil {
		return string(f.Message().FullName())
	}
	if f.Enum() != nil {
		return string(f.Enum().FullName())
	}
	return f.Kind().String()
}

// scalarGroup groups the scalar kinds whose wire encodings read as each
// other, as Confluent's checker does.
func scalarGroup(k protoreflect.Kind) int {
	switch k {
	case protoreflect.Int32Kind, protoreflect.Uint32Kind, protoreflect.Int64Kind, protoreflect.Uint64Kind, protoreflect.BoolKind:
		return 1
	case protoreflect.Sint32Kind, protoreflect.Sint64Kind:
		return 2
	case protoreflect.StringKind, protoreflect.BytesKind:
		return 3
	case protoreflect.Fixed32Kind, protoreflect.Sfixed32Kind:
		return 4
	case protoreflect.Fixed64Kind, protoreflect.Sfixed64Kind:
		return 5
	}
	return 100 + int(k)
}

// jsonReadable appends why a document valid for writer may be invalid for
// reader, following Confluent's JSON Schema rules for the keywords it
// compares: type (integer widens to number), object properties under an
// open or closed content model, required, enum, items, and the string and
// number bounds.
func jsonReadable(reader, writer any, path string, msgs *[]string) {
	r, rok := reader.(map[string]any)
	w, wok := writer.(map[string]any)
	if rb, ok := reader.(bool); ok {
		if !rb {
			if wb, ok := writer.(bool); !ok || wb {
				*msgs = append(*msgs, "errorType:'SCHEMA_REMOVED', description:'"+path+" accepts nothing'")
			}
		}
		return
	}
	if !rok {
		return
	}
	if !wok {
		// writer is true (anything) or false (nothing)
		if wb, ok := writer.(bool); ok && !wb {
			return
		}
		if len(constraining(r)) > 0 {
			*msgs = append(*msgs, "errorType:'SCHEMA_ADDED', description:'"+path+" now constrains values'")
		}
		return
	}
	rt, wt := jsonTypes(r), jsonTypes(w)
	if len(rt) > 0 {
		if len(wt) == 0 {
			*msgs = append(*msgs, "errorType:'TYPE_NARROWED', description:'"+path+" now has a type'")
		}
		for t := range wt {
			if !rt[t] && !(t == "integer" && rt["number"]) {
				*msgs = append(*msgs, fmt.Sprintf("errorType:'TYPE_CHANGED', description:'%s: %s is no longer allowed'", path, t))
			}
		}
	}
	// required: a property the reader requires must be required by the writer
	wreq := stringSet(w["required"])
	for p := range stringSet(r["required"]) {
		if !wreq[p] {
			*msgs = append(*msgs, fmt.Sprintf("errorType:'REQUIRED_ATTRIBUTE_ADDED', description:'%s: property %s is now required'", path, p))
		}
	}
	// properties
	rp, _ := r["properties"].(map[string]any)
	wp, _ := w["properties"].(map[string]any)
	rOpen := openModel(r)
	wOpen := openModel(w)
	keys := map[string]bool{}
	for k := range rp {
		keys[k] = true
	}
	for k := range wp {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		rs, rHas := rp[k]
		ws, wHas := wp[k]
		p := path + "/properties/" + k
		switch {
		case rHas && wHas:
			jsonReadable(rs, ws, p, msgs)
		case wHas && !rHas:
			if !rOpen {
				*msgs = append(*msgs, "errorType:'PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL', description:'"+p+"'")
			} else if ap, ok := r["additionalProperties"].(map[string]any); ok {
				jsonReadable(ap, ws, p, msgs)
			}
		case rHas && !wHas:
			if wOpen {
				if ap, ok := w["additionalProperties"].(map[string]any); ok {
					jsonReadable(rs, ap, p, msgs)
				} else if len(constraining(asMap(rs))) > 0 {
					*msgs = append(*msgs, "errorType:'PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL', description:'"+p+"'")
				}
			}
		}
	}
	if !rOpen && wOpen {
		*msgs = append(*msgs, "errorType:'ADDITIONAL_PROPERTIES_REMOVED', description:'"+path+"'")
	}
	if ri, ok := r["items"]; ok {
		if wi, ok := w["items"]; ok {
			jsonReadable(ri, wi, path+"/items", msgs)
		} else if len(constraining(asMap(ri))) > 0 {
			*msgs = append(*msgs, "errorType:'ITEMS_ADDED', description:'"+path+"/items'")
		}
	}
	if re, ok := r["enum"].([]any); ok {
		we, ok := w["enum"].([]any)
		if !ok {
			*msgs = append(*msgs, "errorType:'ENUM_ARRAY_ADDED', description:'"+path+"'")
		} else {
			have := map[string]bool{}
			for _, v := range re {
				have[fmt.Sprint(v)] = true
			}
			for _, v := range we {
				if !have[fmt.Sprint(v)] {
					*msgs = append(*msgs, fmt.Sprintf("errorType:'ENUM_ARRAY_NARROWED', description:'%s: %v removed'", path, v))
				}
			}
		}
	}
	for _, b := range []struct {
		key string
		max bool
	}{{"maxLength", true}, {"minLength", false}, {"maximum", true}, {"minimum", false}, {"maxItems", true}, {"minItems", false}, {"maxProperties", true}, {"minProperties", false}} {
		rv, rok := r[b.key].(float64)
		if !rok {
			continue
		}
		wv, wok := w[b.key].(float64)
		if !wok || (b.max && rv < wv) || (!b.max && rv > wv) {
			*msgs = append(*msgs, fmt.Sprintf("errorType:'%s_NARROWED', description:'%s: %s'", strings.ToUpper(b.key), path, b.key))
		}
	}
}

func asMap(v any) map[string]any { m, _ := v.(map[string]any); return m }

// constraining returns the keywords of a schema that restrict values.
func constraining(m map[string]any) []string {
	var out []string
	for k := range m {
		switch k {
		case "$schema", "$id", "title", "description", "default", "examples", "$comment", "connect.index", "connect.type", "connect.parameters":
		default:
			out = append(out, k)
		}
	}
	return out
}

func openModel(m map[string]any) bool {
	if ap, ok := m["additionalProperties"].(bool); ok {
		return ap
	}
	return true
}

func jsonTypes(m map[string]any) map[string]bool {
	out := map[string]bool{}
	switch t := m["type"].(type) {
	case string:
		out[t] = true
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok {
				out[s] = true
			}
		}
	}
	return out
}

func stringSet(v any) map[string]bool {
	out := map[string]bool{}
	if a, ok := v.([]any); ok {
		for _, x := range a {
			if s, ok := x.(string); ok {
				out[s] = true
			}
		}
	}
	return out
}
