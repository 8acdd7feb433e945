package expr

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/tumble/tumble/engine/types"
)

// JSON functions: ksqlDB's EXTRACTJSONFIELD, IS_JSON_STRING, JSON_* and
// TO_JSON_STRING; Flink's JSON_VALUE, JSON_QUERY, JSON_EXISTS, IS_JSON,
// JSON_STRING, JSON_ARRAY and JSON_OBJECT. Documents are parsed into a
// small tree that keeps the order of keys and the text of numbers, so that
// values come back as they were written ("1.23450").

type jsonKind uint8

const (
	jNull jsonKind = iota
	jBool
	jNum
	jStr
	jArr
	jObj
)

type jnode struct {
	kind jsonKind
	b    bool
	s    string // a number's text or a string's value
	arr  []*jnode
	keys []string
	vals []*jnode
}

var errBadJSON = errors.New("invalid JSON")

// parseJSON parses a JSON document. With lenient, text after the first
// value is ignored (as Jackson's readTree does); otherwise it is an error.
func parseJSON(s string, lenient bool) (*jnode, error) {
	p := &jparser{s: s}
	p.ws()
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.ws()
	if !lenient && p.i != len(p.s) {
		return nil, errBadJSON
	}
	return n, nil
}

type jparser struct {
	s string
	i int
}

func (p *jparser) ws() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jparser) value(depth int) (*jnode, error) {
	if depth > 512 || p.i >= len(p.s) {
		return nil, errBadJSON
	}
	switch c := p.s[p.i]; {
	case c == '{':
		p.i++
		n := &jnode{kind: jObj}
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == '}' {
			p.i++
			return n, nil
		}
		for {
			p.ws()
			if p.i >= len(p.s) || p.s[p.i] != '"' {
				return nil, errBadJSON
			}
			k, err := p.str()
			if err != nil {
				return nil, err
			}
			p.ws()
			if p.i >= len(p.s) || p.s[p.i] != ':' {
				return nil, errBadJSON
			}
			p.i++
			p.ws()
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			n.objSet(k, v)
			p.ws()
			if p.i >= len(p.s) {
				return nil, errBadJSON
			}
			if p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.s[p.i] == '}' {
				p.i++
				return n, nil
			}
			return nil, errBadJSON
		}
	case c == '[':
		p.i++
		n := &jnode{kind: jArr, arr: []*jnode{}}
		p.ws()
		if p.i < len(p.s) && p.s[p.i] == ']' {
			p.i++
			return n, nil
		}
		for {
			p.ws()
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			n.arr = append(n.arr, v)
			p.ws()
			if p.i >= len(p.s) {
				return nil, errBadJSON
			}
			if p.s[p.i] == ',' {
				p.i++
				continue
			}
			if p.s[p.i] == ']' {
				p.i++
				return n, nil
			}
			return nil, errBadJSON
		}
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return &jnode{kind: jStr, s: s}, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case strings.HasPrefix(p.s[p.i:], "true"):
		p.i += 4
		return &jnode{kind: jBool, b: true}, nil
	case strings.HasPrefix(p.s[p.i:], "false"):
		p.i += 5
		return &jnode{kind: jBool}, nil
	case strings.HasPrefix(p.s[p.i:], "null"):
		p.i += 4
		return &jnode{kind: jNull}, nil
	}
	return nil, errBadJSON
}

func (p *jparser) number() (*jnode, error) {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	digits := func() int {
		n := 0
		for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
			p.i++
			n++
		}
		return n
	}
	if p.i < len(p.s) && p.s[p.i] == '0' {
		p.i++
	} else if digits() == 0 {
		return nil, errBadJSON
	}
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		if digits() == 0 {
			return nil, errBadJSON
		}
	}
	if p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E') {
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if digits() == 0 {
			return nil, errBadJSON
		}
	}
	return &jnode{kind: jNum, s: p.s[start:p.i]}, nil
}

func (p *jparser) str() (string, error) {
	p.i++ // opening quote
	var sb strings.Builder
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '"':
			p.i++
			return sb.String(), nil
		case c == '\\':
			if p.i+1 >= len(p.s) {
				return "", errBadJSON
			}
			e := p.s[p.i+1]
			p.i += 2
			switch e {
			case '"', '\\', '/':
				sb.WriteByte(e)
			case 'b':
				sb.WriteByte('\b')
			case 'f':
				sb.WriteByte('\f')
			case 'n':
				sb.WriteByte('\n')
			case 'r':
				sb.WriteByte('\r')
			case 't':
				sb.WriteByte('\t')
			case 'u':
				r, ok := p.hex4()
				if !ok {
					return "", errBadJSON
				}
				if utf16.IsSurrogate(r) && strings.HasPrefix(p.s[p.i:], "\\u") {
					p.i += 2
					r2, ok := p.hex4()
					if !ok {
						return "", errBadJSON
					}
					r = utf16.DecodeRune(r, r2)
				}
				sb.WriteRune(r)
			default:
				return "", errBadJSON
			}
		case c < 0x20:
			return "", errBadJSON
		default:
			sb.WriteByte(c)
			p.i++
		}
	}
	return "", errBadJSON
}

func (p *jparser) hex4() (rune, bool) {
	if p.i+4 > len(p.s) {
		return 0, false
	}
	v, err := strconv.ParseUint(p.s[p.i:p.i+4], 16, 32)
	if err != nil {
		return 0, false
	}
	p.i += 4
	return rune(v), true
}

// objSet sets a key, keeping the position of an existing one.
func (n *jnode) objSet(k string, v *jnode) {
	for i, x := range n.keys {
		if x == k {
			n.vals[i] = v
			return
		}
	}
	n.keys = append(n.keys, k)
	n.vals = append(n.vals, v)
}

// appendJSON writes n compactly.
func (n *jnode) appendJSON(b []byte) []byte {
	switch n.kind {
	case jNull:
		return append(b, "null"...)
	case jBool:
		return strconv.AppendBool(b, n.b)
	case jNum:
		return append(b, n.s...)
	case jStr:
		return types.AppendJSONString(b, n.s)
	case jArr:
		b = append(b, '[')
		for i, x := range n.arr {
			if i > 0 {
				b = append(b, ',')
			}
			b = x.appendJSON(b)
		}
		return append(b, ']')
	}
	b = append(b, '{')
	for i, k := range n.keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = types.AppendJSONString(b, k)
		b = append(b, ':')
		b = n.vals[i].appendJSON(b)
	}
	return append(b, '}')
}

func (n *jnode) String() string { return string(n.appendJSON(nil)) }

// text is a node as ksqlDB's functions return it: strings without quotes,
// everything else as JSON.
func (n *jnode) text() string {
	if n.kind == jStr {
		return n.s
	}
	return n.String()
}

// A JSON path: $ followed by .name, ['name'], [n], [*] and .* steps,
// optionally after Flink's "lax" / "strict" mode word.

type jstep struct {
	name     string
	index    int
	isIndex  bool
	wildcard bool
}

type jpath struct {
	steps  []jstep
	strict bool
	multi  bool // a wildcard may select several values
}

func parseJSONPath(s string) (*jpath, error) {
	s = strings.TrimSpace(s)
	p := &jpath{}
	if rest, ok := strings.CutPrefix(s, "strict "); ok {
		p.strict, s = true, strings.TrimSpace(rest)
	} else if rest, ok := strings.CutPrefix(s, "lax "); ok {
		s = strings.TrimSpace(rest)
	}
	if !strings.HasPrefix(s, "$") {
		return nil, errors.New("a JSON path starts with $")
	}
	i := 1
	for i < len(s) {
		switch s[i] {
		case '.':
			i++
			if i < len(s) && s[i] == '[' {
				continue
			}
			if i < len(s) && s[i] == '*' {
				p.steps = append(p.steps, jstep{wildcard: true})
				p.multi = true
				i++
				continue
			}
			j := i
			for j < len(s) && s[j] != '.' && s[j] != '[' {
				j++
			}
			if j == i {
				return nil, errors.New("empty name in JSON path")
			}
			p.steps = append(p.steps, jstep{name: s[i:j]})
			i = j
		case '[':
			end := strings.IndexByte(s[i:], ']')
			if end < 0 {
				return nil, errors.New("unclosed [ in JSON path")
			}
			in := strings.TrimSpace(s[i+1 : i+end])
			switch {
			case in == "*":
				p.steps = append(p.steps, jstep{wildcard: true})
				p.multi = true
			case len(in) >= 2 && (in[0] == '\'' || in[0] == '"') && in[len(in)-1] == in[0]:
				p.steps = append(p.steps, jstep{name: in[1 : len(in)-1]})
			default:
				n, err := strconv.Atoi(in)
				if err != nil {
					return nil, errors.New("bad index in JSON path")
				}
				p.steps = append(p.steps, jstep{index: n, isIndex: true})
			}
			i += end + 1
		default:
			return nil, errors.New("unexpected character in JSON path")
		}
	}
	return p, nil
}

// eval returns the nodes the path selects; ok is false when a strict path
// does not match the document's structure.
func (p *jpath) eval(n *jnode) ([]*jnode, bool) {
	cur := []*jnode{n}
	for _, st := range p.steps {
		var next []*jnode
		for _, x := range cur {
			switch {
			case st.wildcard:
				switch x.kind {
				case jArr:
					next = append(next, x.arr...)
				case jObj:
					next = append(next, x.vals...)
				default:
					if p.strict {
						return nil, false
					}
				}
			case st.isIndex:
				if x.kind != jArr || st.index < 0 || st.index >= len(x.arr) {
					if p.strict {
						return nil, false
					}
					continue
				}
				next = append(next, x.arr[st.index])
			default:
				found := false
				if x.kind == jObj {
					for i, k := range x.keys {
						if k == st.name {
							next = append(next, x.vals[i])
							found = true
							break
						}
					}
				}
				if !found && p.strict {
					return nil, false
				}
			}
		}
		cur = next
	}
	return cur, true
}

// pathCache compiles constant paths once.
func pathFor(args []Expr, i int) func(string) *jpath {
	if s, ok := constString(args[i]); ok {
		p, err := parseJSONPath(s)
		return func(string) *jpath {
			if err != nil {
				return nil
			}
			return p
		}
	}
	return func(s string) *jpath {
		p, err := parseJSONPath(s)
		if err != nil {
			return nil
		}
		return p
	}
}

func registerJSONFuncs() {
	register("EXTRACTJSONFIELD", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "EXTRACTJSONFIELD", args, 2, isStr, isStr); err != nil {
			return types.Type{}, nil, err
		}
		path := pathFor(args, 1)
		return types.TString, func(a []types.Value) types.Value {
			p := path(a[1].S)
			doc, err := parseJSON(a[0].S, true)
			if p == nil || err != nil {
				return types.NullValue
			}
			got, _ := p.eval(doc)
			if len(got) != 1 || got[0].kind == jNull {
				return types.NullValue
			}
			return types.StringV(got[0].text())
		}, nil
	}})
	register("IS_JSON_STRING", &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
		return types.Type{Kind: types.Boolean, NotNull: true}, func(a []types.Value) types.Value {
			if a[0].IsNull() {
				return types.BoolV(false)
			}
			_, err := parseJSON(a[0].S, true)
			return types.BoolV(err == nil)
		}, checkSig(env, "IS_JSON_STRING", args, 1, isStr)
	}})
	simple("JSON_ARRAY_LENGTH", types.TInt, func(a []types.Value) types.Value {
		doc, err := parseJSON(a[0].S, true)
		if err != nil || doc.kind != jArr {
			return types.NullValue
		}
		return types.IntV(int64(len(doc.arr)))
	}, 1, isStr)
	simple("JSON_KEYS", types.ArrayOf(types.TString), func(a []types.Value) types.Value {
		doc, err := parseJSON(a[0].S, true)
		if err != nil || doc.kind != jObj {
			return types.NullValue
		}
		out := make([]types.Value, len(doc.keys))
		for i, k := range doc.keys {
			out[i] = types.StringV(k)
		}
		return types.ArrayV(out)
	}, 1, isStr)
	simple("JSON_RECORDS", types.MapOf(types.TString, types.TString), func(a []types.Value) types.Value {
		doc, err := parseJSON(a[0].S, true)
		if err != nil || doc.kind != jObj {
			return types.NullValue
		}
		m := &types.MapValue{Keys: make([]types.Value, len(doc.keys)), Vals: make([]types.Value, len(doc.keys))}
		for i, k := range doc.keys {
			m.Keys[i] = types.StringV(k)
			m.Vals[i] = types.StringV(doc.vals[i].text())
		}
		return types.MapV(m)
	}, 1, isStr)
	register("JSON_CONCAT", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if len(args) == 0 {
			return types.Type{}, nil, argErr(env, "JSON_CONCAT", args)
		}
		for _, x := range args {
			if !isStr(x.Type()) {
				return types.Type{}, nil, argErr(env, "JSON_CONCAT", args)
			}
		}
		return types.TString, func(a []types.Value) types.Value {
			docs := make([]*jnode, len(a))
			allObjects := true
			for i, v := range a {
				d, err := parseJSON(v.S, true)
				if err != nil {
					return types.NullValue
				}
				docs[i] = d
				allObjects = allObjects && d.kind == jObj
			}
			out := &jnode{kind: jArr, arr: []*jnode{}}
			if allObjects {
				out = &jnode{kind: jObj}
				for _, d := range docs {
					for i, k := range d.keys {
						out.objSet(k, d.vals[i])
					}
				}
			} else {
				for _, d := range docs {
					if d.kind == jArr {
						out.arr = append(out.arr, d.arr...)
					} else {
						out.arr = append(out.arr, d)
					}
				}
			}
			return types.StringV(out.String())
		}, nil
	}})
	register("JSON_ARRAY_CONTAINS", &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "JSON_ARRAY_CONTAINS", args, 2, isStr, isAny); err != nil {
			return types.Type{}, nil, err
		}
		return types.Type{Kind: types.Boolean, NotNull: true}, func(a []types.Value) types.Value {
			if a[0].IsNull() {
				return types.BoolV(false)
			}
			doc, err := parseJSON(a[0].S, true)
			if err != nil || doc.kind != jArr {
				return types.BoolV(false)
			}
			for _, e := range doc.arr {
				if jsonMatches(e, a[1]) {
					return types.BoolV(true)
				}
			}
			return types.BoolV(false)
		}, nil
	}})
	register("TO_JSON_STRING", &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "TO_JSON_STRING", args, 1, isAny); err != nil {
			return types.Type{}, nil, err
		}
		t := args[0].Type()
		return types.Type{Kind: types.String, NotNull: true}, func(a []types.Value) types.Value {
			return types.StringV(string(appendValueJSON(nil, a[0], t, TextJava)))
		}, nil
	}})
	register("JSON_STRING", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "JSON_STRING", args, 1, isAny); err != nil {
			return types.Type{}, nil, err
		}
		t := args[0].Type()
		return types.TString, func(a []types.Value) types.Value {
			return types.StringV(string(appendValueJSON(nil, a[0], t, TextSQL)))
		}, nil
	}})
	register("JSON_VALUE", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "JSON_VALUE", args, 2, isStr, isStr); err != nil {
			return types.Type{}, nil, err
		}
		path := pathFor(args, 1)
		return types.TString, func(a []types.Value) types.Value {
			p := path(a[1].S)
			doc, err := parseJSON(a[0].S, false)
			if p == nil || err != nil {
				return types.NullValue
			}
			got, ok := p.eval(doc)
			if !ok || len(got) != 1 {
				return types.NullValue
			}
			switch got[0].kind {
			case jNull, jArr, jObj:
				return types.NullValue
			}
			return types.StringV(got[0].text())
		}, nil
	}})
	register("JSON_QUERY", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "JSON_QUERY", args, 2, isStr, isStr); err != nil {
			return types.Type{}, nil, err
		}
		path := pathFor(args, 1)
		return types.TString, func(a []types.Value) types.Value {
			p := path(a[1].S)
			doc, err := parseJSON(a[0].S, false)
			if p == nil || err != nil {
				return types.NullValue
			}
			got, ok := p.eval(doc)
			if !ok || len(got) == 0 {
				return types.NullValue
			}
			if p.multi {
				return types.StringV((&jnode{kind: jArr, arr: got}).String())
			}
			if got[0].kind != jArr && got[0].kind != jObj {
				return types.NullValue
			}
			return types.StringV(got[0].String())
		}, nil
	}})
	register("JSON_EXISTS", &funcDef{build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "JSON_EXISTS", args, 2, isStr, isStr); err != nil {
			return types.Type{}, nil, err
		}
		path := pathFor(args, 1)
		return types.TBool, func(a []types.Value) types.Value {
			p := path(a[1].S)
			doc, err := parseJSON(a[0].S, false)
			if p == nil || err != nil {
				return types.BoolV(false)
			}
			got, ok := p.eval(doc)
			return types.BoolV(ok && len(got) > 0)
		}, nil
	}})
	register("IS_JSON", &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := checkSig(env, "IS_JSON", args, 1, isStr, isStr); err != nil {
			return types.Type{}, nil, err
		}
		return types.Type{Kind: types.Boolean, NotNull: true}, func(a []types.Value) types.Value {
			if a[0].IsNull() {
				return types.BoolV(false)
			}
			doc, err := parseJSON(a[0].S, false)
			if err != nil {
				return types.BoolV(false)
			}
			want := "VALUE"
			if len(a) > 1 && !a[1].IsNull() {
				want = strings.ToUpper(a[1].S)
			}
			switch want {
			case "SCALAR":
				return types.BoolV(doc.kind != jArr && doc.kind != jObj)
			case "ARRAY":
				return types.BoolV(doc.kind == jArr)
			case "OBJECT":
				return types.BoolV(doc.kind == jObj)
			}
			return types.BoolV(true)
		}, nil
	}})
	register("JSON_ARRAY", &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
		raw := rawJSONArgs(args)
		return types.Type{Kind: types.String, NotNull: true}, func(a []types.Value) types.Value {
			b := []byte{'['}
			first := true
			for i, v := range a {
				if v.IsNull() {
					continue // ABSENT ON NULL
				}
				if !first {
					b = append(b, ',')
				}
				first = false
				if raw[i] {
					b = append(b, v.S...)
				} else {
					b = appendValueJSON(b, v, args[i].Type(), TextSQL)
				}
			}
			return types.StringV(string(append(b, ']')))
		}, nil
	}})
	register("JSON_OBJECT", &funcDef{lazy: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if len(args)%2 != 0 {
			return types.Type{}, nil, argErr(env, "JSON_OBJECT", args)
		}
		for i := 0; i < len(args); i += 2 {
			if !isStr(args[i].Type()) {
				return types.Type{}, nil, argErr(env, "JSON_OBJECT", args)
			}
		}
		raw := rawJSONArgs(args)
		return types.Type{Kind: types.String, NotNull: true}, func(a []types.Value) types.Value {
			b := []byte{'{'}
			for i := 0; i < len(a); i += 2 {
				if a[i].IsNull() {
					Fail("JSON_OBJECT: a key is NULL")
				}
				if i > 0 {
					b = append(b, ',')
				}
				b = types.AppendJSONString(b, a[i].S)
				b = append(b, ':')
				if raw[i+1] && !a[i+1].IsNull() {
					b = append(b, a[i+1].S...)
				} else {
					b = appendValueJSON(b, a[i+1], args[i+1].Type(), TextSQL) // NULL ON NULL
				}
			}
			return types.StringV(string(append(b, '}')))
		}, nil
	}})
}

// rawJSONArgs marks arguments that are JSON built by JSON_ARRAY or
// JSON_OBJECT, which nest as JSON rather than as strings.
func rawJSONArgs(args []Expr) []bool {
	raw := make([]bool, len(args))
	for i, x := range args {
		if c, ok := x.(*Call); ok && (c.Name == "JSON_ARRAY" || c.Name == "JSON_OBJECT") {
			raw[i] = true
		}
	}
	return raw
}

// jsonMatches compares a JSON array element with a SQL value of the kind
// JSON_ARRAY_CONTAINS looks for.
func jsonMatches(n *jnode, v types.Value) bool {
	switch {
	case v.IsNull():
		return n.kind == jNull
	case v.K == types.String:
		return n.kind == jStr && n.s == v.S
	case v.K == types.Boolean:
		return n.kind == jBool && n.b == (v.I != 0)
	case v.K.IsInteger():
		if n.kind != jNum || strings.ContainsAny(n.s, ".eE") {
			return false
		}
		i, err := strconv.ParseInt(n.s, 10, 64)
		return err == nil && i == v.I
	case v.K.IsNumeric():
		if n.kind != jNum {
			return false
		}
		f, err := strconv.ParseFloat(n.s, 64)
		return err == nil && f == v.Float()
	}
	return false
}

// appendValueJSON writes a SQL value as JSON. ksqlDB's TO_JSON_STRING
// writes DATE as "yyyy-MM-dd", TIME as Java's LocalTime text and
// TIMESTAMP as "yyyy-MM-ddTHH:mm:ss.SSS" (UTC); BYTES as base64.
func appendValueJSON(b []byte, v types.Value, t types.Type, style TextStyle) []byte {
	if v.IsNull() {
		return append(b, "null"...)
	}
	switch v.K {
	case types.Boolean:
		return strconv.AppendBool(b, v.I != 0)
	case types.TinyInt, types.SmallInt, types.Int, types.BigInt:
		return strconv.AppendInt(b, v.I, 10)
	case types.Float, types.Double:
		s := types.FormatFloat(v.Float(), 64)
		if s == "NaN" || strings.HasSuffix(s, "Infinity") {
			return types.AppendJSONString(b, s)
		}
		return append(b, s...)
	case types.Decimal:
		return append(b, types.FormatDecimal(v.I, int(v.Scale))...)
	case types.String:
		return types.AppendJSONString(b, v.S)
	case types.Bytes:
		return types.AppendJSONString(b, base64.StdEncoding.EncodeToString([]byte(v.S)))
	case types.Date:
		return types.AppendJSONString(b, types.FormatDate(v.I))
	case types.Time:
		return types.AppendJSONString(b, javaLocalTime(v.I))
	case types.Timestamp, types.TimestampLTZ:
		if style == TextJava {
			return types.AppendJSONString(b, types.FormatTimestamp(v.I, 3, 'T'))
		}
		return types.AppendJSONString(b, string(types.AppendTimestamp(nil, v.I, 6, 'T', true)))
	case types.Array:
		et := elemOf(t)
		b = append(b, '[')
		for i, e := range v.Elems() {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendValueJSON(b, e, et, style)
		}
		return append(b, ']')
	case types.Map:
		kt, vt := keyOf(t), elemOf(t)
		b = append(b, '{')
		if m := v.MapVal(); m != nil {
			for i := range m.Keys {
				if i > 0 {
					b = append(b, ',')
				}
				k := m.Keys[i]
				if k.K == types.String {
					b = types.AppendJSONString(b, k.S)
				} else {
					b = types.AppendJSONString(b, ToText(k, kt, style))
				}
				b = append(b, ':')
				b = appendValueJSON(b, m.Vals[i], vt, style)
			}
		}
		return append(b, '}')
	case types.Struct:
		b = append(b, '{')
		fs := v.Elems()
		for i, f := range t.Fields {
			if i > 0 {
				b = append(b, ',')
			}
			b = types.AppendJSONString(b, f.Name)
			b = append(b, ':')
			x := types.NullValue
			if i < len(fs) {
				x = fs[i]
			}
			b = appendValueJSON(b, x, f.Type, style)
		}
		return append(b, '}')
	}
	return types.AppendJSONString(b, v.String())
}

// javaLocalTime renders micros of day as java.time.LocalTime.toString:
// HH:mm, then :ss and a fraction only when not zero.
func javaLocalTime(us int64) string {
	s := types.FormatTime(us, 6) // HH:mm:ss.ffffff
	hm, sec, frac := s[:5], s[6:8], strings.TrimRight(s[9:], "0")
	switch {
	case frac != "":
		for len(frac)%3 != 0 {
			frac += "0"
		}
		return hm + ":" + sec + "." + frac
	case sec != "00":
		return hm + ":" + sec
	}
	return hm
}
