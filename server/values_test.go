package server

import (
	"testing"

	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/sql"
)

// Values are written as the dialect's REST clients expect (ksqlDB's
// /query) or as Tumble's /v1/query writes them, by the named rendering,
// and Tumble's reads back.
func TestAppendValueRenderings(t *testing.T) {
	ksql := planner.DialectOf(sql.KSQL).Rules().Client.Values
	ts := types.TimestampV(1_700_000_000_123_456)
	m := types.MapV(&types.MapValue{Keys: []types.Value{types.IntV(1)}, Vals: []types.Value{types.DecimalV(1234, 2)}})
	mt := types.MapOf(types.TInt, types.DecimalType(10, 2))
	cases := []struct {
		v          types.Value
		t          types.Type
		ksql, mine string
	}{
		{types.DecimalV(-1205, 2), types.DecimalType(10, 2), `-12.05`, `"-12.05"`},
		{ts, types.Type{Kind: types.Timestamp, Precision: 6}, `"2023-11-14T22:13:20.123"`, `"2023-11-14 22:13:20.123456"`},
		{m, mt, `{"1":12.34}`, `[[1,"12.34"]]`},
		{types.BigIntV(7), types.TBigInt, `7`, `7`},
	}
	for _, c := range cases {
		if got := string(AppendValue(nil, c.v, c.t, ksql)); got != c.ksql {
			t.Errorf("ksqlDB's rendering of %v: %s, want %s", c.v, got, c.ksql)
		}
		got := string(AppendValue(nil, c.v, c.t, tumbleValues))
		if got != c.mine {
			t.Errorf("Tumble's rendering of %v: %s, want %s", c.v, got, c.mine)
		}
		back, err := DecodeValue([]byte(got), c.t)
		if err != nil || back.String() != c.v.String() {
			t.Errorf("DecodeValue(%s) = %v, %v; want %v", got, back, err, c.v)
		}
	}
}

// A live view reads a table as its dialect's clients read from a topic's
// start; the catalog offers SHOW CREATE for the dialects that have it.
func TestLiveQueryAndShowCreateByDialect(t *testing.T) {
	cases := []struct {
		table      planner.Table
		query      string
		settings   map[string]string
		showCreate string
	}{
		{planner.Table{Name: "t", Kind: sql.KindTable, Dialect: sql.Flink, Options: map[string]string{"connector": "kafka"}},
			"SELECT * FROM `t` /*+ OPTIONS('scan.startup.mode' = 'earliest-offset') */", nil, "SHOW CREATE TABLE `t`"},
		{planner.Table{Name: "v`1", Kind: sql.KindView, Dialect: sql.Flink},
			"SELECT * FROM `v``1`", nil, "SHOW CREATE VIEW `v``1`"},
		{planner.Table{Name: "d", Kind: sql.KindTable, Dialect: sql.Flink, Options: map[string]string{"connector": "datagen"}},
			"SELECT * FROM `d`", nil, "SHOW CREATE TABLE `d`"},
		{planner.Table{Name: "S", Kind: sql.KindStream, Dialect: sql.KSQL, Options: map[string]string{"connector": "kafka"}},
			"SELECT * FROM `S` EMIT CHANGES;", map[string]string{"auto.offset.reset": "earliest"}, ""},
	}
	for _, c := range cases {
		text, d, settings, err := liveQuery(&c.table)
		if err != nil || text != c.query || d != c.table.Dialect || len(settings) != len(c.settings) {
			t.Errorf("%s: liveQuery = %q, %v, %v, %v; want %q, %v", c.table.Name, text, d, settings, err, c.query, c.settings)
		}
		for k, v := range c.settings {
			if settings[k] != v {
				t.Errorf("%s: setting %s = %q, want %q", c.table.Name, k, settings[k], v)
			}
		}
		if got := catalogEntry(&c.table).ShowCreate; got != c.showCreate {
			t.Errorf("%s: show_create %q, want %q", c.table.Name, got, c.showCreate)
		}
	}
	if _, _, _, err := liveQuery(&planner.Table{Name: "x", Dialect: sql.Spark}); err == nil {
		t.Error("a live view of a dialect without a live query: no error")
	}
}
