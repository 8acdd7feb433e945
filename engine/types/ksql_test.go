package types

import "testing"

func TestKSQLString(t *testing.T) {
	dec := Type{Kind: Decimal, Precision: 4, Scale: 2}
	row := Type{Kind: Struct, Fields: []Field{{Name: "A", Type: TInt}, {Name: "b c", Type: ArrayOf(dec)}}}
	for _, c := range []struct {
		t    Type
		want string
	}{
		{TInt, "INTEGER"}, {Type{Kind: SmallInt}, "INTEGER"}, {TBigInt, "BIGINT"}, {TDouble, "DOUBLE"},
		{TString, "STRING"}, {Type{Kind: String, Precision: 10}, "STRING"}, {TBool, "BOOLEAN"},
		{dec, "DECIMAL(4, 2)"}, {Type{Kind: Timestamp, Precision: 3}, "TIMESTAMP"},
		{Type{Kind: Time, Precision: 3}, "TIME"}, {Type{Kind: Date}, "DATE"}, {Type{Kind: Bytes}, "BYTES"},
		{MapOf(TString, ArrayOf(TInt)), "MAP<STRING, ARRAY<INTEGER>>"},
		{row, "STRUCT<`A` INTEGER, `b c` ARRAY<DECIMAL(4, 2)>>"},
		{Type{Kind: Array}, "ARRAY<NULL>"}, {TNull, "NULL"},
		{TInt.WithNotNull(true), "INTEGER"},
	} {
		if got := c.t.KSQLString(); got != c.want {
			t.Errorf("%s: %q, want %q", c.t, got, c.want)
		}
	}
}
