package planner

import (
	"testing"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/sql"
)

// TestPlannerClock: the planner's clock (a session's Config.Clock) is the
// one its queries read: the functions of the current time, and
// processing-time windows with the clock input that ticks them.
func TestPlannerClock(t *testing.T) {
	fixed := time.UnixMilli(1_526_075_913_123)
	reg := engine.NewRegistry()
	reg.Register(&engine.Connector{Name: "kafka", Options: []string{"*"},
		Source: func(*engine.TableSpec) (engine.Source, error) { return &engine.ProcClock{}, nil }})
	reg.Register(&engine.Connector{Name: "blackhole", Options: []string{"*"},
		Sink: func(*engine.TableSpec) (engine.Sink, error) { return nil, nil }})
	pl := &Planner{Catalog: NewCatalog(), Registry: reg, Dialect: DialectOf(sql.Flink), Syntax: sql.Flink,
		Settings: map[string]string{}, Clock: func() time.Time { return fixed }}
	if got := pl.env().Now(); !got.Equal(fixed) {
		t.Fatalf("the planner's expressions read %v, want %v", got, fixed)
	}
	stmts, err := sql.Parse(`CREATE TABLE bid (bidder BIGINT, price BIGINT) WITH ('connector' = 'kafka');
CREATE TABLE out (bidder BIGINT, n BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO out SELECT bidder, COUNT(*) FROM TABLE(TUMBLE(TABLE (SELECT *, PROCTIME() AS pt FROM bid), DESCRIPTOR(pt), INTERVAL '10' SECOND)) GROUP BY bidder, window_start, window_end`, sql.Flink)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range stmts[:2] {
		if _, err := pl.CreateTable(st.(*sql.CreateTable)); err != nil {
			t.Fatal(err)
		}
	}
	sink, err := pl.PlanInsert(stmts[2].(*sql.Insert))
	if err != nil {
		t.Fatal(err)
	}
	spec, err := pl.Build(sink.Input, nil, "out")
	if err != nil {
		t.Fatal(err)
	}
	clocks := 0
	for _, in := range spec.Inputs {
		if c, ok := in.Source.(*engine.ProcClock); ok && c.Now != nil {
			clocks++
			if !c.Now().Equal(fixed) {
				t.Errorf("the clock input reads %v", c.Now())
			}
		}
	}
	if clocks != 1 {
		t.Fatalf("%d clock inputs with the planner's clock, want 1", clocks)
	}
}
