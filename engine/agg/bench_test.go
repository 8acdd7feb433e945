package agg

import (
	"testing"

	"github.com/tumble/tumble/engine/types"
)

// Benchmarks of accumulating the common aggregates (one Add per value,
// then a Result), in both dialects' semantics.

func benchValues(t types.Type) []types.Value {
	vals := make([]types.Value, 1024)
	for i := range vals {
		switch t.Kind {
		case types.Double:
			vals[i] = types.DoubleV(float64(i) / 3)
		case types.Decimal:
			vals[i] = types.DecimalV(int64(i*125), t.Scale)
		default:
			vals[i] = types.IntV(int64(i % 100))
		}
	}
	return vals
}

func benchAgg(b *testing.B, name string, t types.Type) {
	for _, d := range benchDialects {
		b.Run(d.name, func(b *testing.B) {
			f, err := d.new(name, []types.Type{t})
			if err != nil {
				b.Fatal(err)
			}
			vals := benchValues(t)
			b.ReportAllocs()
			for b.Loop() {
				a := f.NewAcc()
				for _, v := range vals {
					a.Add(v)
				}
				_ = a.Result()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(vals)), "ns/value")
		})
	}
}

func BenchmarkSumInt(b *testing.B)     { benchAgg(b, "SUM", types.TInt) }
func BenchmarkSumDecimal(b *testing.B) { benchAgg(b, "SUM", types.DecimalType(10, 2)) }
func BenchmarkAvgInt(b *testing.B)     { benchAgg(b, "AVG", types.TInt) }
func BenchmarkAvgDouble(b *testing.B)  { benchAgg(b, "AVG", types.TDouble) }
func BenchmarkCount(b *testing.B)      { benchAgg(b, "COUNT", types.TInt) }
