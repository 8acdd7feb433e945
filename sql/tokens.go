package sql

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind classifies a token.
type tokKind uint8

const (
	tkEOF    tokKind = iota
	tkWord           // unquoted identifier or keyword
	tkQuoted         // `ident` or "ident"
	tkString         // 'text'
	tkNumber         // 12, 1.5, .5, 1e3
	tkHex            // X'0A'
	tkOp             // punctuation and operators
)

// token is a lexical token of the user's text. Offsets are byte offsets
// into the whole input given to Parse, not into one statement.
type token struct {
	kind tokKind
	off  int    // start offset
	end  int    // end offset (exclusive)
	text string // the source text of the token
	// val is the normalized value: upper-case for words, the unescaped
	// name for quoted identifiers, the unescaped text for strings, the
	// hex digits for X'..', and the text otherwise.
	val string
}

// is reports whether t is the unquoted word w (w must be upper-case).
func (t token) is(w string) bool { return t.kind == tkWord && t.val == w }

// isOp reports whether t is the operator or punctuation op.
func (t token) isOp(op string) bool { return t.kind == tkOp && t.text == op }

// isAny reports whether t is one of the unquoted words ws.
func (t token) isAny(ws ...string) bool {
	if t.kind != tkWord {
		return false
	}
	for _, w := range ws {
		if t.val == w {
			return true
		}
	}
	return false
}

// isName reports whether t can name something (a word or a quoted
// identifier).
func (t token) isName() bool { return t.kind == tkWord || t.kind == tkQuoted }

// lexError is an unterminated string, identifier or comment.
type lexError struct {
	off int
	msg string
}

// twoCharOps are the operators made of two characters.
var twoCharOps = [...]string{"||", "<>", "!=", "<=", ">=", "->", "=>", ":=", "::", "=="}

// lex splits src[lo:hi] into tokens. Comments and white space are
// skipped. It stops at the first unterminated string, quoted identifier or
// block comment and returns the tokens before it with the error. The
// returned slice never holds a tkEOF token.
func lex(src string, lo, hi int) ([]token, *lexError) {
	var toks []token
	i := lo
	for i < hi {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '-' && i+1 < hi && src[i+1] == '-':
			for i < hi && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < hi && src[i+1] == '*':
			j := strings.Index(src[i+2:hi], "*/")
			if j < 0 {
				return toks, &lexError{i, "unterminated comment"}
			}
			i += 2 + j + 2
		case c == '\'':
			val, end, ok := scanQuoted(src, i, hi, '\'')
			if !ok {
				return toks, &lexError{i, "unterminated string literal"}
			}
			toks = append(toks, token{kind: tkString, off: i, end: end, text: src[i:end], val: val})
			i = end
		case c == '"' || c == '`':
			val, end, ok := scanQuoted(src, i, hi, c)
			if !ok {
				return toks, &lexError{i, "unterminated quoted identifier"}
			}
			toks = append(toks, token{kind: tkQuoted, off: i, end: end, text: src[i:end], val: val})
			i = end
		case (c == 'x' || c == 'X') && i+1 < hi && src[i+1] == '\'':
			val, end, ok := scanQuoted(src, i+1, hi, '\'')
			if !ok {
				return toks, &lexError{i, "unterminated binary literal"}
			}
			toks = append(toks, token{kind: tkHex, off: i, end: end, text: src[i:end], val: val})
			i = end
		case isDigit(c) || (c == '.' && i+1 < hi && isDigit(src[i+1])):
			end := scanNumber(src, i, hi)
			if digitIdent(src, i, end, hi) {
				// ksqlDB's grammar has identifiers that start with digits (1R)
				end = scanWord(src, i, hi)
				w := src[i:end]
				toks = append(toks, token{kind: tkWord, off: i, end: end, text: w, val: strings.ToUpper(w)})
				i = end
				continue
			}
			toks = append(toks, token{kind: tkNumber, off: i, end: end, text: src[i:end], val: src[i:end]})
			i = end
		case c < utf8.RuneSelf && (isLetter(c) || c == '_'):
			end := scanWord(src, i, hi)
			w := src[i:end]
			toks = append(toks, token{kind: tkWord, off: i, end: end, text: w, val: strings.ToUpper(w)})
			i = end
		case c >= utf8.RuneSelf:
			r, n := utf8.DecodeRuneInString(src[i:hi])
			if unicode.IsLetter(r) {
				end := scanWord(src, i, hi)
				w := src[i:end]
				toks = append(toks, token{kind: tkWord, off: i, end: end, text: w, val: strings.ToUpper(w)})
				i = end
				continue
			}
			if unicode.IsSpace(r) {
				i += n
				continue
			}
			toks = append(toks, token{kind: tkOp, off: i, end: i + n, text: src[i : i+n], val: src[i : i+n]})
			i += n
		default:
			n := 1
			if i+1 < hi {
				for _, op := range twoCharOps {
					if src[i] == op[0] && src[i+1] == op[1] {
						n = 2
						break
					}
				}
			}
			toks = append(toks, token{kind: tkOp, off: i, end: i + n, text: src[i : i+n], val: src[i : i+n]})
			i += n
		}
	}
	return toks, nil
}

// scanQuoted scans a quoted string or identifier starting at src[i]==q,
// where a doubled quote stands for one. It returns the unescaped value and
// the end offset.
func scanQuoted(src string, i, hi int, q byte) (string, int, bool) {
	var b strings.Builder
	j := i + 1
	for j < hi {
		k := strings.IndexByte(src[j:hi], q)
		if k < 0 {
			return "", hi, false
		}
		b.WriteString(src[j : j+k])
		j += k + 1
		if j < hi && src[j] == q {
			b.WriteByte(q)
			j++
			continue
		}
		return b.String(), j, true
	}
	return "", hi, false
}

func scanNumber(src string, i, hi int) int {
	for i < hi && isDigit(src[i]) {
		i++
	}
	if i < hi && src[i] == '.' {
		i++
		for i < hi && isDigit(src[i]) {
			i++
		}
	}
	if i < hi && (src[i] == 'e' || src[i] == 'E') {
		j := i + 1
		if j < hi && (src[j] == '+' || src[j] == '-') {
			j++
		}
		if j < hi && isDigit(src[j]) {
			for j < hi && isDigit(src[j]) {
				j++
			}
			i = j
		}
	}
	return i
}

func scanWord(src string, i, hi int) int {
	for i < hi {
		c := src[i]
		if c < utf8.RuneSelf {
			if isLetter(c) || isDigit(c) || c == '_' || c == '$' {
				i++
				continue
			}
			return i
		}
		r, n := utf8.DecodeRuneInString(src[i:hi])
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return i
		}
		i += n
	}
	return i
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// isPlainIdent reports whether s can be written without quotes.
func isPlainIdent(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isLetter(c) || c == '_' || (i > 0 && isDigit(c))) {
			return false
		}
	}
	return true
}

// digitIdent reports whether the number src[i:end] is the start of an
// identifier such as 1R: only digits, followed at once by a letter or '_'.
func digitIdent(src string, i, end, hi int) bool {
	if end >= hi || !(isLetter(src[end]) || src[end] == '_') {
		return false
	}
	for k := i; k < end; k++ {
		if !isDigit(src[k]) {
			return false
		}
	}
	return true
}
