// Package types holds Tumble's SQL data types and runtime values. It is a
// leaf package: operators, expressions, state and connectors all share it.
package types

import (
	"fmt"
	"strings"
)

// Kind is the family of a SQL type.
type Kind uint8

// The kinds, roughly in widening order for numerics.
const (
	Null Kind = iota
	Boolean
	TinyInt
	SmallInt
	Int
	BigInt
	Decimal
	Float
	Double
	String
	Bytes
	Date
	Time
	Timestamp    // zone-less wall-clock date-time (Flink TIMESTAMP)
	TimestampLTZ // an instant (Flink TIMESTAMP_LTZ, ksqlDB TIMESTAMP)
	IntervalDayTime
	IntervalYearMonth
	Array
	Map
	Struct
)

var kindNames = [...]string{
	Null: "NULL", Boolean: "BOOLEAN", TinyInt: "TINYINT", SmallInt: "SMALLINT", Int: "INT",
	BigInt: "BIGINT", Decimal: "DECIMAL", Float: "FLOAT", Double: "DOUBLE", String: "STRING",
	Bytes: "BYTES", Date: "DATE", Time: "TIME", Timestamp: "TIMESTAMP",
	TimestampLTZ: "TIMESTAMP_LTZ", IntervalDayTime: "INTERVAL SECOND",
	IntervalYearMonth: "INTERVAL MONTH", Array: "ARRAY", Map: "MAP", Struct: "ROW",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", k)
}

// IsNumeric reports whether values of the kind are numbers.
func (k Kind) IsNumeric() bool { return k >= TinyInt && k <= Double }

// IsInteger reports whether the kind is an exact integer kind.
func (k Kind) IsInteger() bool { return k >= TinyInt && k <= BigInt }

// IsTemporal reports whether the kind is a date, time or timestamp.
func (k Kind) IsTemporal() bool { return k >= Date && k <= TimestampLTZ }

// Field is a named member of a ROW (struct) type.
type Field struct {
	Name string
	Type Type
}

// Type is a SQL type. Precision means: the length of VARCHAR/CHAR (0 =
// unbounded), the precision of DECIMAL, the fractional-second digits of
// TIME/TIMESTAMP.
type Type struct {
	Kind      Kind
	Precision int
	Scale     int
	NotNull   bool
	Elem      *Type   // ARRAY element, MAP value
	Key       *Type   // MAP key
	Fields    []Field // ROW fields
	Char      bool    // CHAR(n) rather than VARCHAR(n)/STRING
}

// Convenience constructors for the common types.
var (
	TNull    = Type{Kind: Null}
	TBool    = Type{Kind: Boolean}
	TInt     = Type{Kind: Int}
	TBigInt  = Type{Kind: BigInt}
	TDouble  = Type{Kind: Double}
	TFloat   = Type{Kind: Float}
	TString  = Type{Kind: String}
	TBytes   = Type{Kind: Bytes}
	TDate    = Type{Kind: Date}
	TTime    = Type{Kind: Time}
	TTS3     = Type{Kind: Timestamp, Precision: 3}
	TTSLTZ3  = Type{Kind: TimestampLTZ, Precision: 3}
	TInterva = Type{Kind: IntervalDayTime}
)

// DecimalType returns DECIMAL(p, s).
func DecimalType(p, s int) Type { return Type{Kind: Decimal, Precision: p, Scale: s} }

// ArrayOf returns ARRAY<elem>.
func ArrayOf(elem Type) Type { return Type{Kind: Array, Elem: &elem} }

// MapOf returns MAP<k, v>.
func MapOf(k, v Type) Type { return Type{Kind: Map, Key: &k, Elem: &v} }

// Nullable returns t without NOT NULL.
func (t Type) Nullable() Type { t.NotNull = false; return t }

// WithNotNull returns t with NOT NULL set to nn.
func (t Type) WithNotNull(nn bool) Type { t.NotNull = nn; return t }

// String renders the type as Flink prints it (DESCRIBE, EXPLAIN).
func (t Type) String() string {
	var s string
	switch t.Kind {
	case String:
		switch {
		case t.Char:
			s = fmt.Sprintf("CHAR(%d)", t.Precision)
		case t.Precision > 0:
			s = fmt.Sprintf("VARCHAR(%d)", t.Precision)
		default:
			s = "STRING"
		}
	case Bytes:
		if t.Precision > 0 {
			s = fmt.Sprintf("VARBINARY(%d)", t.Precision)
		} else {
			s = "BYTES"
		}
	case Decimal:
		s = fmt.Sprintf("DECIMAL(%d, %d)", t.Precision, t.Scale)
	case Timestamp:
		s = fmt.Sprintf("TIMESTAMP(%d)", t.Precision)
	case TimestampLTZ:
		s = fmt.Sprintf("TIMESTAMP_LTZ(%d)", t.Precision)
	case Time:
		s = fmt.Sprintf("TIME(%d)", t.Precision)
	case Array:
		s = "ARRAY<" + t.Elem.String() + ">"
	case Map:
		s = "MAP<" + t.Key.String() + ", " + t.Elem.String() + ">"
	case Struct:
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			parts[i] = "`" + f.Name + "` " + f.Type.String()
		}
		s = "ROW<" + strings.Join(parts, ", ") + ">"
	default:
		s = t.Kind.String()
	}
	if t.NotNull {
		s += " NOT NULL"
	}
	return s
}

// KSQLString renders the type as ksqlDB names it in schemas and messages:
// INTEGER for every integer narrower than BIGINT, DOUBLE for both floating
// kinds, TIMESTAMP without a precision, struct fields quoted.
func (t Type) KSQLString() string {
	sub := func(p *Type) string {
		if p == nil {
			return "NULL"
		}
		return p.KSQLString()
	}
	switch t.Kind {
	case Null:
		return "NULL"
	case String:
		return "STRING"
	case Boolean:
		return "BOOLEAN"
	case TinyInt, SmallInt, Int:
		return "INTEGER"
	case BigInt:
		return "BIGINT"
	case Float, Double:
		return "DOUBLE"
	case Decimal:
		return fmt.Sprintf("DECIMAL(%d, %d)", t.Precision, t.Scale)
	case Bytes:
		return "BYTES"
	case Date:
		return "DATE"
	case Time:
		return "TIME"
	case Timestamp, TimestampLTZ:
		return "TIMESTAMP"
	case Array:
		return "ARRAY<" + sub(t.Elem) + ">"
	case Map:
		return "MAP<" + sub(t.Key) + ", " + sub(t.Elem) + ">"
	case Struct:
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			parts[i] = "`" + f.Name + "` " + f.Type.KSQLString()
		}
		return "STRUCT<" + strings.Join(parts, ", ") + ">"
	}
	return t.Kind.String()
}

// Equal reports whether two types are identical, nullability included.
func (t Type) Equal(o Type) bool { return t.String() == o.String() }

// Column is a named, typed column of a schema.
type Column struct {
	Name string
	Type Type
}

// Schema is an ordered list of columns.
type Schema []Column

// Index returns the position of the column named name, or -1.
func (s Schema) Index(name string) int {
	for i, c := range s {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// IndexFold is Index ignoring case.
func (s Schema) IndexFold(name string) int {
	for i, c := range s {
		if strings.EqualFold(c.Name, name) {
			return i
		}
	}
	return -1
}

// Names returns the column names.
func (s Schema) Names() []string {
	out := make([]string, len(s))
	for i, c := range s {
		out[i] = c.Name
	}
	return out
}

// String renders the schema as `name TYPE, ...`.
func (s Schema) String() string {
	parts := make([]string, len(s))
	for i, c := range s {
		parts[i] = c.Name + " " + c.Type.String()
	}
	return strings.Join(parts, ", ")
}
