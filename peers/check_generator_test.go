package main

import (
	"os"
	"path/filepath"
	"testing"
)

// The expectations of the query generator match a disagreement by its
// cause: text, a regular expression ($col a column compared with itself),
// the cells that differ, or all of them.
func TestGenExpect(t *testing.T) {
	path := filepath.Join(t.TempDir(), "expect.txt")
	os.WriteFile(path, []byte(`# comment
regexp: \($col = $col\) | reflexive
cells: \(empty\) => NULL && AS DECIMAL( | empty decimal
cells: ~doubles | ulps
`), 0o644)
	exps, err := loadGenExpect(path)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		query         string
		flink, tumble []string
		want          string
	}{
		{"SELECT id FROM g WHERE (m = m)", []string{"1"}, []string{}, "reflexive"},
		{"SELECT id FROM g WHERE (m = d)", []string{"1"}, []string{}, ""},
		{"SELECT CAST(i AS DECIMAL(10, 2))", []string{"1 (empty)", "2 3.00"}, []string{"1 NULL", "2 3.00"}, "empty decimal"},
		{"SELECT CAST(i AS DECIMAL(10, 2))", []string{"1 (empty)", "2 3.00"}, []string{"1 NULL", "2 4.00"}, ""},
		{"SELECT UPPER(s)", []string{"1 (empty)"}, []string{"1 NULL"}, ""},
		{"SELECT POWER(d, 3)", []string{"1 3.5405702005309404E+12"}, []string{"1 3.540570200530941E+12"}, "ulps"},
		{"SELECT POWER(d, 3)", []string{"1 3.54057020053E+12"}, []string{"1 3.540570200530941E+12"}, ""},
		{"SELECT AVG(m)", []string{"1 4148.566667"}, []string{"1 4148.566666"}, ""},
		{"SELECT AVG(d)", nil, []string{"1 1.5"}, ""},
	}
	for _, c := range cases {
		got := ""
		if x := genKnown(exps, c.query, c.flink, c.tumble); x != nil {
			got = x.reason
		}
		if got != c.want {
			t.Errorf("%s %q %q: known as %q, want %q", c.query, c.flink, c.tumble, got, c.want)
		}
	}
	// The checked-in expectations load.
	if _, err := loadGenExpect(filepath.Join("testdata", "generator-expect.txt")); err != nil {
		t.Fatal(err)
	}
}
