package expr

import (
	"testing"

	"github.com/tumble/tumble/engine/types"
)

// Benchmarks of the expression hot paths (each evaluates one expression
// over 1024 rows): integer and decimal arithmetic, comparisons, and calls
// of common scalar functions in both dialects' semantics.

func benchRows() []types.Row {
	rows := make([]types.Row, 1024)
	for i := range rows {
		rows[i] = types.Row{types.IntV(int64(i*7 + 1)), types.IntV(int64(i%13 + 1)), types.StringV("user-" + string(rune('a'+i%26))),
			types.DecimalV(int64(i*125), 2), types.DoubleV(float64(i) / 3)}
	}
	return rows
}

var (
	bcInt = &Col{Idx: 0, T: types.TInt, Name: "a"}
	bcDiv = &Col{Idx: 1, T: types.TInt, Name: "b"}
	bcStr = &Col{Idx: 2, T: types.TString, Name: "s"}
	bcDec = &Col{Idx: 3, T: types.DecimalType(10, 2), Name: "d"}
	bcDbl = &Col{Idx: 4, T: types.TDouble, Name: "f"}
)

func runBench(b *testing.B, e Expr) {
	b.Helper()
	rows := benchRows()
	b.ReportAllocs()
	for b.Loop() {
		for _, r := range rows {
			_ = e.Eval(r)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(rows)), "ns/row")
}

func mustBench(b *testing.B, e Expr, err error) Expr {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
	return e
}

func BenchmarkIntDivide(b *testing.B) {
	for _, d := range benchDialects() {
		b.Run(d.name, func(b *testing.B) {
			e, err := NewArith("/", bcInt, bcDiv, d.env)
			runBench(b, mustBench(b, e, err))
		})
	}
}

func BenchmarkDecimalMultiply(b *testing.B) {
	e, err := NewArith("*", bcDec, bcInt, benchDialects()[0].env)
	runBench(b, mustBench(b, e, err))
}

func BenchmarkCompareInt(b *testing.B) {
	e, err := NewCompare("<", bcInt, NewConst(types.IntV(500), types.TInt))
	runBench(b, mustBench(b, e, err))
}

func BenchmarkConcat(b *testing.B) {
	for _, d := range benchDialects() {
		b.Run(d.name, func(b *testing.B) {
			e, err := NewFunc("CONCAT", []Expr{bcStr, NewConst(types.StringV("-"), types.TString), bcStr}, d.env)
			runBench(b, mustBench(b, e, err))
		})
	}
}

func BenchmarkCastIntToString(b *testing.B) {
	for _, d := range benchDialects() {
		b.Run(d.name, func(b *testing.B) {
			e, err := NewCast(bcInt, types.TString, false, d.env)
			runBench(b, mustBench(b, e, err))
		})
	}
}

func BenchmarkUpper(b *testing.B) {
	e, err := NewFunc("UPPER", []Expr{bcStr}, benchDialects()[0].env)
	runBench(b, mustBench(b, e, err))
}

func BenchmarkRound(b *testing.B) {
	for _, d := range benchDialects() {
		b.Run(d.name, func(b *testing.B) {
			e, err := NewFunc("ROUND", []Expr{bcDbl, NewConst(types.IntV(2), types.TInt)}, d.env)
			runBench(b, mustBench(b, e, err))
		})
	}
}
