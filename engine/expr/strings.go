package expr

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/tumble/tumble/engine/types"
)

// String functions. Where dialects differ a function has variants (see
// Variant); positions are in characters (code points).

func registerStringFuncs() {
	register("UPPER,UCASE", strFunc("UPPER", 1, func(a []types.Value) types.Value { return types.StringV(strings.ToUpper(a[0].S)) }))
	register("LOWER,LCASE", strFunc("LOWER", 1, func(a []types.Value) types.Value { return types.StringV(strings.ToLower(a[0].S)) }))
	register("REVERSE", strFunc("REVERSE", 1, func(a []types.Value) types.Value {
		r := []rune(a[0].S)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return types.StringV(string(r))
	}))
	register("REPLACE", strFunc("REPLACE", 3, func(a []types.Value) types.Value {
		return types.StringV(strings.ReplaceAll(a[0].S, a[1].S, a[2].S))
	}))
	registerTrim()
	// Flink's INITCAP (Calcite's) takes only ASCII letters and digits as
	// word characters; any other character separates words and stays as
	// it is: INITCAP('Ünïcödé') is 'ÜNïCöDé'.
	register("INITCAP", initCapFunc(func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}))
	registerVariant(InitCapOnWhitespace, initCapFunc(unicode.IsSpace))
	registerHashes()
	register("TO_BASE64", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		return types.TString, func(a []types.Value) types.Value {
			return types.StringV(base64.StdEncoding.EncodeToString([]byte(a[0].S)))
		}, checkSig(env, "TO_BASE64", args, 1, isStrOrBytes)
	}})
	simple("FROM_BASE64", types.TString, func(a []types.Value) types.Value {
		b, ok := decodeBase64(a[0].S)
		if !ok {
			return types.NullValue
		}
		return types.StringV(string(b))
	}, 1, isStrOrBytes)
	register("CHAR_LENGTH,CHARACTER_LENGTH,LENGTH,LEN", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "LEN", args, 1, isStrOrBytes); err != nil {
			return types.Type{}, nil, err
		}
		if args[0].Type().Kind == types.Bytes {
			return types.TInt, func(a []types.Value) types.Value { return types.IntV(int64(len(a[0].S))) }, nil
		}
		return types.TInt, func(a []types.Value) types.Value { return types.IntV(int64(utf8.RuneCountInString(a[0].S))) }, nil
	}})
	register("CONCAT", concatFunc(false))
	registerVariant(ConcatSkipsNulls, concatFunc(true))
	register("CONCAT_WS", concatWSFunc(1))
	registerVariant(ConcatWSNeedsTwo, concatWSFunc(2))
	register("SUBSTRING,SUBSTR", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "SUBSTRING", args, 1, isStrOrBytes, isInt, isInt); err != nil {
			return types.Type{}, nil, err
		}
		if args[0].Type().Kind == types.Bytes {
			return types.TBytes, func(a []types.Value) types.Value {
				s, e := substringBounds(len(a[0].S), a[1:])
				return types.BytesV([]byte(a[0].S[s:e]))
			}, nil
		}
		return types.TString, func(a []types.Value) types.Value {
			r := []rune(a[0].S)
			s, e := substringBounds(len(r), a[1:])
			return types.StringV(string(r[s:e]))
		}, nil
	}})
	simple("LEFT", types.TString, func(a []types.Value) types.Value {
		r := []rune(a[0].S)
		n := int(max(0, min(a[1].Int(), int64(len(r)))))
		return types.StringV(string(r[:n]))
	}, 2, isStr, isInt)
	simple("RIGHT", types.TString, func(a []types.Value) types.Value {
		r := []rune(a[0].S)
		n := int(max(0, min(a[1].Int(), int64(len(r)))))
		return types.StringV(string(r[len(r)-n:]))
	}, 2, isStr, isInt)
	simple("REPEAT", types.TString, func(a []types.Value) types.Value {
		n := a[1].Int()
		if n <= 0 || a[0].S == "" {
			return types.StringV("")
		}
		if int64(len(a[0].S))*n > 1<<30 {
			Fail("REPEAT result too large")
		}
		return types.StringV(strings.Repeat(a[0].S, int(n)))
	}, 2, isStr, isInt)
	simple("SPACE", types.TString, func(a []types.Value) types.Value {
		return types.StringV(strings.Repeat(" ", int(max(0, min(a[0].Int(), 1<<20)))))
	}, 1, isInt)
	register("LPAD", &funcDef{build: buildPad(true)})
	register("RPAD", &funcDef{build: buildPad(false)})
	// POSITION(needle IN haystack) arrives as (needle, haystack).
	simple("POSITION", types.TInt, func(a []types.Value) types.Value {
		return types.IntV(int64(indexFrom(a[1].S, a[0].S, 0) + 1))
	}, 2, isStr, isStr)
	simple("LOCATE", types.TInt, func(a []types.Value) types.Value {
		from := 0
		if len(a) == 3 {
			from = int(a[2].Int()) - 1
		}
		return types.IntV(int64(indexFrom(a[1].S, a[0].S, from) + 1))
	}, 2, isStr, isStr, isInt)
	simple("INSTR", types.TInt, func(a []types.Value) types.Value {
		pos, occ := int64(1), int64(1)
		if len(a) > 2 {
			pos = a[2].Int()
		}
		if len(a) > 3 {
			occ = a[3].Int()
		}
		return types.IntV(int64(instr(a[0].S, a[1].S, pos, occ)))
	}, 2, isStr, isStr, isInt, isInt)
	simple("SPLIT_INDEX", types.TString, func(a []types.Value) types.Value {
		i := a[2].Int()
		if i < 0 || a[0].S == "" {
			return types.NullValue
		}
		parts := splitWhole(a[0].S, a[1].S)
		if i >= int64(len(parts)) {
			return types.NullValue
		}
		return types.StringV(parts[i])
	}, 3, isStr, isStr, isInt)
	register("SPLIT", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "SPLIT", args, 2, isStrOrBytes, isStrOrBytes); err != nil {
			return types.Type{}, nil, err
		}
		kind := types.String
		if args[0].Type().Kind == types.Bytes || args[1].Type().Kind == types.Bytes {
			kind = types.Bytes
		}
		return types.ArrayOf(types.Type{Kind: kind}), func(a []types.Value) types.Value {
			var parts []string
			if a[1].S == "" {
				if kind == types.Bytes {
					for i := 0; i < len(a[0].S); i++ {
						parts = append(parts, a[0].S[i:i+1])
					}
				} else {
					for _, r := range a[0].S {
						parts = append(parts, string(r))
					}
				}
			} else {
				parts = strings.Split(a[0].S, a[1].S)
			}
			out := make([]types.Value, len(parts))
			for i, p := range parts {
				out[i] = types.Value{K: kind, S: p}
			}
			return types.ArrayV(out)
		}, nil
	}})
	simple("SPLIT_TO_MAP", types.MapOf(types.TString, types.TString), func(a []types.Value) types.Value {
		if a[1].S == "" || a[2].S == "" {
			return types.NullValue
		}
		m := &types.MapValue{}
		for _, entry := range strings.Split(a[0].S, a[1].S) {
			if entry == "" {
				continue
			}
			kv := strings.Split(entry, a[2].S)
			if len(kv) < 2 {
				continue
			}
			mapPut(m, types.StringV(kv[0]), types.StringV(kv[1]))
		}
		return types.MapV(m)
	}, 3, isStr, isStr, isStr)
	simple("STR_TO_MAP", types.MapOf(types.TString, types.TString), func(a []types.Value) types.Value {
		pairSep, kvSep := ",", "="
		if len(a) > 1 {
			pairSep = a[1].S
		}
		if len(a) > 2 {
			kvSep = a[2].S
		}
		m := &types.MapValue{}
		if a[0].S == "" {
			return types.MapV(m)
		}
		for _, pair := range splitWhole(a[0].S, pairSep) {
			k, v, ok := strings.Cut(pair, kvSep)
			if kvSep == "" {
				k, v, ok = pair, "", false
			}
			val := types.NullValue
			if ok {
				val = types.StringV(v)
			}
			mapPut(m, types.StringV(k), val)
		}
		return types.MapV(m)
	}, 1, isStr, isStr, isStr)
	registerRegexps()
	simple("ASCII", types.TInt, func(a []types.Value) types.Value {
		if a[0].S == "" {
			return types.IntV(0)
		}
		r, _ := utf8.DecodeRuneInString(a[0].S)
		return types.IntV(int64(r))
	}, 1, isStr)
	register("CHR", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "CHR", args, 1, isInt); err != nil {
			return types.Type{}, nil, err
		}
		// The character of the low byte.
		return types.TString, func(a []types.Value) types.Value {
			c := a[0].Int()
			if c < 0 {
				return types.StringV("")
			}
			return types.StringV(string(rune(c & 0xFF)))
		}, nil
	}})
	registerVariant(ChrOfCodePoint, &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "CHR", args, 1, func(t types.Type) bool { return isInt(t) || isStr(t) }); err != nil {
			return types.Type{}, nil, err
		}
		if args[0].Type().Kind == types.String {
			return types.TString, func(a []types.Value) types.Value { return chrFromEscape(a[0].S) }, nil
		}
		return types.TString, func(a []types.Value) types.Value {
			c := a[0].Int()
			if c < 0 || c > unicode.MaxRune || (c >= 0xD800 && c <= 0xDFFF) {
				return types.NullValue
			}
			return types.StringV(string(rune(c)))
		}, nil
	}})
	registerEncodings()
	registerMasks()
	register("UUID", &funcDef{nondeterministic: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
		return types.TString, func([]types.Value) types.Value { return types.StringV(newUUID()) }, checkSig(env, "UUID", args, 0)
	}})
	simple("HASH_CODE", types.TInt, func(a []types.Value) types.Value {
		var h int32
		for _, u := range utf16.Encode([]rune(a[0].S)) {
			h = 31*h + int32(u)
		}
		return types.IntV(int64(h))
	}, 1, isStr)
	simple("OVERLAY", types.TString, func(a []types.Value) types.Value {
		s, r := []rune(a[0].S), []rune(a[1].S)
		pos := a[2].Int()
		n := int64(len(r))
		if len(a) > 3 {
			n = a[3].Int()
		}
		start := min(max(pos-1, 0), int64(len(s)))
		end := min(max(start+max(n, 0), start), int64(len(s)))
		return types.StringV(string(s[:start]) + string(r) + string(s[end:]))
	}, 3, isStr, isStr, isInt, isInt)
	register("HEX", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "HEX", args, 1, func(t types.Type) bool { return isInt(t) || isStrOrBytes(t) }); err != nil {
			return types.Type{}, nil, err
		}
		if args[0].Type().Kind.IsInteger() {
			return types.TString, func(a []types.Value) types.Value {
				return types.StringV(strings.ToUpper(strconv.FormatUint(uint64(a[0].I), 16)))
			}, nil
		}
		return types.TString, func(a []types.Value) types.Value {
			return types.StringV(strings.ToUpper(hex.EncodeToString([]byte(a[0].S))))
		}, nil
	}})
	simple("BIN", types.TString, func(a []types.Value) types.Value {
		return types.StringV(strconv.FormatUint(uint64(a[0].I), 2))
	}, 1, isInt)
	isClass := func(name string, ok func(string) bool) {
		register(name, &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
			return types.Type{Kind: types.Boolean, NotNull: true}, func(a []types.Value) types.Value {
				return types.BoolV(!a[0].IsNull() && ok(a[0].S))
			}, checkSig(env, name, args, 1, isStr)
		}})
	}
	isClass("IS_ALPHA", func(s string) bool {
		return s != "" && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsLetter(r) }) < 0
	})
	isClass("IS_DIGIT", func(s string) bool {
		return s != "" && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) }) < 0
	})
	isClass("IS_DECIMAL", func(s string) bool {
		if s == "" || strings.ContainsAny(s, " \t\n") {
			return false
		}
		_, err := strconv.ParseFloat(s, 64)
		return err == nil && !strings.ContainsAny(strings.ToLower(s), "xinfa")
	})
}

// concatFunc is CONCAT: NULL when any argument is (Flink), or with
// skipNulls NULLs skipped and only strings, or only BYTES, accepted
// (ksqlDB). Other arguments render as text in the dialect's style.
func concatFunc(skipNulls bool) *funcDef {
	return &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
		return buildConcat(env, args, skipNulls)
	}}
}

func buildConcat(env *Env, args []Expr, skipNulls bool) (types.Type, impl, error) {
	style := env.sem().Text
	kind := types.String
	for _, a := range args {
		if a.Type().Kind == types.Bytes {
			kind = types.Bytes
		}
	}
	if skipNulls {
		pred := isStr
		if kind == types.Bytes {
			pred = isBytes
		}
		for _, a := range args {
			if !pred(a.Type()) {
				return types.Type{}, nil, argErr(env, "CONCAT", args)
			}
		}
	}
	return types.Type{Kind: kind}, func(a []types.Value) types.Value {
		var sb strings.Builder
		for i, v := range a {
			if v.IsNull() {
				if skipNulls {
					continue
				}
				return types.NullValue
			}
			if v.K == types.String || v.K == types.Bytes {
				sb.WriteString(v.S)
			} else {
				sb.WriteString(ToText(v, args[i].Type(), style))
			}
		}
		return types.Value{K: kind, S: sb.String()}
	}, nil
}

// concatWSFunc is CONCAT_WS: NULL when the separator is NULL; NULL
// arguments are skipped. It takes at least min arguments, the separator
// included.
func concatWSFunc(min int) *funcDef {
	return &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
		return buildConcatWS(env, args, min)
	}}
}

func buildConcatWS(env *Env, args []Expr, min int) (types.Type, impl, error) {
	if len(args) < min {
		return types.Type{}, nil, argErr(env, "CONCAT_WS", args)
	}
	style := env.sem().Text
	kind := types.String
	if args[0].Type().Kind == types.Bytes {
		kind = types.Bytes
	}
	return types.Type{Kind: kind}, func(a []types.Value) types.Value {
		if a[0].IsNull() {
			return types.NullValue
		}
		parts := make([]string, 0, len(a)-1)
		for i, v := range a[1:] {
			if v.IsNull() {
				continue
			}
			if v.K == types.String || v.K == types.Bytes {
				parts = append(parts, v.S)
			} else {
				parts = append(parts, ToText(v, args[i+1].Type(), style))
			}
		}
		return types.Value{K: kind, S: strings.Join(parts, a[0].S)}
	}, nil
}

// substringBounds turns SQL positions (1-based; 0 as 1; negative from the
// end) and an optional length into slice bounds of a sequence of n items.
func substringBounds(n int, a []types.Value) (int, int) {
	pos := a[0].Int()
	var start int64
	switch {
	case pos > 0:
		start = pos - 1
	case pos < 0:
		start = max(int64(n)+pos, 0)
	}
	start = min(start, int64(n))
	end := int64(n)
	if len(a) > 1 {
		l := a[1].Int()
		end = min(max(start+l, start), int64(n))
	}
	return int(start), int(end)
}

func buildPad(left bool) builder {
	name := "RPAD"
	if left {
		name = "LPAD"
	}
	return func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, name, args, 3, isStrOrBytes, isInt, isStrOrBytes); err != nil {
			return types.Type{}, nil, err
		}
		if args[0].Type().Kind == types.Bytes {
			return types.TBytes, func(a []types.Value) types.Value {
				out, ok := pad([]byte(a[0].S), int(min(a[1].Int(), 1<<30)), []byte(a[2].S), left)
				if !ok {
					return types.NullValue
				}
				return types.BytesV(out)
			}, nil
		}
		return types.TString, func(a []types.Value) types.Value {
			out, ok := pad([]rune(a[0].S), int(min(a[1].Int(), 1<<30)), []rune(a[2].S), left)
			if !ok {
				return types.NullValue
			}
			return types.StringV(string(out))
		}, nil
	}
}

// pad pads s to n items with repetitions of p, or truncates it; an empty
// pad or a negative length gives NULL (both dialects).
func pad[T rune | byte](s []T, n int, p []T, left bool) ([]T, bool) {
	if n < 0 || len(p) == 0 {
		return nil, false
	}
	if n <= len(s) {
		return s[:n], true
	}
	fill := make([]T, 0, n-len(s))
	for len(fill) < n-len(s) {
		fill = append(fill, p[len(fill)%len(p)])
	}
	if left {
		return append(fill, s...), true
	}
	return append(append([]T(nil), s...), fill...), true
}

// indexFrom is the character index of sub in s at or after character from
// (Java's indexOf: a negative start is 0), or -1.
func indexFrom(s, sub string, from int) int {
	r := []rune(s)
	from = max(from, 0)
	if from > len(r) {
		return -1
	}
	i := strings.Index(string(r[from:]), sub)
	if i < 0 {
		return -1
	}
	return from + utf8.RuneCountInString(string(r[from:])[:i])
}

// lastIndexFrom is Java's lastIndexOf(sub, from) in characters.
func lastIndexFrom(r []rune, sub []rune, from int) int {
	from = min(from, len(r)-len(sub))
	for i := from; i >= 0; i-- {
		if runesAt(r, sub, i) {
			return i
		}
	}
	return -1
}

func runesAt(r, sub []rune, i int) bool {
	if i+len(sub) > len(r) {
		return false
	}
	for j := range sub {
		if r[i+j] != sub[j] {
			return false
		}
	}
	return true
}

// instr is ksqlDB's INSTR: the 1-based position of the occ-th occurrence
// of sub, searching forward from pos or, for a negative pos, backward from
// len+pos; 0 when absent.
func instr(s, sub string, pos, occ int64) int {
	if occ < 1 {
		return 0
	}
	r, u := []rune(s), []rune(sub)
	idx := -1
	if pos < 0 {
		from := len(r) + int(pos)
		for k := int64(0); k < occ; k++ {
			if from < 0 {
				return 0
			}
			idx = lastIndexFrom(r, u, from)
			if idx < 0 {
				return 0
			}
			from = idx - 1
		}
		return idx + 1
	}
	from := int(max(pos-1, 0))
	for k := int64(0); k < occ; k++ {
		idx = -1
		for i := from; i+len(u) <= len(r); i++ {
			if runesAt(r, u, i) {
				idx = i
				break
			}
		}
		if idx < 0 {
			return 0
		}
		from = idx + 1
	}
	return idx + 1
}

// splitWhole splits on a whole separator keeping empty tokens; an empty
// separator splits on whitespace (Apache Commons' rule, which Flink uses).
func splitWhole(s, sep string) []string {
	if sep == "" {
		return strings.FieldsFunc(s, unicode.IsSpace)
	}
	return strings.Split(s, sep)
}

func mapPut(m *types.MapValue, k, v types.Value) {
	for i, x := range m.Keys {
		if sqlEqual(x, k) {
			m.Vals[i] = v
			return
		}
	}
	m.Keys = append(m.Keys, k)
	m.Vals = append(m.Vals, v)
}

func initCap(s string, sep func(rune) bool) string {
	var sb strings.Builder
	up := true
	for _, r := range s {
		if sep(r) {
			sb.WriteRune(r)
			up = true
			continue
		}
		if up {
			sb.WriteRune(unicode.ToUpper(r))
		} else {
			sb.WriteRune(unicode.ToLower(r))
		}
		up = false
	}
	return sb.String()
}

// registerTrim: TRIM(s) trims spaces (ksqlDB: Java's trim, every character
// up to U+0020); TRIM('BOTH'|'LEADING'|'TRAILING', chars, s) is the form
// the parser gives for TRIM(... FROM s); LTRIM/RTRIM/BTRIM take optional
// characters.
func registerTrim() {
	register("TRIM", trimFunc(false))
	registerVariant(TrimControlChars, trimFunc(true))
	register("BTRIM", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		return types.TString, trimFn(true, true), checkSig(env, "BTRIM", args, 1, isStr, isStr)
	}})
	register("LTRIM", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		return types.TString, trimFn(true, false), checkSig(env, "LTRIM", args, 1, isStr, isStr)
	}})
	register("RTRIM", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		return types.TString, trimFn(false, true), checkSig(env, "RTRIM", args, 1, isStr, isStr)
	}})
}

func trimFn(lead, trail bool) impl {
	return func(a []types.Value) types.Value {
		set := " "
		if len(a) > 1 {
			set = a[1].S
		}
		return types.StringV(trimSet(a[0].S, set, lead, trail))
	}
}

func trimSet(s, set string, lead, trail bool) string {
	in := func(r rune) bool { return strings.ContainsRune(set, r) }
	if lead {
		s = strings.TrimLeftFunc(s, in)
	}
	if trail {
		s = strings.TrimRightFunc(s, in)
	}
	return s
}

func registerHashes() {
	hashFn := func(name string, h func() hash.Hash) {
		simple(name, types.TString, func(a []types.Value) types.Value {
			x := h()
			x.Write([]byte(a[0].S))
			return types.StringV(hex.EncodeToString(x.Sum(nil)))
		}, 1, isStrOrBytes)
	}
	hashFn("MD5", md5.New)
	hashFn("SHA1", sha1.New)
	hashFn("SHA224", sha256.New224)
	hashFn("SHA256", sha256.New)
	hashFn("SHA384", sha512.New384)
	hashFn("SHA512", sha512.New)
	simple("SHA2", types.TString, func(a []types.Value) types.Value {
		var h hash.Hash
		switch a[1].Int() {
		case 224:
			h = sha256.New224()
		case 256, 0:
			h = sha256.New()
		case 384:
			h = sha512.New384()
		case 512:
			h = sha512.New()
		default:
			return types.NullValue
		}
		h.Write([]byte(a[0].S))
		return types.StringV(hex.EncodeToString(h.Sum(nil)))
	}, 2, isStrOrBytes, isInt)
}

// registerRegexps: the pattern is Go's RE2 syntax, which covers Java's
// except back-references and look-around; a pattern that does not compile
// gives NULL. ksqlDB's REGEXP_EXTRACT[_ALL] take (pattern, string), Flink's
// (string, pattern).
func registerRegexps() {
	register("REGEXP_EXTRACT", regexpExtract(false))
	registerVariant(RegexpPatternFirst, regexpExtract(true))
	register("REGEXP_EXTRACT_ALL", regexpExtractAll(false))
	registerVariant(RegexpAllPatternFirst, regexpExtractAll(true))
	register("REGEXP_REPLACE", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		cache := newRegexCache()
		return types.TString, func(a []types.Value) types.Value {
			re := cache.get(a[1].S)
			if re == nil {
				return types.NullValue
			}
			return types.StringV(re.ReplaceAllString(a[0].S, javaReplacement(a[2].S)))
		}, checkSig(env, "REGEXP_REPLACE", args, 3, isStr, isStr, isStr)
	}})
	register("REGEXP,REGEXP_LIKE", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		cache := newRegexCache()
		return types.TBool, func(a []types.Value) types.Value {
			re := cache.get(a[1].S)
			if re == nil {
				return types.NullValue
			}
			return types.BoolV(re.MatchString(a[0].S))
		}, checkSig(env, "REGEXP", args, 2, isStr, isStr)
	}})
	register("REGEXP_SPLIT_TO_ARRAY", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		cache := newRegexCache()
		return types.ArrayOf(types.TString), func(a []types.Value) types.Value {
			re := cache.get(a[1].S)
			if re == nil {
				return types.NullValue
			}
			parts := re.Split(a[0].S, -1)
			out := make([]types.Value, len(parts))
			for i, p := range parts {
				out[i] = types.StringV(p)
			}
			return types.ArrayV(out)
		}, checkSig(env, "REGEXP_SPLIT_TO_ARRAY", args, 2, isStr, isStr)
	}})
}

// chrFromEscape reads ksqlDB's textual code point: one \uXXXX escape, or a
// surrogate pair of them.
func chrFromEscape(s string) types.Value {
	var units []uint16
	for len(s) > 0 {
		if len(s) < 6 || s[0] != '\\' || (s[1] != 'u' && s[1] != 'U') {
			return types.NullValue
		}
		u, err := strconv.ParseUint(s[2:6], 16, 16)
		if err != nil {
			return types.NullValue
		}
		units = append(units, uint16(u))
		s = s[6:]
	}
	rs := utf16.Decode(units)
	if len(rs) != 1 || rs[0] == utf8.RuneError {
		return types.NullValue
	}
	return types.StringV(string(rs))
}

// Encodings (ksqlDB's ENCODE / TO_BYTES / FROM_BYTES): hex, utf8, ascii,
// base64. An unknown encoding or undecodable text gives NULL.

func decodeAs(s, enc string) ([]byte, bool) {
	switch strings.ToLower(enc) {
	case "hex":
		return decodeHexText(s)
	case "utf8", "utf-8":
		return []byte(s), true
	case "ascii", "us-ascii":
		b := make([]byte, 0, len(s))
		for _, r := range s {
			if r > 127 {
				r = '?'
			}
			b = append(b, byte(r))
		}
		return b, true
	case "base64":
		return decodeBase64(s)
	}
	return nil, false
}

func encodeAs(b []byte, enc string) (string, bool) {
	switch strings.ToLower(enc) {
	case "hex":
		return hex.EncodeToString(b), true
	case "utf8", "utf-8":
		return toValidUTF8(b), true
	case "ascii", "us-ascii":
		var sb strings.Builder
		for _, c := range b {
			if c > 127 {
				sb.WriteRune(utf8.RuneError)
			} else {
				sb.WriteByte(c)
			}
		}
		return sb.String(), true
	case "base64":
		return base64.StdEncoding.EncodeToString(b), true
	}
	return "", false
}

// decodeHexText reads hex digits, optionally written 0x... (an odd count is
// padded with a leading 0) or X'...'.
func decodeHexText(s string) ([]byte, bool) {
	switch {
	case strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X"):
		s = s[2:]
		if len(s)%2 == 1 {
			s = "0" + s
		}
	case len(s) >= 3 && (s[0] == 'X' || s[0] == 'x') && s[1] == '\'' && s[len(s)-1] == '\'':
		s = s[2 : len(s)-1]
	}
	b, err := hex.DecodeString(s)
	return b, err == nil
}

func decodeBase64(s string) ([]byte, bool) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, true
	}
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	return b, err == nil
}

// toValidUTF8 decodes bytes as UTF-8, replacing each malformed byte with
// U+FFFD (as Java's decoder does).
func toValidUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		sb.WriteRune(r)
		b = b[n:]
	}
	return sb.String()
}

func registerEncodings() {
	register("ENCODE", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if len(args) == 2 {
			// Flink: ENCODE(string, charset) -> BYTES.
			if err := checkSig(env, "ENCODE", args, 2, isStr, isStr); err != nil {
				return types.Type{}, nil, err
			}
			return types.TBytes, func(a []types.Value) types.Value {
				b, ok := charsetEncode(a[0].S, a[1].S)
				if !ok {
					return types.NullValue
				}
				return types.BytesV(b)
			}, nil
		}
		if err := checkSig(env, "ENCODE", args, 3, isStr, isStr, isStr); err != nil {
			return types.Type{}, nil, err
		}
		return types.TString, func(a []types.Value) types.Value {
			b, ok := decodeAs(a[0].S, a[1].S)
			if !ok {
				return types.NullValue
			}
			out, ok := encodeAs(b, a[2].S)
			if !ok {
				return types.NullValue
			}
			return types.StringV(out)
		}, nil
	}})
	simple("DECODE", types.TString, func(a []types.Value) types.Value {
		s, ok := charsetDecode([]byte(a[0].S), a[1].S)
		if !ok {
			return types.NullValue
		}
		return types.StringV(s)
	}, 2, isStrOrBytes, isStr)
	simple("TO_BYTES", types.TBytes, func(a []types.Value) types.Value {
		b, ok := decodeAs(a[0].S, a[1].S)
		if !ok {
			return types.NullValue
		}
		return types.BytesV(b)
	}, 2, isStr, isStr)
	simple("FROM_BYTES", types.TString, func(a []types.Value) types.Value {
		s, ok := encodeAs([]byte(a[0].S), a[1].S)
		if !ok {
			return types.NullValue
		}
		return types.StringV(s)
	}, 2, isBytes, isStr)
	fromBytes := func(name string, size int, rt types.Type, conv func(uint64) types.Value) {
		simple(name, rt, func(a []types.Value) types.Value {
			b := []byte(a[0].S)
			if len(b) != size {
				return types.NullValue
			}
			var order binary.ByteOrder = binary.BigEndian
			if len(a) > 1 {
				switch strings.ToUpper(a[1].S) {
				case "BIG_ENDIAN":
				case "LITTLE_ENDIAN":
					order = binary.LittleEndian
				default:
					return types.NullValue
				}
			}
			if size == 4 {
				return conv(uint64(order.Uint32(b)))
			}
			return conv(order.Uint64(b))
		}, 1, isBytes, isStr)
	}
	fromBytes("INT_FROM_BYTES", 4, types.TInt, func(u uint64) types.Value { return types.IntV(int64(int32(uint32(u)))) })
	fromBytes("BIGINT_FROM_BYTES", 8, types.TBigInt, func(u uint64) types.Value { return types.BigIntV(int64(u)) })
	fromBytes("DOUBLE_FROM_BYTES", 8, types.TDouble, func(u uint64) types.Value { return types.DoubleV(math.Float64frombits(u)) })
}

// charsetEncode / charsetDecode are Flink's ENCODE / DECODE character sets.
func charsetEncode(s, cs string) ([]byte, bool) {
	switch strings.ToUpper(cs) {
	case "UTF-8", "UTF8":
		return []byte(s), true
	case "US-ASCII", "ISO-8859-1":
		limit := rune(127)
		if strings.ToUpper(cs) == "ISO-8859-1" {
			limit = 255
		}
		b := make([]byte, 0, len(s))
		for _, r := range s {
			if r > limit {
				r = '?'
			}
			b = append(b, byte(r))
		}
		return b, true
	case "UTF-16BE", "UTF-16LE", "UTF-16":
		units := utf16.Encode([]rune(s))
		var b []byte
		var order binary.AppendByteOrder = binary.BigEndian
		if strings.ToUpper(cs) == "UTF-16LE" {
			order = binary.LittleEndian
		}
		if strings.ToUpper(cs) == "UTF-16" {
			b = append(b, 0xFE, 0xFF)
		}
		for _, u := range units {
			b = order.AppendUint16(b, u)
		}
		return b, true
	}
	return nil, false
}

func charsetDecode(b []byte, cs string) (string, bool) {
	switch strings.ToUpper(cs) {
	case "UTF-8", "UTF8":
		return toValidUTF8(b), true
	case "US-ASCII":
		return encodeAs(b, "ascii")
	case "ISO-8859-1":
		rs := make([]rune, len(b))
		for i, c := range b {
			rs[i] = rune(c)
		}
		return string(rs), true
	case "UTF-16BE", "UTF-16LE", "UTF-16":
		var order binary.ByteOrder = binary.BigEndian
		switch {
		case strings.ToUpper(cs) == "UTF-16LE":
			order = binary.LittleEndian
		case len(b) >= 2 && b[0] == 0xFF && b[1] == 0xFE:
			order, b = binary.LittleEndian, b[2:]
		case len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF:
			b = b[2:]
		}
		units := make([]uint16, 0, len(b)/2)
		for i := 0; i+1 < len(b); i += 2 {
			units = append(units, order.Uint16(b[i:]))
		}
		return string(utf16.Decode(units)), true
	}
	return "", false
}

// Masks (ksqlDB's MASK family). The optional characters replace upper-case
// letters, lower-case letters, digits and other characters; NULL leaves
// that class as it is.

type masker struct {
	repl [4]rune
	on   [4]bool
}

func newMasker(a []types.Value) masker {
	m := masker{repl: [4]rune{'X', 'x', 'n', '-'}, on: [4]bool{true, true, true, true}}
	for i := 0; i < 4 && i < len(a); i++ {
		if a[i].IsNull() || a[i].S == "" {
			m.on[i] = false
			continue
		}
		m.repl[i], _ = utf8.DecodeRuneInString(a[i].S)
	}
	return m
}

func (m masker) mask(r rune) rune {
	c := 3
	switch {
	case unicode.IsUpper(r):
		c = 0
	case unicode.IsLower(r):
		c = 1
	case unicode.IsDigit(r):
		c = 2
	}
	if !m.on[c] {
		return r
	}
	return m.repl[c]
}

func registerMasks() {
	register("MASK", &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "MASK", args, 1, isStr, isStr, isStr, isStr, isStr); err != nil {
			return types.Type{}, nil, err
		}
		return types.TString, func(a []types.Value) types.Value {
			if a[0].IsNull() {
				return types.NullValue
			}
			m := newMasker(a[1:])
			return types.StringV(strings.Map(m.mask, a[0].S))
		}, nil
	}})
	// which reports whether the character at i of n is masked, given k.
	part := func(name string, which func(i, n, k int) bool) {
		register(name, &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
			if err := checkSig(env, name, args, 2, isStr, isInt, isStr, isStr, isStr, isStr); err != nil {
				return types.Type{}, nil, err
			}
			return types.TString, func(a []types.Value) types.Value {
				if a[0].IsNull() || a[1].IsNull() || a[1].Int() < 0 {
					return types.NullValue
				}
				m := newMasker(a[2:])
				r := []rune(a[0].S)
				k := int(min(a[1].Int(), int64(len(r))))
				for i := range r {
					if which(i, len(r), k) {
						r[i] = m.mask(r[i])
					}
				}
				return types.StringV(string(r))
			}, nil
		}})
	}
	part("MASK_LEFT", func(i, n, k int) bool { return i < k })
	part("MASK_RIGHT", func(i, n, k int) bool { return i >= n-k })
	part("MASK_KEEP_LEFT", func(i, n, k int) bool { return i >= k })
	part("MASK_KEEP_RIGHT", func(i, n, k int) bool { return i < n-k })
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("uuid: %v", err))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// trimFunc is TRIM: TRIM(s) trims spaces, or with javaTrim every
// character up to U+0020 (Java's String.trim, ksqlDB).
func trimFunc(javaTrim bool) *funcDef {
	return &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if len(args) == 3 {
			if err := checkSig(env, "TRIM", args, 3, isStr, isStr, isStr); err != nil {
				return types.Type{}, nil, err
			}
			dir, ok := constString(args[0])
			if !ok {
				return types.Type{}, nil, typeErr("TRIM needs BOTH, LEADING or TRAILING")
			}
			lead, trail := dir != "TRAILING", dir != "LEADING"
			return types.TString, func(a []types.Value) types.Value {
				return types.StringV(trimSet(a[2].S, a[1].S, lead, trail))
			}, nil
		}
		if err := checkSig(env, "TRIM", args, 1, isStr, isStr); err != nil {
			return types.Type{}, nil, err
		}
		if len(args) == 1 && javaTrim {
			return types.TString, func(a []types.Value) types.Value {
				return types.StringV(strings.TrimFunc(a[0].S, func(r rune) bool { return r <= ' ' }))
			}, nil
		}
		return types.TString, trimFn(true, true), nil
	}}
}

// initCapFunc is INITCAP: the first letter of each word upper case, the
// others lower; sep tells the characters between words.
func initCapFunc(sep func(rune) bool) *funcDef {
	return &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "INITCAP", args, 1, isStr); err != nil {
			return types.Type{}, nil, err
		}
		return types.TString, func(a []types.Value) types.Value {
			return types.StringV(initCap(a[0].S, sep))
		}, nil
	}}
}

// regexpExtract is REGEXP_EXTRACT(s, pattern[, group]), or with
// patternFirst REGEXP_EXTRACT(pattern, s[, group]) (ksqlDB).
func regexpExtract(patternFirst bool) *funcDef {
	return &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "REGEXP_EXTRACT", args, 2, isStr, isStr, isInt); err != nil {
			return types.Type{}, nil, err
		}
		cache := newRegexCache()
		return types.TString, func(a []types.Value) types.Value {
			str, pat := a[0].S, a[1].S
			if patternFirst {
				str, pat = pat, str
			}
			re := cache.get(pat)
			if re == nil {
				return types.NullValue
			}
			idx := 0
			if len(a) == 3 {
				idx = int(a[2].Int())
			}
			if idx < 0 || idx > re.NumSubexp() {
				return types.NullValue
			}
			m := re.FindStringSubmatchIndex(str)
			if m == nil || m[2*idx] < 0 {
				return types.NullValue
			}
			return types.StringV(str[m[2*idx]:m[2*idx+1]])
		}, nil
	}}
}

// regexpExtractAll is REGEXP_EXTRACT_ALL(s, pattern[, group]) with group
// 1 by default, or with patternFirst REGEXP_EXTRACT_ALL(pattern, s[,
// group]) with group 0 by default (ksqlDB).
func regexpExtractAll(patternFirst bool) *funcDef {
	return &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "REGEXP_EXTRACT_ALL", args, 2, isStr, isStr, isInt); err != nil {
			return types.Type{}, nil, err
		}
		cache := newRegexCache()
		return types.ArrayOf(types.TString), func(a []types.Value) types.Value {
			str, pat := a[0].S, a[1].S
			idx := 1 // Flink's default group
			if patternFirst {
				str, pat = pat, str
				idx = 0
			}
			if len(a) == 3 {
				idx = int(a[2].Int())
			}
			re := cache.get(pat)
			if re == nil || idx < 0 || idx > re.NumSubexp() {
				return types.NullValue
			}
			out := []types.Value{}
			for _, m := range re.FindAllStringSubmatchIndex(str, -1) {
				if m[2*idx] < 0 {
					out = append(out, types.NullValue)
					continue
				}
				out = append(out, types.StringV(str[m[2*idx]:m[2*idx+1]]))
			}
			return types.ArrayV(out)
		}, nil
	}}
}
