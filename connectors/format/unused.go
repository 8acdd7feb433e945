package format

// The format options Tumble accepts, as Flink does, but does not act on,
// and the check of the options of the schema formats (avro and the
// registry formats), whose keys the connectors accept by prefix.

import (
	"fmt"
	"sort"
	"strings"

	"github.com/tumble/tumble/engine"
)

// noTLS is why the registry's TLS options have no effect.
const noTLS = "Tumble's Schema Registry client reads no keystore or truststore (the registry is reached with the system's trusted certificates)"

// schemaOptions are the keys under '<format>.' of the schema formats:
// "" for a key Tumble reads, else why it has no effect. A key not listed
// is refused.
var registryOptions = map[string]string{
	"url": "", "subject": "", "basic-auth.credentials-source": "", "basic-auth.user-info": "",
	"bearer-auth.credentials-source": "", "bearer-auth.token": "",
	"schema":                  "Tumble writes the schema it derives from the table's columns",
	"ssl.keystore.location":   noTLS,
	"ssl.keystore.password":   noTLS,
	"ssl.truststore.location": noTLS,
	"ssl.truststore.password": noTLS,
	"properties.*":            "Tumble's Schema Registry client takes no other properties",
}

var avroOptions = map[string]string{
	"codec":                    "Tumble writes Kafka records, not Avro container files",
	"timestamp_mapping.legacy": "Tumble maps TIMESTAMP and TIMESTAMP_LTZ to Avro's timestamp-millis (the legacy mapping)",
}

// optionWhy looks key up in a table of option keys ("properties.*" matches
// by prefix).
func optionWhy(table map[string]string, key string) (why string, known bool) {
	if w, ok := table[key]; ok {
		return w, true
	}
	for k, w := range table {
		if p, ok := strings.CutSuffix(k, "*"); ok && strings.HasPrefix(key, p) {
			return w, true
		}
	}
	return "", false
}

// schemaOptionTable is the table of option keys of a schema format (nil
// for the others).
func schemaOptionTable(vocabulary engine.FormatNames, name string) map[string]string {
	switch {
	case name == DebeziumAvroConfluent || UsesRegistry(vocabulary, name):
		return registryOptions
	case name == Avro:
		return avroOptions
	}
	return nil
}

// checkSchemaOptions refuses an option under '<format>.' of a schema
// format that is not one of its options.
func checkSchemaOptions(o opts) error {
	table := schemaOptionTable(o.spec.Rules.Formats, o.name)
	if table == nil {
		return nil
	}
	for k := range o.spec.Options {
		rest, ok := strings.CutPrefix(k, o.prefix+o.name+".")
		if !ok && o.prefix != "key." {
			rest, ok = strings.CutPrefix(k, o.name+".")
		}
		if !ok {
			continue
		}
		if _, known := optionWhy(table, rest); !known {
			return fmt.Errorf("%w %s option '%s'", ErrUnsupported, o.name, k)
		}
	}
	return nil
}

// Unused returns a warning for each format option of the table that
// Tumble accepts but does not act on: an option of a format the table
// does not use, and the options of its formats that Tumble does not read.
func Unused(spec *engine.TableSpec) []string {
	inUse := map[string]bool{} // "<prefix><format>." the table reads
	for _, prefix := range []string{"", "key.", "value."} {
		if name, ok := FormatName(spec, prefix); ok {
			inUse[prefix+name+"."] = true
			if prefix == "value." {
				inUse[name+"."] = true
			}
		}
	}
	var out []string
	for _, k := range sortedKeys(spec.Options) {
		prefix := ""
		if p, ok := cutPart(k); ok {
			prefix = p
		}
		name, rest, ok := formatOf(spec.Rules.Formats, strings.TrimPrefix(k, prefix))
		if !ok {
			continue
		}
		if !inUse[prefix+name+"."] {
			out = append(out, fmt.Sprintf("Table '%s': '%s' has no effect: the table's %sformat is not '%s'.", spec.Name, k, prefix, name))
			continue
		}
		why := ""
		switch table := schemaOptionTable(spec.Rules.Formats, name); {
		case name == Avro && rest == "timestamp_mapping.legacy" && strings.EqualFold(strings.TrimSpace(spec.Options[k]), "true"):
			// the mapping Tumble uses
		case table != nil:
			why, _ = optionWhy(table, rest)
		case (name == JSON || name == DebeziumJSON || name == CanalJSON) && rest == "encode.decimal-as-plain-number" &&
			!strings.EqualFold(strings.TrimSpace(spec.Options[k]), "true"):
			why = "Tumble always writes DECIMAL values as plain numbers"
		case name == JSON && rest == "decode.json-parser.enabled":
			why = "Tumble has one JSON parser"
		}
		if why != "" {
			out = append(out, fmt.Sprintf("Table '%s': '%s' has no effect: %s.", spec.Name, k, why))
		}
	}
	return out
}

// cutPart returns the "key." or "value." a key starts with.
func cutPart(k string) (string, bool) {
	for _, p := range []string{"key.", "value."} {
		if strings.HasPrefix(k, p) {
			return p, true
		}
	}
	return "", false
}

// formatOf splits "<format>.<rest>" for a format of the vocabulary (the
// longest name that matches: 'debezium-json.x' is debezium-json's).
func formatOf(vocabulary engine.FormatNames, k string) (name, rest string, ok bool) {
	for _, n := range Names(vocabulary) {
		if r, cut := strings.CutPrefix(k, n+"."); cut && len(n) > len(name) {
			name, rest, ok = n, r, true
		}
	}
	return name, rest, ok
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
