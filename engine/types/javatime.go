package types

import (
	"fmt"
	"strconv"
	"strings"
)

// JavaLayout is a compiled Java DateTimeFormatter/SimpleDateFormat pattern
// (yyyy-MM-dd HH:mm:ss.SSS and friends), used by ksqlDB's timestamp_format,
// Flink's DATE_FORMAT and TO_TIMESTAMP.
type JavaLayout struct {
	pattern string
	elems   []layoutElem
	hasZone bool
}

type layoutElem struct {
	field byte // 'y','M','d','H','h','m','s','S','a','E','X','Z','D', 0 for literal
	n     int  // repeat count
	lit   string
}

// CompileJavaLayout compiles a Java date-time pattern.
func CompileJavaLayout(p string) (*JavaLayout, error) {
	l := &JavaLayout{pattern: p}
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\'':
			j := i + 1
			var sb strings.Builder
			for j < len(p) {
				if p[j] == '\'' {
					if j+1 < len(p) && p[j+1] == '\'' {
						sb.WriteByte('\'')
						j += 2
						continue
					}
					break
				}
				sb.WriteByte(p[j])
				j++
			}
			if j >= len(p) {
				return nil, fmt.Errorf("unterminated quote in pattern %q", p)
			}
			if sb.Len() == 0 {
				sb.WriteByte('\'')
			}
			l.elems = append(l.elems, layoutElem{lit: sb.String()})
			i = j + 1
		case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
			j := i
			for j < len(p) && p[j] == c {
				j++
			}
			switch c {
			case 'y', 'u', 'M', 'L', 'd', 'H', 'h', 'k', 'K', 'm', 's', 'S', 'a', 'E', 'X', 'x', 'Z', 'D', 'z', 'V', 'O':
			default:
				return nil, fmt.Errorf("unknown pattern letter '%c' in %q", c, p)
			}
			if c == 'u' {
				c = 'y'
			}
			if c == 'L' {
				c = 'M'
			}
			if c == 'X' || c == 'x' || c == 'Z' || c == 'z' || c == 'V' || c == 'O' {
				l.hasZone = true
			}
			l.elems = append(l.elems, layoutElem{field: c, n: j - i})
			i = j
		default:
			l.elems = append(l.elems, layoutElem{lit: string(c)})
			i++
		}
	}
	return l, nil
}

// String returns the pattern.
func (l *JavaLayout) String() string { return l.pattern }

var monthNames = []string{"January", "February", "March", "April", "May", "June", "July",
	"August", "September", "October", "November", "December"}
var dayNames = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}

// Parse parses s into wall-clock microseconds. When the pattern has a zone,
// the result is converted to an instant and zoned is true; otherwise loc is
// not used by Parse (callers convert as needed).
func (l *JavaLayout) Parse(s string) (micros int64, zoned bool, err error) {
	year, month, day := int64(1970), int64(1), int64(1)
	var hour, minute, sec, frac int64
	pm, hasAmPm := false, false
	var off int64
	pos := 0
	fail := func() (int64, bool, error) {
		return 0, false, fmt.Errorf("Text '%s' could not be parsed with pattern '%s'", s, l.pattern)
	}
	num := func(minDigits, maxDigits int) (int64, bool) {
		start := pos
		if pos < len(s) && (s[pos] == '-' || s[pos] == '+') && minDigits >= 4 {
			pos++
		}
		for pos < len(s) && pos-start < maxDigits && s[pos] >= '0' && s[pos] <= '9' {
			pos++
		}
		if pos-start < minDigits {
			return 0, false
		}
		v, err := strconv.ParseInt(s[start:pos], 10, 64)
		return v, err == nil
	}
	for ei, e := range l.elems {
		if e.field == 0 {
			if !strings.HasPrefix(s[pos:], e.lit) {
				return fail()
			}
			pos += len(e.lit)
			continue
		}
		// adjacent numeric fields need fixed width
		maxw := 10
		if ei+1 < len(l.elems) && l.elems[ei+1].field != 0 {
			maxw = e.n
		}
		var ok bool
		switch e.field {
		case 'y':
			if e.n == 2 {
				var v int64
				v, ok = num(2, 2)
				year = 2000 + v
			} else {
				year, ok = num(e.n, max(maxw, 4))
			}
		case 'M':
			if e.n >= 3 {
				ok = false
				for i, name := range monthNames {
					cand := name
					if e.n == 3 {
						cand = name[:3]
					}
					if len(s)-pos >= len(cand) && strings.EqualFold(s[pos:pos+len(cand)], cand) {
						month, ok = int64(i+1), true
						pos += len(cand)
						break
					}
				}
			} else {
				month, ok = num(1, max(min(maxw, 2), e.n))
			}
		case 'd':
			day, ok = num(1, max(min(maxw, 2), e.n))
		case 'D':
			var doy int64
			doy, ok = num(1, 3)
			day, month = doy, 1
		case 'H', 'k':
			hour, ok = num(1, max(min(maxw, 2), e.n))
		case 'h', 'K':
			hour, ok = num(1, max(min(maxw, 2), e.n))
		case 'm':
			minute, ok = num(1, max(min(maxw, 2), e.n))
		case 's':
			sec, ok = num(1, max(min(maxw, 2), e.n))
		case 'S':
			start := pos
			for pos < len(s) && pos-start < e.n && s[pos] >= '0' && s[pos] <= '9' {
				pos++
			}
			if pos-start != e.n {
				return fail()
			}
			digits := s[start:pos]
			for len(digits) < 6 {
				digits += "0"
			}
			frac, _ = strconv.ParseInt(digits[:6], 10, 64)
			ok = true
		case 'a':
			hasAmPm = true
			switch {
			case strings.HasPrefix(strings.ToUpper(s[pos:]), "AM"):
				ok = true
			case strings.HasPrefix(strings.ToUpper(s[pos:]), "PM"):
				pm, ok = true, true
			}
			pos += 2
		case 'E':
			ok = false
			for _, name := range dayNames {
				for _, cand := range []string{name, name[:3]} {
					if len(s)-pos >= len(cand) && strings.EqualFold(s[pos:pos+len(cand)], cand) {
						pos += len(cand)
						ok = true
						break
					}
				}
				if ok {
					break
				}
			}
		case 'X', 'x', 'Z', 'O', 'z', 'V':
			zoned = true
			if pos < len(s) && (s[pos] == 'Z' || s[pos] == 'z') && e.field == 'X' {
				pos++
				ok = true
				break
			}
			if pos < len(s) && (s[pos] == '+' || s[pos] == '-') {
				sign := int64(1)
				if s[pos] == '-' {
					sign = -1
				}
				pos++
				h, ok1 := num(2, 2)
				var m int64
				ok2 := true
				if pos < len(s) && s[pos] == ':' {
					pos++
				}
				if pos < len(s) && s[pos] >= '0' && s[pos] <= '9' {
					m, ok2 = num(2, 2)
				}
				off = sign * (h*3600 + m*60)
				ok = ok1 && ok2
				break
			}
			// zone name
			j := pos
			for j < len(s) && s[j] != ' ' {
				j++
			}
			if loc, err := loadZoneText(s[pos:j]); err == nil {
				pos = j
				us := wallMicros(year, month, day, hour, minute, sec, frac)
				return FromWallClock(us, loc), true, nil
			}
		}
		if !ok {
			return fail()
		}
	}
	if pos != len(s) {
		return fail()
	}
	if hasAmPm {
		if hour == 12 {
			hour = 0
		}
		if pm {
			hour += 12
		}
	}
	if month < 1 || month > 12 || day < 1 || day > 366 || hour > 24 || minute > 59 || sec > 60 {
		return fail()
	}
	us := wallMicros(year, month, day, hour, minute, sec, frac)
	if zoned {
		us -= off * MicrosPerSecond
	}
	return us, zoned, nil
}

func wallMicros(year, month, day, hour, minute, sec, frac int64) int64 {
	days := daysFromCivil(year, month, 1) + day - 1
	return days*MicrosPerDay + hour*3600*MicrosPerSecond + minute*60*MicrosPerSecond + sec*MicrosPerSecond + frac
}

// Format renders wall-clock micros with the pattern; offSec is the zone
// offset to print for zone letters.
func (l *JavaLayout) Format(us int64, offSec int, zoneName string) string {
	days := us / MicrosPerDay
	rem := us % MicrosPerDay
	if rem < 0 {
		rem += MicrosPerDay
		days--
	}
	y, m, d := CivilFromDays(days)
	secs := rem / MicrosPerSecond
	frac := rem % MicrosPerSecond
	h, mi, s := secs/3600, secs/60%60, secs%60
	var b []byte
	pad := func(v int64, n int) {
		str := strconv.FormatInt(v, 10)
		for len(str) < n {
			str = "0" + str
		}
		b = append(b, str...)
	}
	for _, e := range l.elems {
		switch e.field {
		case 0:
			b = append(b, e.lit...)
		case 'y':
			if e.n == 2 {
				pad(y%100, 2)
			} else {
				pad(y, e.n)
			}
		case 'M':
			switch {
			case e.n >= 4:
				b = append(b, monthNames[m-1]...)
			case e.n == 3:
				b = append(b, monthNames[m-1][:3]...)
			default:
				pad(m, e.n)
			}
		case 'd':
			pad(d, e.n)
		case 'D':
			pad(days-daysFromCivil(y, 1, 1)+1, e.n)
		case 'H':
			pad(h, e.n)
		case 'k':
			if h == 0 {
				pad(24, e.n)
			} else {
				pad(h, e.n)
			}
		case 'h':
			hh := h % 12
			if hh == 0 {
				hh = 12
			}
			pad(hh, e.n)
		case 'K':
			pad(h%12, e.n)
		case 'm':
			pad(mi, e.n)
		case 's':
			pad(s, e.n)
		case 'S':
			str := strconv.FormatInt(frac+1000000, 10)[1:]
			for len(str) < e.n {
				str += "0"
			}
			b = append(b, str[:e.n]...)
		case 'a':
			if h < 12 {
				b = append(b, "AM"...)
			} else {
				b = append(b, "PM"...)
			}
		case 'E':
			wd := (days%7 + 11) % 7 // 1970-01-01 was a Thursday
			if e.n >= 4 {
				b = append(b, dayNames[wd]...)
			} else {
				b = append(b, dayNames[wd][:3]...)
			}
		case 'X', 'x', 'Z', 'O':
			if offSec == 0 && e.field == 'X' {
				b = append(b, 'Z')
				continue
			}
			sign := byte('+')
			o := offSec
			if o < 0 {
				sign, o = '-', -o
			}
			b = append(b, sign)
			pad(int64(o/3600), 2)
			if e.n >= 3 || e.field == 'Z' {
				if e.n == 3 || e.n == 5 {
					b = append(b, ':')
				}
				pad(int64(o/60%60), 2)
			}
		case 'z', 'V':
			b = append(b, zoneName...)
		}
	}
	return string(b)
}

// HasZone reports whether the pattern carries a zone or offset.
func (l *JavaLayout) HasZone() bool { return l.hasZone }
