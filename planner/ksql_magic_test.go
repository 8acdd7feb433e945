package planner

import "testing"

func TestParsePartialTimestamp(t *testing.T) {
	for _, c := range []struct {
		text string
		want int64
	}{
		{"2018", 1514764800000},
		{"2018-01", 1514764800000},
		{"2018-01-01T00:00:00.001", 1514764800001},
		{"2018-01-01T00:00:01", 1514764801000},
		{"2019-01-01T00:00:00+0445", 1546300800000 - (4*3600+45*60)*1000},
		{"2019-01-01T00:00:00Z", 1546300800000},
		{"2020-02-10T08:31:44.001+0000", 1581323504001},
	} {
		got, err := parsePartialTimestamp(c.text)
		if err != nil || got != c.want {
			t.Errorf("parsePartialTimestamp(%q) = %d, %v; want %d", c.text, got, err, c.want)
		}
	}
	if _, err := parsePartialTimestamp("yesterday"); err == nil {
		t.Errorf("parsePartialTimestamp(yesterday): no error")
	}
}
