package format

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// Low-level JSON scanning helpers. They work on (buffer, index) pairs and
// never allocate; every function checks bounds, so no input can make them
// panic.

func isWS(c byte) bool { return c == ' ' || c == '\n' || c == '\r' || c == '\t' }

func skipWS(b []byte, i int) int {
	for i < len(b) && isWS(b[i]) {
		i++
	}
	return i
}

// scanString scans the string starting at b[i] == '"'. It returns the raw
// content bounds (without quotes), whether it holds escapes, and the index
// after the closing quote; ok is false for an unterminated string.
func scanString(b []byte, i int) (start, end int, escaped bool, next int, ok bool) {
	start = i + 1
	j := start
	for {
		// Eight bytes at a time: find the first '"' or '\\'.
		for j+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[j:])
			if m := hasByte(x, '"') | hasByte(x, '\\'); m != 0 {
				j += bits.TrailingZeros64(m) >> 3
				break
			}
			j += 8
		}
		for j < len(b) && b[j] != '"' && b[j] != '\\' {
			j++
		}
		if j >= len(b) {
			return 0, 0, false, 0, false
		}
		if b[j] == '"' {
			return start, j, escaped, j + 1, true
		}
		escaped = true
		j += 2 // the backslash and the character it escapes
	}
}

const (
	swarLo = 0x0101010101010101
	swarHi = 0x8080808080808080
)

// hasByte flags (high bit) the bytes of x equal to c; the lowest flagged
// byte is always a true match.
func hasByte(x uint64, c byte) uint64 {
	y := x ^ (swarLo * uint64(c))
	return (y - swarLo) &^ y & swarHi
}

// unescape appends the decoded content of a JSON string body to dst.
func unescape(dst, s []byte) ([]byte, bool) {
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			j := i + 1
			for j < len(s) && s[j] != '\\' {
				j++
			}
			dst = append(dst, s[i:j]...)
			i = j
			continue
		}
		if i+1 >= len(s) {
			return dst, false
		}
		switch s[i+1] {
		case '"', '\\', '/':
			dst = append(dst, s[i+1])
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r, ok := hex4(s, i+2)
			if !ok {
				return dst, false
			}
			i += 6
			if utf16.IsSurrogate(r) {
				if i+6 <= len(s) && s[i] == '\\' && s[i+1] == 'u' {
					if r2, ok := hex4(s, i+2); ok {
						if d := utf16.DecodeRune(r, r2); d != utf8.RuneError {
							dst = utf8.AppendRune(dst, d)
							i += 6
							continue
						}
					}
				}
				r = utf8.RuneError
			}
			dst = utf8.AppendRune(dst, r)
			continue
		default:
			return dst, false
		}
		i += 2
	}
	return dst, true
}

func hex4(s []byte, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range s[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}

func isNumByte(c byte) bool {
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

// numEnd returns the index after the number token starting at i.
func numEnd(b []byte, i int) int {
	for i < len(b) && isNumByte(b[i]) {
		i++
	}
	return i
}

// literal checks that b[i:] starts with lit and returns the index after it.
func literal(b []byte, i int, lit string) (int, bool) {
	if len(b)-i < len(lit) || string(b[i:i+len(lit)]) != lit {
		return i, false
	}
	return i + len(lit), true
}

// skipValue returns the index after the JSON value starting at b[i]. Nested
// containers are skipped by counting brackets (strings respected) without
// validating their inner grammar. It is iterative, so deep nesting cannot
// exhaust the stack.
func skipValue(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return i, false
	}
	switch c := b[i]; {
	case c == '"':
		_, _, _, next, ok := scanString(b, i)
		return next, ok
	case c == '{' || c == '[':
		depth := 0
		for i < len(b) {
			switch b[i] {
			case '{', '[':
				depth++
				i++
			case '}', ']':
				depth--
				i++
				if depth == 0 {
					return i, true
				}
			case '"':
				_, _, _, next, ok := scanString(b, i)
				if !ok {
					return i, false
				}
				i = next
			default:
				i++
			}
		}
		return i, false
	case c == 't':
		return literal(b, i, "true")
	case c == 'f':
		return literal(b, i, "false")
	case c == 'n':
		return literal(b, i, "null")
	case c == '-' || (c >= '0' && c <= '9'):
		return numEnd(b, i), true
	}
	return i, false
}

// parseInt parses an optionally signed decimal integer. ok is false for
// anything else (fractions, exponents, overflow).
func parseInt(t []byte) (int64, bool) {
	neg := false
	if len(t) > 0 && (t[0] == '-' || t[0] == '+') {
		neg = t[0] == '-'
		t = t[1:]
	}
	if len(t) == 0 {
		return 0, false
	}
	for len(t) > 1 && t[0] == '0' {
		t = t[1:]
	}
	if len(t) > 19 { // 19 digits always fit in a uint64
		return 0, false
	}
	var u uint64
	for _, c := range t {
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return int64(-u), true
	}
	if u > 1<<63-1 {
		return 0, false
	}
	return int64(u), true
}

// bstr views b as a string without copying. The result must not outlive b's
// contents and must not be retained; use it only for lookups and parsing.
func bstr(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (isWS(b[0]) || b[0] == '\f' || b[0] == '\v') {
		b = b[1:]
	}
	for len(b) > 0 && (isWS(b[len(b)-1]) || b[len(b)-1] == '\f' || b[len(b)-1] == '\v') {
		b = b[:len(b)-1]
	}
	return b
}

// compactJSON appends raw JSON text without insignificant whitespace (how
// Jackson prints a node), used when an object or array is read into a
// STRING column.
func compactJSON(dst, raw []byte) []byte {
	for i := 0; i < len(raw); {
		c := raw[i]
		switch {
		case c == '"':
			_, _, _, next, ok := scanString(raw, i)
			if !ok {
				return append(dst, raw[i:]...)
			}
			dst = append(dst, raw[i:next]...)
			i = next
		case isWS(c):
			i++
		default:
			dst = append(dst, c)
			i++
		}
	}
	return dst
}
