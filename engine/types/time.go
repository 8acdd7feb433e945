package types

import (
	"fmt"
	"strconv"
	"time"
)

// Microsecond-based time helpers. Timestamps are int64 microseconds; a
// zone-less TIMESTAMP counts from 1970-01-01 00:00:00 of the wall clock, an
// instant (TIMESTAMP_LTZ) from the Unix epoch.

const (
	MicrosPerMilli  = 1000
	MicrosPerSecond = 1000 * MicrosPerMilli
	MicrosPerDay    = 86400 * MicrosPerSecond
)

// daysFromCivil converts a proleptic Gregorian date to days since 1970-01-01.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// CivilFromDays converts days since 1970-01-01 to year, month, day.
func CivilFromDays(z int64) (y, m, d int64) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return
}

// DaysFromCivil converts a date to days since 1970-01-01.
func DaysFromCivil(y, m, d int) int64 { return daysFromCivil(int64(y), int64(m), int64(d)) }

func digits(s string, i, n int) (int64, bool) {
	if i+n > len(s) {
		return 0, false
	}
	var v int64
	for j := i; j < i+n; j++ {
		c := s[j]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

// ParseTimestamp parses "yyyy-MM-dd[ |T]HH:mm[:ss[.fffffffff]]" (and a bare
// date) into wall-clock microseconds. A trailing "Z" or zone offset is
// accepted and, when zoned is false, ignored; when present, offset reports
// the zone offset in seconds and hasZone is true.
func ParseTimestamp(s string) (micros int64, err error) {
	us, _, _, err := ParseTimestampZone(s)
	return us, err
}

// ParseTimestampZone is ParseTimestamp that also reports a zone suffix.
func ParseTimestampZone(s string) (micros int64, offsetSec int, hasZone bool, err error) {
	bad := func() (int64, int, bool, error) {
		return 0, 0, false, fmt.Errorf("invalid timestamp %q", s)
	}
	y, ok1 := digits(s, 0, 4)
	if !ok1 || len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return bad()
	}
	mo, ok2 := digits(s, 5, 2)
	d, ok3 := digits(s, 8, 2)
	if !ok2 || !ok3 || mo < 1 || mo > 12 || d < 1 || d > 31 {
		return bad()
	}
	days := daysFromCivil(y, mo, d)
	if len(s) == 10 {
		return days * MicrosPerDay, 0, false, nil
	}
	if s[10] != ' ' && s[10] != 'T' {
		return bad()
	}
	h, ok4 := digits(s, 11, 2)
	if !ok4 || len(s) < 16 || s[13] != ':' {
		return bad()
	}
	mi, ok5 := digits(s, 14, 2)
	if !ok5 || h > 23 || mi > 59 {
		return bad()
	}
	var sec, frac int64
	i := 16
	if i < len(s) && s[i] == ':' {
		v, ok := digits(s, 17, 2)
		if !ok || v > 59 {
			return bad()
		}
		sec = v
		i = 19
		if i < len(s) && s[i] == '.' {
			i++
			n := 0
			for i < len(s) && s[i] >= '0' && s[i] <= '9' {
				if n < 6 {
					frac = frac*10 + int64(s[i]-'0')
				}
				n++
				i++
			}
			if n == 0 {
				return bad()
			}
			for ; n < 6; n++ {
				frac *= 10
			}
		}
	}
	us := days*MicrosPerDay + h*3600*MicrosPerSecond + mi*60*MicrosPerSecond + sec*MicrosPerSecond + frac
	if i == len(s) {
		return us, 0, false, nil
	}
	rest := s[i:]
	if rest == "Z" {
		return us, 0, true, nil
	}
	if (rest[0] == '+' || rest[0] == '-') && (len(rest) == 6 || len(rest) == 5 || len(rest) == 3) {
		hh, ok := digits(rest, 1, 2)
		var mm int64
		if len(rest) == 6 && rest[3] == ':' {
			mm, ok = digits(rest, 4, 2)
		} else if len(rest) == 5 {
			mm, ok = digits(rest, 3, 2)
		}
		if !ok {
			return bad()
		}
		off := int(hh*3600 + mm*60)
		if rest[0] == '-' {
			off = -off
		}
		return us, off, true, nil
	}
	return bad()
}

// FormatTimestamp renders wall-clock micros as "yyyy-MM-dd HH:mm:ss" with
// precision fractional digits (sep is ' ' or 'T').
func FormatTimestamp(us int64, precision int, sep byte) string {
	return string(AppendTimestamp(nil, us, precision, sep, false))
}

// AppendTimestamp appends a timestamp. With trim, trailing zero fraction
// digits are dropped (Java's ISO_LOCAL_TIME style: ".5", no ".000").
func AppendTimestamp(b []byte, us int64, precision int, sep byte, trim bool) []byte {
	days := us / MicrosPerDay
	rem := us % MicrosPerDay
	if rem < 0 {
		rem += MicrosPerDay
		days--
	}
	y, m, d := CivilFromDays(days)
	b = append4(b, y)
	b = append(b, '-')
	b = append2(b, m)
	b = append(b, '-')
	b = append2(b, d)
	b = append(b, sep)
	return appendTimeOfDay(b, rem, precision, trim)
}

func appendTimeOfDay(b []byte, rem int64, precision int, trim bool) []byte {
	secs := rem / MicrosPerSecond
	b = append2(b, secs/3600)
	b = append(b, ':')
	b = append2(b, secs/60%60)
	b = append(b, ':')
	b = append2(b, secs%60)
	frac := rem % MicrosPerSecond
	extra := 0 // digits past microseconds: stored as zero
	if precision > 6 {
		precision, extra = 6, min(precision-6, 3)
	}
	if precision > 0 {
		var buf [6]byte
		f := frac
		for i := 5; i >= 0; i-- {
			buf[i] = byte('0' + f%10)
			f /= 10
		}
		n := precision
		if trim {
			for n > 0 && buf[n-1] == '0' {
				n--
			}
		}
		if n > 0 {
			b = append(b, '.')
			b = append(b, buf[:n]...)
			for ; extra > 0 && !trim; extra-- {
				b = append(b, '0')
			}
		}
	}
	return b
}

func append2(b []byte, v int64) []byte { return append(b, byte('0'+v/10%10), byte('0'+v%10)) }
func append4(b []byte, v int64) []byte {
	if v < 0 || v > 9999 {
		return strconv.AppendInt(b, v, 10)
	}
	return append(b, byte('0'+v/1000), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}

// FormatDate renders days since epoch as yyyy-MM-dd.
func FormatDate(days int64) string {
	y, m, d := CivilFromDays(days)
	b := append4(nil, y)
	b = append(b, '-')
	b = append2(b, m)
	b = append(b, '-')
	b = append2(b, d)
	return string(b)
}

// FormatTime renders micros of day as HH:mm:ss[.fff].
func FormatTime(us int64, precision int) string {
	return string(appendTimeOfDay(nil, us, precision, false))
}

// ParseDate parses yyyy-MM-dd.
func ParseDate(s string) (int64, error) {
	y, ok1 := digits(s, 0, 4)
	mo, ok2 := digits(s, 5, 2)
	d, ok3 := digits(s, 8, 2)
	if len(s) != 10 || !ok1 || !ok2 || !ok3 || s[4] != '-' || s[7] != '-' {
		return 0, fmt.Errorf("invalid date %q", s)
	}
	return daysFromCivil(y, mo, d), nil
}

// ParseTime parses HH:mm[:ss[.fff]].
func ParseTime(s string) (int64, error) {
	us, err := ParseTimestamp("1970-01-01 " + s)
	if err != nil {
		return 0, fmt.Errorf("invalid time %q", s)
	}
	return us, nil
}

// Zone helpers: conversion between instants and wall-clock time.

// ToWallClock converts an instant (micros since epoch, UTC) to wall-clock
// micros in loc.
func ToWallClock(instant int64, loc *time.Location) int64 {
	if loc == nil || loc == time.UTC {
		return instant
	}
	t := time.UnixMicro(instant).In(loc)
	_, off := t.Zone()
	return instant + int64(off)*MicrosPerSecond
}

// FromWallClock converts wall-clock micros in loc to an instant.
func FromWallClock(wall int64, loc *time.Location) int64 {
	if loc == nil || loc == time.UTC {
		return wall
	}
	days := wall / MicrosPerDay
	rem := wall % MicrosPerDay
	if rem < 0 {
		rem += MicrosPerDay
		days--
	}
	y, m, d := CivilFromDays(days)
	secs := rem / MicrosPerSecond
	t := time.Date(int(y), time.Month(m), int(d), int(secs/3600), int(secs/60%60), int(secs%60),
		int(rem%MicrosPerSecond)*1000, loc)
	return t.UnixMicro()
}
