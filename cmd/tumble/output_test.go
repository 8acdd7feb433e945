package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
	"github.com/tumble/tumble/planner"
)

// fakeTerminal is an output that says it is a terminal of 80x12.
type fakeTerminal struct{ syncBuffer }

func (f *fakeTerminal) Size() (int, int) { return 80, 12 }

// TestTableModeRedrawsOnATerminal: in the table result mode a terminal
// shows the materialized result redrawn in place as changes arrive (an
// update replaces its row), then the final table once the query ends.
func TestTableModeRedrawsOnATerminal(t *testing.T) {
	old := tableRefresh
	tableRefresh = 5 * time.Millisecond
	defer func() { tableRefresh = old }()
	rows := make(chan engine.Rec)
	st := &planner.Stream{
		Columns: []planner.Field{{Name: "city", Type: types.TString}, {Name: "n", Type: types.TBigInt}},
		Rows:    rows, Cancel: func() {}, Mode: "table",
	}
	term := &fakeTerminal{}
	done := make(chan error, 1)
	go func() {
		done <- printResult(context.Background(), term, &planner.Result{Kind: planner.ResultRows, Stream: st})
	}()
	row := func(k engine.RowKind, city string, n int64) engine.Rec {
		return engine.Rec{Kind: k, Row: types.Row{types.StringV(city), types.BigIntV(n)}}
	}
	waitFor := func(what string) {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for !strings.Contains(term.String(), what) {
			if time.Now().After(deadline) {
				t.Fatalf("the screen never showed %q:\n%q", what, term.String())
			}
			time.Sleep(time.Millisecond)
		}
	}
	rows <- row(engine.Insert, "NY", 1)
	rows <- row(engine.Insert, "SF", 1)
	waitFor("|   SF | 1 |")
	rows <- row(engine.UpdateBefore, "NY", 1)
	rows <- row(engine.UpdateAfter, "NY", 2)
	waitFor("|   NY | 2 |")
	close(rows)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	out := term.String()
	if !strings.HasPrefix(out, "\x1b[?1049h") || !strings.Contains(out, "\x1b[H\x1b[2J") {
		t.Errorf("the live view did not use the alternate screen and redraw:\n%q", out)
	}
	// After the live view, the final table: SF, then NY (its update is the
	// newest row).
	final := out[strings.LastIndex(out, "\x1b[?1049l")+len("\x1b[?1049l"):]
	want := "+------+---+\n| city | n |\n+------+---+\n|   SF | 1 |\n|   NY | 2 |\n+------+---+\n2 rows in set\n"
	if final != want {
		t.Errorf("final table:\n%s\nwant:\n%s", final, want)
	}
}

func TestMaterializedTable(t *testing.T) {
	m := &materialized{max: 3}
	m.apply(engine.Insert, []string{"a"})
	m.apply(engine.Insert, []string{"b"})
	m.apply(engine.Insert, []string{"a"})
	m.apply(engine.Delete, []string{"a"}) // the newest equal row goes
	m.apply(engine.Insert, []string{"c"})
	m.apply(engine.Insert, []string{"d"}) // past 3 rows the oldest goes
	got := ""
	for _, r := range m.rows {
		got += r[0]
	}
	if got != "bcd" {
		t.Errorf("rows %q, want bcd", got)
	}
}
