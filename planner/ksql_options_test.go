package planner

import (
	"io"
	"reflect"
	"testing"

	"github.com/tumble/tumble/connectors/all"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/sql"
)

// TestKSQLWithProperties: RETENTION_MS becomes the sink topic's
// retention.ms (it was accepted and dropped), and SOURCE_CONNECTOR, which
// Tumble does not act on, is answered with a warning.
func TestKSQLWithProperties(t *testing.T) {
	reg := engine.NewRegistry()
	all.Register(reg, io.Discard)
	pl := &Planner{Catalog: NewCatalog(), Registry: reg, Dialect: DialectOf(sql.KSQL), Syntax: sql.KSQL, Settings: map[string]string{}}
	stmts, err := sql.Parse(`CREATE STREAM S (ID STRING KEY, V INT) WITH (kafka_topic='s', value_format='JSON', partitions=1, source_connector='jdbc');
CREATE STREAM Q (ID STRING KEY, V INT) WITH (kafka_topic='q', value_format='JSON', partitions=1, timestamp_format='yyyy', window_size='1 SECOND');
CREATE STREAM OUT WITH (retention_ms=60000) AS SELECT * FROM S;`, sql.KSQL)
	if err != nil {
		t.Fatal(err)
	}
	r, err := pl.KSQLCreateSource(stmts[0].(*sql.CreateTable))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"The property SOURCE_CONNECTOR is not used by Tumble: it only names the connector that writes the topic, and has no effect."}
	if !reflect.DeepEqual(r.Warnings, want) {
		t.Fatalf("warnings %q, want %q", r.Warnings, want)
	}
	if r, err = pl.KSQLCreateSource(stmts[1].(*sql.CreateTable)); err != nil {
		t.Fatal(err)
	}
	want = []string{"The property TIMESTAMP_FORMAT has no effect without TIMESTAMP.", "The property WINDOW_SIZE has no effect without WINDOW_TYPE."}
	if !reflect.DeepEqual(r.Warnings, want) {
		t.Fatalf("warnings %q, want %q", r.Warnings, want)
	}
	_, out, err := pl.KSQLCreateAsPlan(stmts[2].(*sql.CreateAs))
	if err != nil {
		t.Fatal(err)
	}
	if got := out.Options["retention.ms"]; got != "60000" {
		t.Fatalf("retention.ms %q, options %v", got, out.Options)
	}
}
