package expr

import (
	"testing"
	"time"

	"github.com/tumble/tumble/engine/types"
)

func TestTimeFunctions(t *testing.T) {
	const ms = int64(1526075913000) // 2018-05-11 21:58:33 UTC
	iso := "yyyy-MM-dd'T'HH:mm:ssX"
	runCases(t, flat(
		k("TIMESTAMPTOSTRING", "2018-05-11 14:58:33 PDT", ms, "yyyy-MM-dd HH:mm:ss zzz", "America/Los_Angeles"),
		k("TIMESTAMPTOSTRING", "2018-05-11 22:58:33 BST", ms, "yyyy-MM-dd HH:mm:ss zzz", "Europe/London"),
		k("TIMESTAMPTOSTRING", "2018-05-11 21:58:33.000", ms, "yyyy-MM-dd HH:mm:ss.SSS"),
		k("TIMESTAMPTOSTRING", "2018-05-11 14:58:33", ms, "yyyy-MM-dd HH:mm:ss", "PST"),
		k("TIMESTAMPTOSTRING", "2018-05-12 00:58:33", ms, "yyyy-MM-dd HH:mm:ss", "+0300"),
		k("TIMESTAMPTOSTRING", "NULL", ms, "yyyy-MM-dd", "Not/AZone"),
		k("FORMAT_TIMESTAMP", "2018-05-11 14:58:33 PDT", tsMillis(ms), "yyyy-MM-dd HH:mm:ss zzz", "America/Los_Angeles"),
		k("FORMAT_TIMESTAMP", "2018-05-11 21:58:33", tsMillis(ms), "yyyy-MM-dd HH:mm:ss"),
		k("FORMAT_TIMESTAMP", "NULL", typed(types.TTS3), "yyyy-MM-dd HH:mm:ss"),

		k("STRINGTOTIMESTAMP", "1526075913000", "2018-05-11T21:58:33Z", iso),
		k("STRINGTOTIMESTAMP", "1589234313000", "2020-05-11T21:58:33z", iso),
		k("STRINGTOTIMESTAMP", "1526050713000", "2018-05-11 21:58:33", "yyyy-MM-dd HH:mm:ss", "+0700"),
		k("STRINGTOTIMESTAMP", "NULL", "garbage", iso),
		k("PARSE_TIMESTAMP", "2018-05-11 21:58:33.000", "2018-05-11T21:58:33", "yyyy-MM-dd'T'HH:mm:ss"),
		k("PARSE_TIMESTAMP", "2018-05-12 04:58:33.000", "2018-05-11T21:58:33 PST", "yyyy-MM-dd'T'HH:mm:ss zzz"),
		k("PARSE_TIMESTAMP", "2018-05-12 04:58:33.000", "2018-05-11 21:58:33", "yyyy-MM-dd HH:mm:ss", "-0700"),

		k("PARSE_TIME", "00:01:05.000", "00:01:05Lit", "HH:mm:ss'Lit'"),
		k("PARSE_TIME", "11:05:19.000", "11/05/19", "HH/mm/ss"),
		k("PARSE_TIME", "13:00:00.000", "01:00:00 PM", "hh:mm:ss a"),
		k("PARSE_TIME", "13:00:00.000", "01:00:00 Pm", "hh:mm:ss a"),
		k("FORMAT_TIME", "13:25", timeOf("13:25:07"), "HH:mm"),
		k("PARSE_DATE", "2021-10-11", "2021-10-11", "yyyy-MM-dd"),
		k("PARSE_DATE", "2021-10-11", "11/10/2021", "dd/MM/yyyy"),
		k("FORMAT_DATE", "1972-09-27", days(1000), "yyyy-MM-dd"),
		k("FORMAT_DATE", "27 Sep 1972", days(1000), "dd MMM yyyy"),
		k("DATETOSTRING", "1972-09-27", 1000, "yyyy-MM-dd"),
		k("STRINGTODATE", "1000", "1972-09-27", "yyyy-MM-dd"),
		k("FROM_DAYS", "1972-09-27", 1000),
		k("UNIX_DATE", "1000", days(1000)),
		k("UNIX_TIMESTAMP", "1526075913000", tsMillis(ms)),
		k("FROM_UNIXTIME", "2018-05-11 21:58:33.000", int64(ms)),

		k("CONVERT_TZ", "1970-01-01 03:00:00.100", tsMillis(100), "+0200", "+0500"),
		k("CONVERT_TZ", "2020-05-12 00:58:33.000", tsMillis(1589234313000), "America/Los_Angeles", "America/New_York"),
		k("CONVERT_TZ", "02:59:59.000", timeMillis(86399000), "+0200", "+0500"),
		k("CONVERT_TZ", "NULL", tsMillis(100), "+0200", "Nowhere"),
		f("CONVERT_TZ", "1969-12-31 16:00:00", "1970-01-01 00:00:00", "UTC", "America/Los_Angeles"),
		f("CONVERT_TZ", "1970-01-01 08:00:00", "1970-01-01 00:00:00", "PST", "UTC"),

		// arithmetic: the unit arrives as a literal ('DAY', 'MILLISECOND').
		k("DATEADD", "1970-01-21", "DAY", 10, days(10)),
		k("DATEADD", "1969-12-29", "DAY", -5, days(2)),
		k("DATEADD", "NULL", "MILLISECOND", nil, days(5)),
		k("DATEADD", "ERROR", days(1), 5, days(1)),
		k("DATESUB", "1970-01-06", "DAYS", 5, days(10)),
		k("TIMESTAMPSUB", "1970-01-01 00:00:00.010", "MILLISECOND", 10, tsMillis(20)),
		k("TIMESTAMPSUB", "1969-12-31 23:59:59.905", "MILLISECOND", -5, tsMillis(-100)),
		k("TIMESTAMPSUB", "ERROR", tsMillis(1), 5, tsMillis(1)),
		both("TIMESTAMPADD", "2021-06-16 12:00:00.000", "DAY", 1, ts("2021-06-15 12:00:00")),
		both("TIMESTAMPADD", "2020-02-29 00:00:00.000", "MONTH", 1, ts("2020-01-31 00:00:00")),
		f("TIMESTAMPADD", "2020-02-29", "MONTH", 1, date("2020-01-31")),
		f("TIMESTAMPADD", "2020-01-31 01:00:00.000", "HOUR", 1, date("2020-01-31")),
		k("TIMEADD", "00:30:00.000", "HOUR", 1, timeOf("23:30:00")),
		k("TIMESUB", "23:30:00.000", "MINUTE", 60, timeOf("00:30:00")),
		f("TIMESTAMPDIFF", "1", "DAY", ts("2021-06-15 12:00:00"), ts("2021-06-16 13:00:00")),
		f("TIMESTAMPDIFF", "-25", "HOUR", ts("2021-06-16 13:00:00"), ts("2021-06-15 12:00:00")),
		f("TIMESTAMPDIFF", "0", "MONTH", ts("2020-01-31 00:00:00"), ts("2020-02-29 00:00:00")),
		f("TIMESTAMPDIFF", "2", "MONTH", ts("2020-01-31 00:00:00"), ts("2020-03-31 00:00:00")),
		f("TIMESTAMPDIFF", "1", "YEAR", ts("2019-06-01 00:00:00"), ts("2021-05-31 00:00:00")),
		f("TIMESTAMPDIFF", "-1", "MONTH", ts("2020-03-15 00:00:00"), ts("2020-02-01 00:00:00")),
		f("TIMESTAMPDIFF", "3", "DAY", date("2020-03-01"), date("2020-03-04")),

		// FLOOR / CEIL (x TO unit) arrive as FLOOR(x, 'UNIT').
		f("FLOOR", "2021-06-15 12:00:00.000", ts("2021-06-15 12:44:31"), "HOUR"),
		f("CEIL", "2021-06-15 12:45:00.000", ts("2021-06-15 12:44:31"), "MINUTE"),
		f("CEIL", "2021-06-15 12:44:00.000", ts("2021-06-15 12:44:00"), "MINUTE"),
		f("FLOOR", "2021-06-01 00:00:00.000", ts("2021-06-15 12:44:31"), "MONTH"),
		f("CEIL", "2021-07-01 00:00:00.000", ts("2021-06-15 12:44:31"), "MONTH"),
		f("FLOOR", "2021-04-01 00:00:00.000", ts("2021-06-15 12:44:31"), "QUARTER"),
		f("FLOOR", "2021-06-13 00:00:00.000", ts("2021-06-15 12:44:31"), "WEEK"),
		f("FLOOR", "12:44:00.000", timeOf("12:44:31"), "MINUTE"),
		f("CEIL", "12:45:00.000", timeOf("12:44:31"), "MINUTE"),
		f("FLOOR", "2021-01-01", date("2021-06-15"), "YEAR"),
		f("CEIL", "2022-01-01", date("2021-06-15"), "YEAR"),
		f("FLOOR", "ERROR", ts("2021-06-15 12:44:31"), "FORTNIGHT"),

		f("TO_DATE", "2021-06-15", "2021-06-15"),
		f("TO_DATE", "2021-06-15", "15/06/2021", "dd/MM/yyyy"),
		f("TO_DATE", "NULL", "nope"),
		f("TO_TIMESTAMP", "2021-06-15 12:44:31.000", "2021-06-15 12:44:31"),
		f("TO_TIMESTAMP", "2021-06-15 12:44:00.000", "15/06/2021 12:44", "dd/MM/yyyy HH:mm"),
		f("DATE_FORMAT", "2021/06/15", ts("2021-06-15 12:44:31"), "yyyy/MM/dd"),
		f("DATE_FORMAT", "12:44", "2021-06-15 12:44:31", "HH:mm"),
		f("FROM_UNIXTIME", "1970-01-01 00:00:44", 44),
		f("UNIX_TIMESTAMP", "44", "1970-01-01 00:00:44"),
		f("UNIX_TIMESTAMP", "3600", "1970-01-01 01", "yyyy-MM-dd HH"),
		f("TO_TIMESTAMP_LTZ", "1970-01-01 00:00:01.000", 1000, 3),
		f("TO_TIMESTAMP_LTZ", "1970-01-01 00:16:40.000", 1000, 0),
		f("EXTRACT", "2021", "YEAR", ts("2021-06-15 12:44:31")),
		f("EXTRACT", "2", "QUARTER", date("2021-06-15")),
		f("EXTRACT", "3", "DOW", date("2021-06-15")),
		f("EXTRACT", "2", "ISODOW", date("2021-06-15")),
		f("EXTRACT", "31500", "MILLISECOND", ts("2021-06-15 12:44:31.5")),
		f("DAYOFWEEK", "3", date("1994-09-27")),
		f("WEEK", "39", date("1994-09-27")),
		f("DAYOFYEAR", "270", date("1994-09-27")),
	))
}

// TestClockFunctions: the functions of the current time read the clock
// their Env was given (each session or test its own), not a global one.
func TestClockFunctions(t *testing.T) {
	at := func(ms int64) func() time.Time { return func() time.Time { return time.UnixMilli(ms) } }
	for _, c := range []struct {
		fcase
		clock int64
	}{
		{k("UNIX_TIMESTAMP", "1526075913123"), 1526075913123},
		{k("UNIX_TIMESTAMP", "1000"), 1000},
		{f("UNIX_TIMESTAMP", "1526075913"), 1526075913123},
		{k("UNIX_DATE", "17662"), 1526075913123},
		{f("CURRENT_DATE", "2018-05-11"), 1526075913123},
		{f("CURRENT_DATE", "1970-01-01"), 1000},
		{f("CURRENT_TIME", "21:58:33.000"), 1526075913123},
		{f("LOCALTIMESTAMP", "2018-05-11 21:58:33.123"), 1526075913123},
		{f("CURRENT_TIMESTAMP", "1970-01-01 00:00:01.000"), 1000},
	} {
		env := testEnv(c.ksql, time.UTC)
		env.Clock = at(c.clock)
		e, err := NewFunc(c.name, nil, env)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if got := render(e.Eval(nil), e.Type()); got != c.want {
			t.Errorf("%s at %d ms = %q, want %q", c.name, c.clock, got, c.want)
		}
	}
	if IsDeterministic("UNIX_TIMESTAMP") || IsDeterministic("CURRENT_TIMESTAMP") {
		t.Error("clock functions must not be constant-folded")
	}
}

func TestJavaZones(t *testing.T) {
	for id, wantOff := range map[string]int{
		"UTC": 0, "Z": 0, "+0200": 7200, "+02:00": 7200, "-05": -18000, "GMT+2": 7200,
		"UTC-08:00": -28800, "EST": -18000, "Asia/Tokyo": 32400,
	} {
		loc, err := types.LoadJavaZone(id)
		if err != nil {
			t.Errorf("%s: %v", id, err)
			continue
		}
		_, off := time.Date(2021, 1, 15, 0, 0, 0, 0, loc).Zone()
		if off != wantOff {
			t.Errorf("%s: offset %d, want %d", id, off, wantOff)
		}
	}
	pst, err := types.LoadJavaZone("PST")
	if err != nil || pst.String() != "America/Los_Angeles" {
		t.Errorf("PST = %v, %v", pst, err)
	}
	if _, err := types.LoadJavaZone("Mars/Olympus"); err == nil {
		t.Error("unknown zone accepted")
	}
}
