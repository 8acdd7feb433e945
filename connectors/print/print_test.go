package print

import (
	"bytes"
	"context"
	"testing"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

func ts(t *testing.T, s string) int64 {
	us, err := types.ParseTimestamp(s)
	if err != nil {
		t.Fatal(err)
	}
	return us
}

func TestPrint(t *testing.T) {
	var out bytes.Buffer
	reg := engine.NewRegistry()
	Register(reg, &out)
	c, err := reg.Lookup("print")
	if err != nil {
		t.Fatal(err)
	}
	sink, err := c.Sink(&engine.TableSpec{Name: "p"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rows := []engine.Rec{
		{Row: types.Row{types.TimestampV(ts(t, "2026-11-23 23:09:45")), types.IntV(10), types.StringV("x")}},
		{Kind: engine.UpdateBefore, Row: types.Row{types.TimestampV(ts(t, "2026-11-23 23:09:45.1")), types.BoolV(true), {}}},
		{Kind: engine.UpdateAfter, Row: types.Row{types.TimestampV(ts(t, "2026-11-23 23:09:00")), types.DoubleV(20), types.DecimalV(1230, 2)}},
		{Kind: engine.Delete, Row: types.Row{types.TimestampLTZV(ts(t, "2026-11-23 22:09:45")), types.TimestampV(ts(t, "2026-11-23 23:09:45.000150")), types.BytesV([]byte{1, 255})}},
		{Row: types.Row{types.DateV(types.DaysFromCivil(2026, 11, 23)), types.TimeV(3_723_500_000), types.ArrayV([]types.Value{types.IntV(1), {}}),
			types.MapV(&types.MapValue{Keys: []types.Value{types.StringV("k")}, Vals: []types.Value{types.IntV(2)}}),
			types.StructV([]types.Value{types.IntV(1), types.StringV("a")}), types.IntervalV(3 * types.MicrosPerSecond), types.MonthsV(14),
			types.DecimalV(1, 7), types.FloatV(1e7)}},
	}
	if err := sink.Write(ctx, rows); err != nil {
		t.Fatal(err)
	}
	want := "+I[2026-11-23T23:09:45, 10, x]\n" +
		"-U[2026-11-23T23:09:45.100, true, null]\n" +
		"+U[2026-11-23T23:09, 20.0, 12.30]\n" +
		"-D[2026-11-23T22:09:45Z, 2026-11-23T23:09:45.000150, [1, -1]]\n" +
		"+I[2026-11-23, 01:02:03.500, [1, null], {k=2}, +I[1, a], PT3S, P1Y2M, 1E-7, 1.0E7]\n"
	if got := out.String(); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	out.Reset()
	id, err := c.Sink(&engine.TableSpec{Name: "p", Options: map[string]string{"print-identifier": "agg", "standard-error": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := id.Write(ctx, rows[:1]); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "agg> +I[2026-11-23T23:09:45, 10, x]\n" {
		t.Fatalf("got %q", got)
	}
	if err := c.Validate(&engine.TableSpec{Name: "p", Options: map[string]string{"standard-error": "maybe"}}); err == nil {
		t.Error("bad standard-error accepted")
	}
}
