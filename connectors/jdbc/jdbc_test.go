package jdbc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/internal/pgtest"
)

func customersSpec(url string, opts ...string) *engine.TableSpec {
	s := &engine.TableSpec{Name: "customers", Options: map[string]string{"connector": "jdbc", "url": url, "table-name": "customers"},
		Columns: []engine.ColumnSpec{{Name: "id", Type: types.TInt}, {Name: "name", Type: types.TString},
			{Name: "score", Type: types.DecimalType(6, 2)}, {Name: "since", Type: types.TTS3}, {Name: "vip", Type: types.TBool}},
		PrimaryKey: []string{"id"}}
	for i := 0; i+1 < len(opts); i += 2 {
		s.Options[opts[i]] = opts[i+1]
	}
	return s
}

func rowText(r types.Row) string {
	parts := make([]string, len(r))
	for i, v := range r {
		parts[i] = v.String()
	}
	return strings.Join(parts, " ")
}

// TestPostgresScanAndLookup runs against a real PostgreSQL server: a
// bounded scan in primary-key order, lookups by key (several rows, none,
// and a row changed between two lookups).
func TestPostgresScanAndLookup(t *testing.T) {
	pg := pgtest.Start(t)
	pg.Exec(t, `CREATE TABLE customers (id INT PRIMARY KEY, name TEXT, score NUMERIC(6, 2), since TIMESTAMP, vip BOOLEAN, region TEXT)`,
		`INSERT INTO customers VALUES (2, 'bob', 3.50, '2026-01-02 10:00:00.5', false, 'eu'), (1, 'ann', 12.25, '2026-01-01 09:00:00', true, 'us'), (3, NULL, NULL, NULL, NULL, 'eu')`)
	ctx := context.Background()
	src, err := NewSource(customersSpec(pg.JDBCURL(), "username", pg.User))
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := src.Open(ctx, nil); err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		bs, err := src.Poll(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bs {
			for _, r := range b.Recs {
				got = append(got, rowText(r.Row))
			}
		}
	}
	want := "[1 ann 12.25 2026-01-01 09:00:00.000 TRUE 2 bob 3.50 2026-01-02 10:00:00.500 FALSE 3 NULL NULL NULL NULL]"
	if fmt.Sprint(got) != want {
		t.Errorf("scan:\n got %v\nwant %s", got, want)
	}

	lk, err := NewSource(customersSpec(pg.JDBCURL(), "username", pg.User))
	if err != nil {
		t.Fatal(err)
	}
	defer lk.Close()
	if err := lk.OpenLookup(ctx, []int{0}); err != nil {
		t.Fatal(err)
	}
	res, err := lk.Lookup(ctx, []types.Row{{types.IntV(2)}, {types.IntV(9)}, {types.IntV(1)}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 || len(res[0]) != 1 || res[0][0][1].S != "bob" || len(res[1]) != 0 || res[2][0][1].S != "ann" {
		t.Fatalf("lookup: %v", res)
	}
	pg.Exec(t, `UPDATE customers SET name = 'BOB' WHERE id = 2`)
	res, err = lk.Lookup(ctx, []types.Row{{types.IntV(2)}})
	if err != nil || res[0][0][1].S != "BOB" {
		t.Fatalf("lookup after an update: %v %v", res, err)
	}
	// By a column that is not the key: every matching row.
	byName, _ := NewSource(customersSpec(pg.JDBCURL(), "username", pg.User))
	defer byName.Close()
	if err := byName.OpenLookup(ctx, []int{4}); err != nil {
		t.Fatal(err)
	}
	if res, err = byName.Lookup(ctx, []types.Row{{types.BoolV(false)}}); err != nil || len(res[0]) != 1 || res[0][0][0].I != 2 {
		t.Fatalf("lookup by vip: %v %v", res, err)
	}
}

func TestValidate(t *testing.T) {
	for _, c := range []struct {
		opts []string
		want string
	}{
		{[]string{"url", "jdbc:mysql://h/db"}, "PostgreSQL"},
		{[]string{"table-name", ""}, "'table-name' is required"},
		{[]string{"lookup.cache", "PARTIAL"}, "lookup.partial-cache"},
		{[]string{"driver", "com.mysql.cj.jdbc.Driver"}, "driver"},
	} {
		_, err := parseConfig(customersSpec("jdbc:postgresql://127.0.0.1:1/db", c.opts...))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want %q", c.opts, err, c.want)
		}
	}
	c, err := parseConfig(customersSpec("jdbc:postgresql://127.0.0.1:5432/shop?sslmode=disable", "username", "u", "password", "p w"))
	if err != nil || c.conn != "postgres://u:p%20w@127.0.0.1:5432/shop?sslmode=disable" {
		t.Errorf("connection string %q, %v", c.conn, err)
	}
}

// TestPostgresSink: with a primary key the sink upserts and deletes, each
// key's last change winning (a -U that no +U follows deletes the row);
// without one it appends.
func TestPostgresSink(t *testing.T) {
	pg := pgtest.Start(t)
	pg.Exec(t, `CREATE TABLE counts (city TEXT PRIMARY KEY, n BIGINT, amount NUMERIC(8, 2))`,
		`INSERT INTO counts VALUES ('old', 1, 1.00)`, `CREATE TABLE log (city TEXT, n BIGINT, amount NUMERIC(8, 2))`)
	ctx := context.Background()
	spec := func(table string, pk ...string) *engine.TableSpec {
		return &engine.TableSpec{Name: table, PrimaryKey: pk,
			Options: map[string]string{"connector": "jdbc", "url": pg.JDBCURL(), "table-name": table, "username": pg.User, "sink.buffer-flush.max-rows": "3"},
			Columns: []engine.ColumnSpec{{Name: "city", Type: types.TString}, {Name: "n", Type: types.TBigInt}, {Name: "amount", Type: types.DecimalType(8, 2)}}}
	}
	row := func(city string, n int64, cents int64) types.Row {
		return types.Row{types.StringV(city), types.BigIntV(n), types.DecimalV(cents, 2)}
	}
	sink, err := NewSink(spec("counts", "city"))
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	recs := []engine.Rec{
		{Row: row("NY", 1, 100)}, {Row: row("SF", 1, 250)},
		{Row: row("NY", 1, 100), Kind: engine.UpdateBefore}, {Row: row("NY", 2, 300), Kind: engine.UpdateAfter},
		{Row: row("SF", 1, 250), Kind: engine.UpdateBefore}, // SF stops matching: deleted
		{Row: row("old", 1, 100), Kind: engine.Delete}, {Row: row("LA", 5, 5)},
	}
	for _, r := range recs { // one at a time: the buffer of 3 is written on the way
		if err := sink.Write(ctx, []engine.Rec{r}); err != nil {
			t.Fatal(err)
		}
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := scanAll(t, spec("counts", "city")); got != "[LA 5 0.05 NY 2 3.00]" {
		t.Errorf("upserts: %s", got)
	}
	log, err := NewSink(spec("log"))
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	if err := log.Write(ctx, []engine.Rec{{Row: row("NY", 1, 1)}, {Row: row("NY", 1, 1)}}); err != nil {
		t.Fatal(err)
	}
	if err := log.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := scanAll(t, spec("log")); got != "[NY 1 0.01 NY 1 0.01]" {
		t.Errorf("appends: %s", got)
	}
	if err := log.Write(ctx, []engine.Rec{{Row: row("NY", 1, 1), Kind: engine.Delete}}); err == nil {
		t.Error("a delete without a primary key must fail")
	}
}

func scanAll(t *testing.T, spec *engine.TableSpec) string {
	t.Helper()
	src, err := NewSource(spec)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if err := src.Open(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		bs, err := src.Poll(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bs {
			for _, r := range b.Recs {
				got = append(got, rowText(r.Row))
			}
		}
	}
	return fmt.Sprint(got)
}
