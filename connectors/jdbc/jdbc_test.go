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
	s := &engine.TableSpec{Name: "customers", Dialect: "flink", Options: map[string]string{"connector": "jdbc", "url": url, "table-name": "customers"},
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
