package session_test

import (
	"context"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/tumble/tumble/connectors/all"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/session"
	"github.com/tumble/tumble/sql"
)

// TestCatalogsAndDatabases: Flink's catalogs and databases, the session's
// current one (USE), names resolved against it, and Flink's messages.
func TestCatalogsAndDatabases(t *testing.T) {
	reg := engine.NewRegistry()
	all.Register(reg, io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	jobs := session.NewJobManager(ctx, nil)
	t.Cleanup(func() { jobs.StopAll(); cancel() })
	cat := planner.NewCatalog()
	s := session.New(session.Config{Registry: reg, Jobs: jobs, Catalog: cat})
	run := func(stmt string) *planner.Result {
		t.Helper()
		res, err := s.ExecuteText(ctx, stmt)
		if err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
		return res[len(res)-1]
	}
	fails := func(stmt, want string) {
		t.Helper()
		if _, err := s.ExecuteText(ctx, stmt); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want an error with %q", stmt, err, want)
		}
	}
	rows := func(stmt string, want ...string) {
		t.Helper()
		var got []string
		for _, r := range run(stmt).Rows {
			got = append(got, strings.Join(r, "|"))
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %q, want %q", stmt, got, want)
		}
	}

	run("CREATE TABLE t0 (a INT) WITH ('connector' = 'values')")
	run("CREATE CATALOG c1 COMMENT 'it''s c1' WITH ('type' = 'generic_in_memory', 'default-database' = 'db')")
	fails("CREATE CATALOG c1 WITH ('type' = 'generic_in_memory')", "Catalog c1 already exists.")
	run("CREATE CATALOG IF NOT EXISTS c1 WITH ('type' = 'generic_in_memory')")
	fails("CREATE CATALOG c2 WITH ('type' = 'hive')", "Could not find any factory for identifier 'hive'")
	fails("CREATE CATALOG c2 WITH ('type' = 'generic_in_memory', 'x' = 'y')", "Unsupported options found for 'generic_in_memory'")
	rows("SHOW CATALOGS", "c1", "default_catalog")
	rows("SHOW CATALOGS ILIKE 'C%'", "c1")
	rows("SHOW CATALOGS LIKE 'C%'")
	rows("SHOW DATABASES FROM c1", "db")
	rows("DESCRIBE CATALOG EXTENDED c1", "name|c1", "type|generic_in_memory", "comment|it's c1", "option:default-database|db")
	rows("SHOW CREATE CATALOG c1", "CREATE CATALOG `c1`\nCOMMENT 'it''s c1'\nWITH (\n  'default-database' = 'db',\n  'type' = 'generic_in_memory'\n)\n")
	fails("DESCRIBE CATALOG default_catalog", "Cannot obtain metadata information from Catalog default_catalog.")

	run("CREATE DATABASE c1.db2")
	fails("CREATE DATABASE c1.db2", "Database db2 already exists in Catalog c1.")
	fails("CREATE DATABASE nope.db", "Catalog nope does not exist")
	fails("USE db2", "A database with name [db2] does not exist in the catalog: [default_catalog].")
	run("CREATE TABLE c1.db2.t (a INT) WITH ('connector' = 'values')")
	fails("CREATE TABLE c1.nodb.t (a INT) WITH ('connector' = 'values')", "Database nodb does not exist in Catalog c1.")

	run("USE CATALOG c1")
	rows("SHOW CURRENT DATABASE", "db")
	run("USE db2")
	rows("SHOW CURRENT CATALOG", "c1")
	rows("SHOW TABLES", "t")
	// A view's unqualified names are those of the database current when
	// it was made, wherever it is used from.
	run("CREATE VIEW v AS SELECT a FROM t")
	run("CREATE TABLE default_catalog.default_database.t (b STRING) WITH ('connector' = 'values')")
	run("USE CATALOG default_catalog")
	if r := run("SELECT * FROM c1.db2.v"); len(r.Stream.Columns) != 1 || r.Stream.Columns[0].Name != "a" {
		t.Errorf("the view read another table: %+v", r.Stream.Columns)
	}
	fails("SELECT * FROM c1.db2.nope", "Object 'nope' not found within 'c1.db2'")
	fails("SELECT * FROM nope", "Object 'nope' not found")
	rows("SHOW TABLES", "t", "t0")

	fails("DROP DATABASE c1.db2", "Database db2 in catalog c1 is not empty.")
	run("DROP DATABASE c1.db2 CASCADE")
	rows("SHOW DATABASES FROM c1", "db")
	fails("DROP DATABASE default_database", "Cannot drop a database which is currently in use.")
	fails("DROP CATALOG default_catalog", "Cannot drop a catalog which is currently in use.")
	fails("ALTER CATALOG c1 RESET ('type')", "ALTER CATALOG RESET does not support changing 'type'")
	run("ALTER CATALOG c1 SET ('default-database' = 'db9')")
	rows("DESCRIBE CATALOG EXTENDED c1", "name|c1", "type|generic_in_memory", "comment|it's c1", "option:default-database|db9")
	run("DROP CATALOG c1")
	fails("USE CATALOG c1", "A catalog with name [c1] does not exist.")
	fails("DROP CATALOG c1", "Catalog c1 does not exist.")
	run("DROP CATALOG IF EXISTS c1")
}

// TestUserFunctions: SHOW USER FUNCTIONS lists the temporary system
// functions and the current database's catalog functions; SHOW FUNCTIONS
// adds them to the built-in ones; ksqlDB has no CREATE FUNCTION.
func TestUserFunctions(t *testing.T) {
	reg := engine.NewRegistry()
	all.Register(reg, io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	jobs := session.NewJobManager(ctx, nil)
	t.Cleanup(func() { jobs.StopAll(); cancel() })
	s := session.New(session.Config{Registry: reg, Jobs: jobs, Catalog: planner.NewCatalog()})
	show := func(stmt string) []string {
		t.Helper()
		res, err := s.ExecuteText(ctx, stmt)
		if err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
		var out []string
		for _, r := range res[len(res)-1].Rows {
			out = append(out, r[0])
		}
		return out
	}
	show("CREATE FUNCTION count_char AS 'com.github.nexmark.flink.udf.CountChar'")
	show("CREATE TEMPORARY SYSTEM FUNCTION cc AS 'com.github.nexmark.flink.udf.CountChar'")
	if got := show("SHOW USER FUNCTIONS"); !reflect.DeepEqual(got, []string{"cc", "count_char"}) {
		t.Errorf("SHOW USER FUNCTIONS: %q", got)
	}
	show("CREATE DATABASE d2")
	show("USE d2")
	if got := show("SHOW USER FUNCTIONS"); !reflect.DeepEqual(got, []string{"cc"}) {
		t.Errorf("SHOW USER FUNCTIONS in d2: %q", got)
	}
	all := "," + strings.Join(show("SHOW FUNCTIONS"), ",") + ","
	if !strings.Contains(all, ",cc,") || !strings.Contains(all, ",CHAR_LENGTH,") {
		t.Errorf("SHOW FUNCTIONS lacks cc or CHAR_LENGTH: %s", all)
	}

	k := session.New(session.Config{Registry: reg, Jobs: jobs, Catalog: planner.NewCatalog(), Dialect: sql.KSQL})
	if _, err := k.ExecuteText(ctx, "CREATE FUNCTION f AS 'com.github.nexmark.flink.udf.CountChar';"); err == nil || !strings.Contains(err.Error(), "CREATE FUNCTION is not supported in ksqlDB") {
		t.Errorf("ksqlDB CREATE FUNCTION: %v", err)
	}
}
