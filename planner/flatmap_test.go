package planner

import (
	"io"
	"testing"

	"github.com/tumble/tumble/connectors/all"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/sql"
)

// TestCubeExplodeType: CUBE_EXPLODE(ARRAY<INT>) gives ARRAY<INT> rows; its
// type is not its own element (a cycle that overflowed the stack of every
// walk over the sink's schema).
func TestCubeExplodeType(t *testing.T) {
	reg := engine.NewRegistry()
	all.Register(reg, io.Discard)
	pl := &Planner{Catalog: NewCatalog(), Registry: reg, Dialect: DialectOf(sql.KSQL), Syntax: sql.KSQL, Settings: map[string]string{}}
	stmts, err := sql.Parse(`CREATE STREAM TEST (ID STRING KEY, COL1 INT, COL2 INT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);
CREATE STREAM OUTPUT AS SELECT ID, CUBE_EXPLODE(ARRAY[COL1, COL2]) VAL FROM TEST;`, sql.KSQL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pl.KSQLCreateSource(stmts[0].(*sql.CreateTable)); err != nil {
		t.Fatal(err)
	}
	_, out, err := pl.KSQLCreateAsPlan(stmts[1].(*sql.CreateAs))
	if err != nil {
		t.Fatal(err)
	}
	val := out.Column("VAL")
	if val == nil || val.Type.Kind != types.Array || val.Type.Elem == nil || val.Type.Elem.Kind != types.Int {
		t.Fatalf("VAL: %+v", val)
	}
}
