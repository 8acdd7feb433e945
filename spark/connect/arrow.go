package connect

import (
	"bytes"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/spark/plan"
)

// arrowType is the Arrow type Spark sends for a column type. Timestamps
// carry the session zone, as Spark's server writes them.
func arrowType(t types.Type, tz string) arrow.DataType {
	switch t.Kind {
	case types.Null:
		return arrow.Null
	case types.Boolean:
		return arrow.FixedWidthTypes.Boolean
	case types.TinyInt:
		return arrow.PrimitiveTypes.Int8
	case types.SmallInt:
		return arrow.PrimitiveTypes.Int16
	case types.Int:
		return arrow.PrimitiveTypes.Int32
	case types.BigInt:
		return arrow.PrimitiveTypes.Int64
	case types.Float:
		return arrow.PrimitiveTypes.Float32
	case types.Double:
		return arrow.PrimitiveTypes.Float64
	case types.Decimal:
		return &arrow.Decimal128Type{Precision: int32(t.Precision), Scale: int32(t.Scale)}
	case types.Bytes:
		return arrow.BinaryTypes.Binary
	case types.Date:
		return arrow.FixedWidthTypes.Date32
	case types.TimestampLTZ:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: tz}
	case types.Timestamp:
		return &arrow.TimestampType{Unit: arrow.Microsecond}
	case types.IntervalDayTime:
		return &arrow.DurationType{Unit: arrow.Microsecond}
	case types.Array:
		return arrow.ListOf(arrowType(*t.Elem, tz))
	case types.Map:
		return arrow.MapOf(arrowType(*t.Key, tz), arrowType(*t.Elem, tz))
	case types.Struct:
		fs := make([]arrow.Field, len(t.Fields))
		for i, f := range t.Fields {
			fs[i] = arrow.Field{Name: f.Name, Type: arrowType(f.Type, tz), Nullable: true}
		}
		return arrow.StructOf(fs...)
	}
	return arrow.BinaryTypes.String
}

// encodeArrow writes rows as one Arrow IPC stream (schema + one batch).
func encodeArrow(cols []plan.Col, rows []types.Row, loc *time.Location) ([]byte, error) {
	fs := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fs[i] = arrow.Field{Name: c.Name, Type: arrowType(c.Type, loc.String()), Nullable: true}
	}
	schema := arrow.NewSchema(fs, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for _, r := range rows {
		for i, c := range cols {
			if err := appendArrow(b.Field(i), r[i], c.Type, loc); err != nil {
				return nil, fmt.Errorf("column %s: %w", c.Name, err)
			}
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(schema))
	if err := w.Write(rec); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func appendArrow(b array.Builder, v types.Value, t types.Type, loc *time.Location) error {
	if v.IsNull() {
		b.AppendNull()
		return nil
	}
	switch bb := b.(type) {
	case *array.NullBuilder:
		bb.AppendNull()
	case *array.BooleanBuilder:
		bb.Append(v.Bool())
	case *array.Int8Builder:
		bb.Append(int8(v.I))
	case *array.Int16Builder:
		bb.Append(int16(v.I))
	case *array.Int32Builder:
		bb.Append(int32(v.I))
	case *array.Int64Builder:
		bb.Append(v.I)
	case *array.Float32Builder:
		bb.Append(float32(v.Float()))
	case *array.Float64Builder:
		bb.Append(v.Float())
	case *array.Decimal128Builder:
		bb.Append(decimal128.FromI64(v.I))
	case *array.BinaryBuilder:
		bb.Append([]byte(v.S))
	case *array.StringBuilder:
		if t.Kind == types.String {
			bb.Append(v.S)
		} else {
			bb.Append(plan.ShowValue(v, t, loc))
		}
	case *array.Date32Builder:
		bb.Append(arrow.Date32(v.I))
	case *array.TimestampBuilder:
		bb.Append(arrow.Timestamp(v.I))
	case *array.DurationBuilder:
		bb.Append(arrow.Duration(v.I))
	case *array.ListBuilder:
		bb.Append(true)
		for _, e := range v.Elems() {
			if err := appendArrow(bb.ValueBuilder(), e, *t.Elem, loc); err != nil {
				return err
			}
		}
	case *array.MapBuilder:
		bb.Append(true)
		m := v.MapVal()
		for i := range m.Keys {
			if err := appendArrow(bb.KeyBuilder(), m.Keys[i], *t.Key, loc); err != nil {
				return err
			}
			if err := appendArrow(bb.ItemBuilder(), m.Vals[i], *t.Elem, loc); err != nil {
				return err
			}
		}
	case *array.StructBuilder:
		bb.Append(true)
		es := v.Elems()
		for i, f := range t.Fields {
			var e types.Value
			if i < len(es) {
				e = es[i]
			}
			if err := appendArrow(bb.FieldBuilder(i), e, f.Type, loc); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("cannot write %s to Arrow", t)
	}
	return nil
}
