// Package plan translates Spark Connect plans (DataFrame relations and
// expressions, as protobuf messages) into Tumble's planner nodes and engine
// expressions, with Spark's semantics: its types, its names for columns,
// its functions, its output modes. It is the third front-end beside the
// Flink and ksqlDB binders: the plans it makes are built and run by the
// planner and the engine like theirs.
package plan

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/spark/connect/pb"
)

// Spark's types map onto Tumble's: timestamp is an instant
// (TIMESTAMP_LTZ), timestamp_ntz a wall-clock time (TIMESTAMP), both with
// microseconds.
var (
	tTimestamp = types.Type{Kind: types.TimestampLTZ, Precision: 6}
	tNTZ       = types.Type{Kind: types.Timestamp, Precision: 6}
)

// TypeName is Spark's simpleString of a type (int, bigint, struct<a:int>).
func TypeName(t types.Type) string {
	switch t.Kind {
	case types.Null:
		return "void"
	case types.Boolean:
		return "boolean"
	case types.TinyInt:
		return "tinyint"
	case types.SmallInt:
		return "smallint"
	case types.Int:
		return "int"
	case types.BigInt:
		return "bigint"
	case types.Float:
		return "float"
	case types.Double:
		return "double"
	case types.Decimal:
		return fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale)
	case types.String:
		return "string"
	case types.Bytes:
		return "binary"
	case types.Date:
		return "date"
	case types.Time:
		return "time"
	case types.Timestamp:
		return "timestamp_ntz"
	case types.TimestampLTZ:
		return "timestamp"
	case types.IntervalDayTime:
		return "interval day to second"
	case types.IntervalYearMonth:
		return "interval year to month"
	case types.Array:
		return "array<" + TypeName(*t.Elem) + ">"
	case types.Map:
		return "map<" + TypeName(*t.Key) + "," + TypeName(*t.Elem) + ">"
	case types.Struct:
		parts := make([]string, len(t.Fields))
		for i, f := range t.Fields {
			parts[i] = f.Name + ":" + TypeName(f.Type)
		}
		return "struct<" + strings.Join(parts, ",") + ">"
	}
	return strings.ToLower(t.Kind.String())
}

// ToProto is the Spark Connect DataType of a Tumble type.
func ToProto(t types.Type) *pb.DataType {
	d := &pb.DataType{}
	switch t.Kind {
	case types.Null:
		d.Kind = &pb.DataType_Null{Null: &pb.DataType_NULL{}}
	case types.Boolean:
		d.Kind = &pb.DataType_Boolean_{Boolean: &pb.DataType_Boolean{}}
	case types.TinyInt:
		d.Kind = &pb.DataType_Byte_{Byte: &pb.DataType_Byte{}}
	case types.SmallInt:
		d.Kind = &pb.DataType_Short_{Short: &pb.DataType_Short{}}
	case types.Int:
		d.Kind = &pb.DataType_Integer_{Integer: &pb.DataType_Integer{}}
	case types.BigInt:
		d.Kind = &pb.DataType_Long_{Long: &pb.DataType_Long{}}
	case types.Float:
		d.Kind = &pb.DataType_Float_{Float: &pb.DataType_Float{}}
	case types.Double:
		d.Kind = &pb.DataType_Double_{Double: &pb.DataType_Double{}}
	case types.Decimal:
		p, s := int32(t.Precision), int32(t.Scale)
		d.Kind = &pb.DataType_Decimal_{Decimal: &pb.DataType_Decimal{Precision: &p, Scale: &s}}
	case types.Bytes:
		d.Kind = &pb.DataType_Binary_{Binary: &pb.DataType_Binary{}}
	case types.Date:
		d.Kind = &pb.DataType_Date_{Date: &pb.DataType_Date{}}
	case types.Timestamp:
		d.Kind = &pb.DataType_TimestampNtz{TimestampNtz: &pb.DataType_TimestampNTZ{}}
	case types.TimestampLTZ:
		d.Kind = &pb.DataType_Timestamp_{Timestamp: &pb.DataType_Timestamp{}}
	case types.IntervalDayTime:
		s, e := int32(0), int32(3)
		d.Kind = &pb.DataType_DayTimeInterval_{DayTimeInterval: &pb.DataType_DayTimeInterval{StartField: &s, EndField: &e}}
	case types.IntervalYearMonth:
		s, e := int32(0), int32(1)
		d.Kind = &pb.DataType_YearMonthInterval_{YearMonthInterval: &pb.DataType_YearMonthInterval{StartField: &s, EndField: &e}}
	case types.Array:
		d.Kind = &pb.DataType_Array_{Array: &pb.DataType_Array{ElementType: ToProto(*t.Elem), ContainsNull: true}}
	case types.Map:
		d.Kind = &pb.DataType_Map_{Map: &pb.DataType_Map{KeyType: ToProto(*t.Key), ValueType: ToProto(*t.Elem), ValueContainsNull: true}}
	case types.Struct:
		st := &pb.DataType_Struct{}
		for _, f := range t.Fields {
			st.Fields = append(st.Fields, &pb.DataType_StructField{Name: f.Name, DataType: ToProto(f.Type), Nullable: !f.Type.NotNull})
		}
		d.Kind = &pb.DataType_Struct_{Struct: st}
	default: // TIME and others Spark lacks travel as strings
		d.Kind = &pb.DataType_String_{String_: &pb.DataType_String{}}
	}
	return d
}

// SchemaProto is the struct type of a frame's columns.
func SchemaProto(cols []Col) *pb.DataType {
	st := &pb.DataType_Struct{}
	for _, c := range cols {
		st.Fields = append(st.Fields, &pb.DataType_StructField{Name: c.Name, DataType: ToProto(c.Type), Nullable: !c.Type.NotNull})
	}
	return &pb.DataType{Kind: &pb.DataType_Struct_{Struct: st}}
}

// FromProto is the Tumble type of a Spark Connect DataType.
func FromProto(d *pb.DataType) (types.Type, error) {
	switch k := d.GetKind().(type) {
	case *pb.DataType_Null:
		return types.TNull, nil
	case *pb.DataType_Boolean_:
		return types.TBool, nil
	case *pb.DataType_Byte_:
		return types.Type{Kind: types.TinyInt}, nil
	case *pb.DataType_Short_:
		return types.Type{Kind: types.SmallInt}, nil
	case *pb.DataType_Integer_:
		return types.TInt, nil
	case *pb.DataType_Long_:
		return types.TBigInt, nil
	case *pb.DataType_Float_:
		return types.TFloat, nil
	case *pb.DataType_Double_:
		return types.TDouble, nil
	case *pb.DataType_Decimal_:
		p, s := int32(10), int32(0)
		if k.Decimal.Precision != nil {
			p = *k.Decimal.Precision
		}
		if k.Decimal.Scale != nil {
			s = *k.Decimal.Scale
		}
		return types.DecimalType(int(p), int(s)), nil
	case *pb.DataType_String_, *pb.DataType_Char_, *pb.DataType_VarChar_:
		return types.TString, nil
	case *pb.DataType_Binary_:
		return types.TBytes, nil
	case *pb.DataType_Date_:
		return types.TDate, nil
	case *pb.DataType_Timestamp_:
		return tTimestamp, nil
	case *pb.DataType_TimestampNtz:
		return tNTZ, nil
	case *pb.DataType_DayTimeInterval_:
		return types.Type{Kind: types.IntervalDayTime}, nil
	case *pb.DataType_YearMonthInterval_:
		return types.Type{Kind: types.IntervalYearMonth}, nil
	case *pb.DataType_Array_:
		e, err := FromProto(k.Array.ElementType)
		return types.ArrayOf(e), err
	case *pb.DataType_Map_:
		kt, err := FromProto(k.Map.KeyType)
		if err != nil {
			return types.Type{}, err
		}
		vt, err := FromProto(k.Map.ValueType)
		return types.MapOf(kt, vt), err
	case *pb.DataType_Struct_:
		t := types.Type{Kind: types.Struct}
		for _, f := range k.Struct.Fields {
			ft, err := FromProto(f.DataType)
			if err != nil {
				return t, err
			}
			t.Fields = append(t.Fields, types.Field{Name: f.Name, Type: ft})
		}
		return t, nil
	case *pb.DataType_Unparsed_:
		return ParseType(k.Unparsed.DataTypeString)
	}
	return types.Type{}, analysisErr("UNSUPPORTED_DATATYPE", "Unsupported data type %v", d)
}

// ParseSchema reads a schema given as Spark's JSON (StructType.json()) or
// as DDL ("a INT, b STRING" or "struct<a:int>").
func ParseSchema(s string) (types.Type, error) {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "{") {
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			return types.Type{}, analysisErr("INVALID_SCHEMA", "Cannot parse the schema %s: %v", s, err)
		}
		return jsonType(v)
	}
	t, err := ParseType(s)
	if err == nil && t.Kind == types.Struct {
		return t, nil
	}
	// A list of columns: name type, ...
	p := &typeParser{s: s}
	t, err = p.fields(true)
	if err != nil {
		return t, err
	}
	if p.skip(); p.i < len(p.s) {
		return t, analysisErr("INVALID_SCHEMA", "Cannot parse the data type: %q", s)
	}
	return t, nil
}

func jsonType(v any) (types.Type, error) {
	switch x := v.(type) {
	case string:
		return ParseType(map[string]string{"integer": "int", "long": "bigint", "short": "smallint", "byte": "tinyint", "null": "void"}[x] + ifEmpty(x))
	case map[string]any:
		switch x["type"] {
		case "struct":
			t := types.Type{Kind: types.Struct}
			fs, _ := x["fields"].([]any)
			for _, f := range fs {
				fm, _ := f.(map[string]any)
				name, _ := fm["name"].(string)
				ft, err := jsonType(fm["type"])
				if err != nil {
					return t, err
				}
				t.Fields = append(t.Fields, types.Field{Name: name, Type: ft})
			}
			return t, nil
		case "array":
			e, err := jsonType(x["elementType"])
			return types.ArrayOf(e), err
		case "map":
			k, err := jsonType(x["keyType"])
			if err != nil {
				return k, err
			}
			v, err := jsonType(x["valueType"])
			return types.MapOf(k, v), err
		}
	}
	return types.Type{}, analysisErr("INVALID_SCHEMA", "Cannot parse the schema type %v", v)
}

// ifEmpty keeps JSON type names that are already DDL names.
func ifEmpty(x string) string {
	switch x {
	case "integer", "long", "short", "byte", "null":
		return ""
	}
	return x
}

// ParseType reads a Spark DDL type: int, decimal(10,2), array<string>,
// map<string,int>, struct<a:int,b:string>.
func ParseType(s string) (types.Type, error) {
	p := &typeParser{s: s}
	t, err := p.typ()
	if err != nil {
		return t, err
	}
	if p.skip(); p.i < len(p.s) {
		return t, analysisErr("PARSE_SYNTAX_ERROR", "Syntax error at or near '%s' in the data type %q", p.s[p.i:], s)
	}
	return t, nil
}

type typeParser struct {
	s string
	i int
}

func (p *typeParser) skip() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n') {
		p.i++
	}
}

func (p *typeParser) word() string {
	p.skip()
	if p.i < len(p.s) && p.s[p.i] == '`' {
		j := strings.IndexByte(p.s[p.i+1:], '`')
		if j >= 0 {
			w := p.s[p.i+1 : p.i+1+j]
			p.i += j + 2
			return w
		}
	}
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' {
			p.i++
			continue
		}
		break
	}
	return p.s[start:p.i]
}

func (p *typeParser) eat(c byte) bool {
	p.skip()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *typeParser) fields(ddl bool) (types.Type, error) {
	t := types.Type{Kind: types.Struct}
	for {
		name := p.word()
		if name == "" {
			return t, analysisErr("PARSE_SYNTAX_ERROR", "Syntax error in the schema %q: a field name is missing", p.s)
		}
		p.eat(':')
		ft, err := p.typ()
		if err != nil {
			return t, err
		}
		// NOT NULL and COMMENT '...' are accepted and ignored.
		for {
			save := p.i
			w := strings.ToLower(p.word())
			if w == "not" && strings.EqualFold(p.word(), "null") {
				continue
			}
			if w == "comment" {
				p.skip()
				if p.i < len(p.s) && (p.s[p.i] == '\'' || p.s[p.i] == '"') {
					q := p.s[p.i]
					j := strings.IndexByte(p.s[p.i+1:], q)
					if j >= 0 {
						p.i += j + 2
						continue
					}
				}
			}
			p.i = save
			break
		}
		t.Fields = append(t.Fields, types.Field{Name: name, Type: ft})
		if !p.eat(',') {
			return t, nil
		}
	}
}

func (p *typeParser) typ() (types.Type, error) {
	w := strings.ToLower(p.word())
	switch w {
	case "boolean", "bool":
		return types.TBool, nil
	case "tinyint", "byte":
		return types.Type{Kind: types.TinyInt}, nil
	case "smallint", "short":
		return types.Type{Kind: types.SmallInt}, nil
	case "int", "integer":
		return types.TInt, nil
	case "bigint", "long":
		return types.TBigInt, nil
	case "float", "real":
		return types.TFloat, nil
	case "double":
		return types.TDouble, nil
	case "string", "varchar", "char":
		if p.eat('(') {
			p.word()
			if !p.eat(')') {
				return types.Type{}, analysisErr("PARSE_SYNTAX_ERROR", "Syntax error in the data type %q", p.s)
			}
		}
		return types.TString, nil
	case "binary":
		return types.TBytes, nil
	case "date":
		return types.TDate, nil
	case "timestamp", "timestamp_ltz":
		return tTimestamp, nil
	case "timestamp_ntz":
		return tNTZ, nil
	case "void":
		return types.TNull, nil
	case "decimal", "dec", "numeric":
		prec, scale := 10, 0
		if p.eat('(') {
			prec, _ = strconv.Atoi(p.word())
			if p.eat(',') {
				scale, _ = strconv.Atoi(p.word())
			}
			if !p.eat(')') {
				return types.Type{}, analysisErr("PARSE_SYNTAX_ERROR", "Syntax error in the data type %q", p.s)
			}
		}
		return types.DecimalType(prec, scale), nil
	case "array":
		if !p.eat('<') {
			break
		}
		e, err := p.typ()
		if err != nil {
			return e, err
		}
		if !p.eat('>') {
			break
		}
		return types.ArrayOf(e), nil
	case "map":
		if !p.eat('<') {
			break
		}
		k, err := p.typ()
		if err != nil {
			return k, err
		}
		if !p.eat(',') {
			break
		}
		v, err := p.typ()
		if err != nil {
			return v, err
		}
		if !p.eat('>') {
			break
		}
		return types.MapOf(k, v), nil
	case "struct":
		if !p.eat('<') {
			break
		}
		if p.eat('>') {
			return types.Type{Kind: types.Struct}, nil
		}
		t, err := p.fields(false)
		if err != nil {
			return t, err
		}
		if !p.eat('>') {
			break
		}
		return t, nil
	case "":
		return types.Type{}, analysisErr("PARSE_SYNTAX_ERROR", "Syntax error in the data type %q", p.s)
	default:
		return types.Type{}, analysisErr("UNSUPPORTED_DATATYPE", "Unsupported data type \"%s\"", strings.ToUpper(w))
	}
	return types.Type{}, analysisErr("PARSE_SYNTAX_ERROR", "Syntax error in the data type %q", p.s)
}
