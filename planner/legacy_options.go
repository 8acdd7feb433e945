package planner

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/tumble/tumble/sql"
)

// Flink's legacy table options ('connector.type' = 'filesystem',
// 'connector.path', 'format.type' = 'csv', ...: the descriptor properties
// of Flink's TableSourceFactory era, which the Nexmark project's q13 still
// uses) are read as the filesystem connector's current options: a table
// whose options have 'connector.type' and no 'connector' gets its options
// translated once, when it is created, and SHOW CREATE TABLE shows the
// translation. Only the filesystem connector with the old CSV format is
// known; other legacy connectors are refused with the options to use.

// legacyKeys are the legacy keys translated one for one.
var legacyKeys = map[string]string{
	"connector.type":             "connector",
	"connector.path":             "path",
	"format.type":                "format",
	"format.field-delimiter":     "csv.field-delimiter",
	"format.quote-character":     "csv.quote-character",
	"format.ignore-parse-errors": "csv.ignore-parse-errors",
}

// translateLegacyOptions rewrites t's legacy options in place (nothing
// when t has a 'connector' option or no 'connector.type').
func translateLegacyOptions(t *Table, st *sql.CreateTable) error {
	if _, ok := t.Options["connector"]; ok {
		return nil
	}
	typ, ok := t.Options["connector.type"]
	if !ok {
		return nil
	}
	optPos := func(key string) sql.Pos {
		for _, o := range st.Options {
			if o.Key == key {
				return o.Pos
			}
		}
		return st.Start
	}
	if typ != "filesystem" {
		return sql.Errorf(optPos("connector.type"), "Tumble does not read the legacy options of 'connector.type' = '%s' (Flink's TableSourceFactory properties); declare table '%s' with 'connector' = '%s' and that connector's options", typ, t.Name, typ)
	}
	if f := t.Options["format.type"]; f != "csv" {
		return sql.Errorf(optPos("format.type"), "The legacy 'filesystem' connector of table '%s' reads 'format.type' = 'csv' only, not '%s'", t.Name, f)
	}
	var dataCols []string
	for _, c := range t.Columns {
		if c.Kind != sql.Computed && c.Kind != sql.Metadata {
			dataCols = append(dataCols, c.Name)
		}
	}
	opts := map[string]string{}
	var keys []string
	set := func(k, v string) {
		if _, dup := opts[k]; !dup {
			keys = append(keys, k)
		}
		opts[k] = v
	}
	quoted := false
	for _, k := range t.OptionKeys {
		v := t.Options[k]
		if nk, ok := legacyKeys[k]; ok {
			set(nk, v)
			quoted = quoted || k == "format.quote-character"
			continue
		}
		bad := func(why string) error {
			return sql.Errorf(optPos(k), "Legacy option '%s' = '%s' of table '%s': %s", k, v, t.Name, why)
		}
		switch {
		case k == "connector.property-version" || k == "format.property-version":
			if v != "1" {
				return bad("only property version 1 exists")
			}
		case k == "format.derive-schema":
			if v != "true" {
				return bad("the format's fields are the table's columns (declare them with 'format.fields.#.name' and '.type', or derive them)")
			}
		case k == "format.line-delimiter":
			if v != "\n" && v != `\n` {
				return bad("Tumble reads lines ended by a newline only")
			}
		case k == "format.comment-prefix":
			if v != "#" {
				return bad("only '#' starts a comment line")
			}
			set("csv.allow-comments", "true")
		case k == "format.ignore-first-line":
			if b, err := strconv.ParseBool(v); err != nil || b {
				return bad("a header line cannot be skipped; remove it from the files")
			}
		case strings.HasPrefix(k, "format.fields."):
			rest := strings.TrimPrefix(k, "format.fields.")
			i := strings.IndexByte(rest, '.')
			n, err := strconv.Atoi(rest[:max(i, 0)])
			if i < 0 || err != nil || n < 0 || (rest[i+1:] != "name" && rest[i+1:] != "type") {
				return bad("expected 'format.fields.<n>.name' or 'format.fields.<n>.type'")
			}
			if n >= len(dataCols) {
				return bad(fmt.Sprintf("the table has %d columns", len(dataCols)))
			}
			if rest[i+1:] == "name" && !strings.EqualFold(v, dataCols[n]) {
				return bad(fmt.Sprintf("field %d of the format must be the table's column %d, '%s'", n, n, dataCols[n]))
			}
		default:
			// Left as written: the connector's check names it.
			set(k, v)
		}
	}
	if !quoted {
		// The old CSV format quotes nothing unless told to.
		set("csv.disable-quote-character", "true")
	}
	t.Options, t.OptionKeys = opts, keys
	return nil
}
