package types

import "testing"

func TestCompareMaps(t *testing.T) {
	m := func(kv ...Value) Value {
		mv := &MapValue{}
		for i := 0; i < len(kv); i += 2 {
			mv.Keys = append(mv.Keys, kv[i])
			mv.Vals = append(mv.Vals, kv[i+1])
		}
		return MapV(mv)
	}
	a, b := StringV("a"), StringV("b")
	for _, c := range []struct {
		name string
		x, y Value
		want int
	}{
		{"same entries, other order", m(a, IntV(1), b, IntV(2)), m(b, IntV(2), a, IntV(1)), 0},
		{"a value differs", m(a, IntV(1)), m(a, IntV(2)), -1},
		{"a key differs", m(b, IntV(1)), m(a, IntV(1)), 1},
		{"fewer entries first", m(a, IntV(1)), m(a, IntV(1), b, IntV(2)), -1},
		{"NULL values equal", m(a, NullValue), m(a, NullValue), 0},
		{"empty maps equal", m(), m(), 0},
	} {
		if got := Compare(c.x, c.y); got != c.want {
			t.Errorf("%s: Compare = %d, want %d", c.name, got, c.want)
		}
	}
}
