package e2e

import (
	"context"
	"fmt"
	"io"
	"sort"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tumble/tumble/connectors/all"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/internal/pgtest"
	"github.com/tumble/tumble/session"
)

// TestLookupJoinJDBC: orders from Kafka enriched with customers looked up
// in a real PostgreSQL table (Flink's "Lookup Join" example), as a running
// job. A customer changed or added in the database afterwards is seen by
// later orders only; earlier results are not re-emitted. A second job
// upserts an aggregate into a PostgreSQL table, deleting a row that stops
// matching HAVING.
func TestLookupJoinJDBC(t *testing.T) {
	pg := pgtest.Start(t)
	pg.Exec(t, `CREATE TABLE small_spenders (customer_id INT PRIMARY KEY, spent BIGINT)`,
		`CREATE TABLE customers (id INT PRIMARY KEY, name TEXT, country TEXT, zip TEXT)`,
		`INSERT INTO customers VALUES (1, 'ann', 'DE', '10115'), (2, 'bob', 'FR', '75001')`)
	addr := startBroker(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reg := engine.NewRegistry()
	all.Register(reg, io.Discard)
	jobs := session.NewJobManager(ctx, nil)
	defer jobs.StopAll()
	s := session.New(session.Config{Registry: reg, Jobs: jobs, Bootstrap: addr})
	if _, err := s.ExecuteText(ctx, fmt.Sprintf(`
CREATE TABLE orders (order_id INT, customer_id INT, total INT, proc_time AS PROCTIME())
WITH ('connector' = 'kafka', 'topic' = 'orders', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');
CREATE TEMPORARY TABLE Customers (id INT, name STRING, country STRING, zip STRING)
WITH ('connector' = 'jdbc', 'url' = '%[1]s', 'table-name' = 'customers', 'username' = '%[2]s',
      'lookup.cache' = 'PARTIAL', 'lookup.partial-cache.max-rows' = '10', 'lookup.partial-cache.expire-after-write' = '1 ms');
CREATE TABLE enriched (order_id INT, total INT, country STRING, zip STRING)
WITH ('connector' = 'kafka', 'topic' = 'enriched', 'format' = 'json');
INSERT INTO enriched
SELECT o.order_id, o.total, c.country, c.zip
FROM orders AS o LEFT JOIN Customers FOR SYSTEM_TIME AS OF o.proc_time AS c ON o.customer_id = c.id;
CREATE TABLE small_spenders (customer_id INT, spent BIGINT, PRIMARY KEY (customer_id) NOT ENFORCED)
WITH ('connector' = 'jdbc', 'url' = '%[1]s', 'table-name' = 'small_spenders', 'username' = '%[2]s');
INSERT INTO small_spenders SELECT customer_id, CAST(SUM(total) AS BIGINT) FROM orders GROUP BY customer_id HAVING SUM(total) < 100;`, pg.JDBCURL(), pg.User)); err != nil {
		t.Fatal(err)
	}
	insert := func(values string) {
		t.Helper()
		s.Set("table.dml-sync", "true")
		if _, err := s.ExecuteText(ctx, "INSERT INTO orders VALUES "+values+";"); err != nil {
			t.Fatal(err)
		}
		sctx, scancel := context.WithTimeout(ctx, 30*time.Second)
		defer scancel()
		if err := jobs.SyncAll(sctx, false); err != nil {
			t.Fatal(err)
		}
	}
	type row struct {
		OrderID int     `json:"order_id"`
		Total   int     `json:"total"`
		Country *string `json:"country"`
		Zip     *string `json:"zip"`
	}
	read := func() []string {
		var out []string
		for _, r := range readTopic[row](t, addr, "enriched") {
			c, z := "NULL", "NULL"
			if r.Country != nil {
				c, z = *r.Country, *r.Zip
			}
			out = append(out, fmt.Sprintf("%d %d %s %s", r.OrderID, r.Total, c, z))
		}
		sort.Strings(out)
		return out
	}
	insert("(10, 1, 100), (11, 3, 5)")
	if got, want := fmt.Sprint(read()), "[10 100 DE 10115 11 5 NULL NULL]"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	pg.Exec(t, `INSERT INTO customers VALUES (3, 'cid', 'US', '10001')`, `UPDATE customers SET country = 'CH', zip = '8001' WHERE id = 1`)
	time.Sleep(5 * time.Millisecond) // past the cache's expire-after-write
	insert("(12, 3, 7), (13, 1, 1)")
	if got, want := fmt.Sprint(read()), "[10 100 DE 10115 11 5 NULL NULL 12 7 US 10001 13 1 CH 8001]"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
	spenders := func() string {
		c, err := pgx.Connect(ctx, pg.ConnString())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		rows, err := c.Query(ctx, "SELECT customer_id, spent FROM small_spenders ORDER BY customer_id")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id, spent int64
			if err := rows.Scan(&id, &spent); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%d:%d", id, spent))
		}
		return fmt.Sprint(out)
	}
	if got := spenders(); got != "[3:12]" {
		t.Fatalf("small_spenders: %s, want [3:12] (customer 1 spent 101)", got)
	}
	insert("(14, 3, 95)")
	if got := spenders(); got != "[]" {
		t.Fatalf("small_spenders: %s, want [] (customer 3 now spent 107)", got)
	}
}
