package planner

import (
	"fmt"
	"strings"

	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/sql"
)

// ksqlDB's checks of what a source's or sink's formats can hold, made when
// the statement creates it, in ksqlDB's words: WRAP_SINGLE_VALUE against
// the value format and the number of value columns, then the key columns
// against the key format, then the value columns against the value format
// (KAFKA holds one column of INTEGER, BIGINT, DOUBLE, STRING or BYTES;
// DELIMITED no ARRAY, MAP or STRUCT; NONE no column at all).

// ksqlWrapping are the formats that can wrap (WRAP_SINGLE_VALUE=true) and
// unwrap (false) a single value column.
var ksqlWrapping = map[string][2]bool{ // format: {wraps, unwraps}
	"JSON": {true, true}, "AVRO": {true, true}, "JSON_SR": {true, true}, "PROTOBUF_NOSR": {true, true},
	"PROTOBUF": {true, false}, "KAFKA": {false, true}, "DELIMITED": {false, true}, "NONE": {false, false},
}

// ksqlBaseType is the name of a type's base type as ksqlDB prints it in
// its serde errors (ARRAY, not ARRAY<INTEGER>).
func ksqlBaseType(t types.Type) string {
	s := t.KSQLString()
	if i := strings.IndexAny(s, "<("); i >= 0 {
		s = s[:i]
	}
	return s
}

// ksqlColumnText prints a column as ksqlDB does in its messages:
// "`K` STRING KEY", "`V` INTEGER".
func ksqlColumnText(c Column) string {
	s := "`" + c.Name + "` " + c.Type.KSQLString()
	if c.Key {
		s += " KEY"
	}
	return s
}

func ksqlColumnsText(cols []Column) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = ksqlColumnText(c)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// ksqlSerdeChecks refuses what t's key and value formats cannot hold.
func ksqlSerdeChecks(t *Table, opts ksqlOptions, pos sql.Pos) error {
	var keys, vals []Column
	for _, c := range t.Columns {
		if c.Kind == sql.Metadata {
			continue
		}
		if c.Key {
			keys = append(keys, c)
		} else {
			vals = append(vals, c)
		}
	}
	var valueFeatures []string
	if w, ok := opts.get("wrap_single_value"); ok {
		wrap := strings.EqualFold(strings.TrimSpace(w), "true")
		can := ksqlWrapping[t.KSQL.ValueFormat]
		if (wrap && !can[0]) || (!wrap && !can[1]) {
			return sql.Errorf(pos, "Format '%s' does not support 'WRAP_SINGLE_VALUE' set to '%t'.", t.KSQL.ValueFormat, wrap)
		}
		if len(vals) != 1 {
			return sql.Errorf(pos, "'WRAP_SINGLE_VALUE' is only valid for single-field value schemas")
		}
		valueFeatures = []string{map[bool]string{true: "WRAP_SINGLES", false: "UNWRAP_SINGLES"}[wrap]}
	}
	var keyFeatures []string
	if len(keys) == 1 && ksqlWrapping[t.KSQL.KeyFormat] == [2]bool{true, true} {
		keyFeatures = []string{"UNWRAP_SINGLES"}
	}
	if why := ksqlFormatRefuses(t.KSQL.KeyFormat, keys); why != "" {
		return sql.Errorf(pos, "Key format does not support schema.\nformat: %s\nschema: Persistence{columns=%s, features=[%s]}\nreason: %s",
			t.KSQL.KeyFormat, ksqlColumnsText(keys), strings.Join(keyFeatures, ", "), why)
	}
	if why := ksqlFormatRefuses(t.KSQL.ValueFormat, vals); why != "" {
		return sql.Errorf(pos, "Value format does not support schema.\nformat: %s\nschema: Persistence{columns=%s, features=[%s]}\nreason: %s",
			t.KSQL.ValueFormat, ksqlColumnsText(vals), strings.Join(valueFeatures, ", "), why)
	}
	return nil
}

// ksqlFormatRefuses says why a format cannot hold the columns, or "".
func ksqlFormatRefuses(format string, cols []Column) string {
	switch format {
	case "NONE":
		if len(cols) > 0 {
			return fmt.Sprintf("The 'NONE' format can only be used when no columns are defined. Got: %s", ksqlColumnsText(cols))
		}
	case "KAFKA":
		if len(cols) > 1 {
			return fmt.Sprintf("The 'KAFKA' format only supports a single field. Got: %s", ksqlColumnsText(cols))
		}
		if len(cols) == 1 {
			switch cols[0].Type.Kind {
			case types.TinyInt, types.SmallInt, types.Int, types.BigInt, types.Float, types.Double, types.String, types.Bytes:
			default:
				return fmt.Sprintf("The 'KAFKA' format does not support type '%s'", ksqlBaseType(cols[0].Type))
			}
		}
	case "DELIMITED":
		for _, c := range cols {
			switch c.Type.Kind {
			case types.Array, types.Map, types.Struct:
				return fmt.Sprintf("The 'DELIMITED' format does not support type '%s', column: `%s`", ksqlBaseType(c.Type), c.Name)
			}
		}
	}
	return ""
}
