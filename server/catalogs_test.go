package server

import (
	"reflect"
	"testing"
)

// TestRestartKeepsCatalogsAndDatabases: catalogs, databases and the tables
// made in them (qualified, or after USE in the same request) come back
// after a restart, and a dropped database stays dropped.
func TestRestartKeepsCatalogsAndDatabases(t *testing.T) {
	addr := startBroker(t)
	dir := t.TempDir()
	ts := startServer(t, dir, addr)
	ts.statements("flink", `CREATE CATALOG c1 COMMENT 'mine' WITH ('type' = 'generic_in_memory');
CREATE DATABASE c1.db1;
CREATE DATABASE c1.gone;
CREATE TABLE c1.db1.t1 (a INT) WITH ('connector' = 'blackhole');
USE CATALOG c1;
USE db1;
CREATE TABLE t2 (a INT) WITH ('connector' = 'blackhole');
CREATE VIEW v AS SELECT * FROM t1;
DROP DATABASE c1.gone;
ALTER CATALOG c1 COMMENT 'ours'`)
	ts.stop()

	ts2 := startServer(t, dir, addr)
	rows := func(stmts string) [][]string {
		res := ts2.statements("flink", stmts)
		return res[len(res)-1].Rows
	}
	if got := rows("SHOW CATALOGS"); !reflect.DeepEqual(got, [][]string{{"c1"}, {"default_catalog"}}) {
		t.Errorf("catalogs after the restart: %v", got)
	}
	if got := rows("SHOW DATABASES FROM c1"); !reflect.DeepEqual(got, [][]string{{"db1"}, {"default"}}) {
		t.Errorf("databases after the restart: %v", got)
	}
	if got := rows("SHOW TABLES FROM c1.db1"); !reflect.DeepEqual(got, [][]string{{"t1"}, {"t2"}, {"v"}}) {
		t.Errorf("tables after the restart: %v", got)
	}
	if got := rows("DESCRIBE CATALOG c1"); len(got) != 3 || got[2][1] != "ours" {
		t.Errorf("catalog after the restart: %v", got)
	}
	// A session starts in the default database again.
	if got := rows("SHOW CURRENT CATALOG"); !reflect.DeepEqual(got, [][]string{{"default_catalog"}}) {
		t.Errorf("current catalog of a new request: %v", got)
	}
}
