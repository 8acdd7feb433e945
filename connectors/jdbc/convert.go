package jdbc

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tumble/tumble/engine/types"
)

// checkType refuses the column types the connector cannot read.
func checkType(t types.Type) error {
	switch t.Kind {
	case types.Boolean, types.TinyInt, types.SmallInt, types.Int, types.BigInt, types.Decimal, types.Float, types.Double,
		types.String, types.Bytes, types.Date, types.Time, types.Timestamp, types.TimestampLTZ:
		return nil
	}
	return fmt.Errorf("type %s is not supported by the jdbc connector", t)
}

// fromText converts PostgreSQL's text form of a value into t.
func fromText(s string, t types.Type) (types.Value, error) {
	bad := func(err error) (types.Value, error) {
		return types.Value{}, fmt.Errorf("cannot read %q as %s: %v", s, t, err)
	}
	switch t.Kind {
	case types.Boolean:
		switch strings.ToLower(s) {
		case "t", "true":
			return types.BoolV(true), nil
		case "f", "false":
			return types.BoolV(false), nil
		}
		return bad(fmt.Errorf("not a boolean"))
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return bad(err)
		}
		v := types.BigIntV(n)
		v.K = t.Kind
		return v, nil
	case types.Float:
		f, err := strconv.ParseFloat(s, 32)
		if err != nil {
			return bad(err)
		}
		return types.FloatV(f), nil
	case types.Double:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return bad(err)
		}
		return types.DoubleV(f), nil
	case types.Decimal:
		u, err := types.ParseDecimal(s, t.Scale)
		if err != nil {
			return bad(err)
		}
		return types.DecimalV(u, t.Scale), nil
	case types.String:
		return types.StringV(s), nil
	case types.Bytes:
		if h, ok := strings.CutPrefix(s, `\x`); ok {
			b, err := hex.DecodeString(h)
			if err != nil {
				return bad(err)
			}
			return types.BytesV(b), nil
		}
		return types.BytesV([]byte(s)), nil
	case types.Date:
		d, err := types.ParseDate(s)
		if err != nil {
			return bad(err)
		}
		return types.DateV(d), nil
	case types.Time:
		us, err := types.ParseTime(s)
		if err != nil {
			return bad(err)
		}
		return types.TimeV(us), nil
	case types.Timestamp, types.TimestampLTZ:
		us, off, zoned, err := types.ParseTimestampZone(s)
		if err != nil {
			return bad(err)
		}
		if t.Kind == types.Timestamp {
			return types.TimestampV(us), nil
		}
		if !zoned {
			return types.TimestampLTZV(us), nil // read as UTC
		}
		return types.TimestampLTZV(us - int64(off)*types.MicrosPerSecond), nil
	}
	return bad(fmt.Errorf("unsupported type"))
}

// param is the Go value a lookup key is sent as: PostgreSQL takes it as
// the key column's type.
func param(v types.Value) any {
	switch v.K {
	case types.Null:
		return nil
	case types.Boolean:
		return v.Bool()
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		return v.I
	case types.Float, types.Double:
		return math.Float64frombits(uint64(v.I))
	case types.String:
		return v.S
	case types.Bytes:
		return []byte(v.S)
	case types.Timestamp:
		return time.UnixMicro(v.I).UTC()
	case types.TimestampLTZ:
		return time.UnixMicro(v.I)
	case types.Date:
		return time.Unix(v.I*86400, 0).UTC()
	}
	return v.String()
}
