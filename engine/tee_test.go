package engine

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/engine/types"
)

// logOp writes what it receives to a shared log, under its name.
type logOp struct {
	name string
	log  *[]string
}

func (l *logOp) Open(*OpContext) error { return nil }
func (l *logOp) Close() error          { return nil }
func (l *logOp) Process(recs []Rec) error {
	var rows []string
	for _, r := range recs {
		rows = append(rows, r.Row[0].String())
	}
	*l.log = append(*l.log, l.name+":"+strings.Join(rows, ","))
	return nil
}
func (l *logOp) Watermark(wm int64) error {
	*l.log = append(*l.log, fmt.Sprintf("%s:wm %d", l.name, wm))
	return nil
}

// TestTeeFansOut: a tee hands each batch and watermark to its outputs in
// the order they were added, and what one output's operators do (a filter
// and a projection) does not change what the next one receives.
func TestTeeFansOut(t *testing.T) {
	var log []string
	tee := NewTee()
	col := &expr.Col{Idx: 0, T: types.TBigInt}
	gt, err := expr.NewCompare(">", col, expr.NewConst(types.Value{K: types.BigInt, I: 1}, types.TBigInt))
	if err != nil {
		t.Fatal(err)
	}
	calc := NewCalc(gt, []expr.Expr{expr.NewConst(types.Value{K: types.BigInt, I: 9}, types.TBigInt)})
	calc.SetNext(&logOp{name: "left", log: &log})
	tee.Add(calc)
	tee.Add(&logOp{name: "right", log: &log})
	if err := calc.Open(&OpContext{Metrics: &Metrics{}}); err != nil {
		t.Fatal(err)
	}
	recs := []Rec{{Row: types.Row{{K: types.BigInt, I: 1}}}, {Row: types.Row{{K: types.BigInt, I: 2}}}}
	if err := tee.Process(recs); err != nil {
		t.Fatal(err)
	}
	if err := tee.Watermark(MaxWatermark); err != nil {
		t.Fatal(err)
	}
	want := []string{"left:9", "right:1,2", fmt.Sprintf("left:wm %d", MaxWatermark), fmt.Sprintf("right:wm %d", MaxWatermark)}
	if strings.Join(log, " | ") != strings.Join(want, " | ") {
		t.Errorf("got %q, want %q", log, want)
	}
	if tee.Outputs() != 2 {
		t.Errorf("%d outputs, want 2", tee.Outputs())
	}
}
