package expr

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/tumble/tumble/engine/types"
)

// URL functions: ksqlDB's URL_* family (RFC 3986 URIs, parts decoded,
// application/x-www-form-urlencoded for parameters) and Flink's PARSE_URL
// (java.net.URL parts, as written). A string that is not a valid URI gives
// NULL.

// parseURI parses s as a URI, refusing the characters java.net.URI refuses.
func parseURI(s string) *url.URL {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c <= ' ' || c == 0x7f:
			return nil
		case strings.IndexByte("\"<>\\^`{|}", c) >= 0:
			return nil
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return nil
			}
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil
	}
	return u
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// formEncode is Java's URLEncoder (UTF-8): letters, digits and . - * _
// stay, a space becomes +, everything else %XX.
func formEncode(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '*' || c == '_':
			sb.WriteByte(c)
		case c == ' ':
			sb.WriteByte('+')
		default:
			sb.WriteByte('%')
			sb.WriteByte("0123456789ABCDEF"[c>>4])
			sb.WriteByte("0123456789ABCDEF"[c&0xF])
		}
	}
	return sb.String()
}

// formDecode is Java's URLDecoder: + is a space, %XX a byte.
func formDecode(s string) (string, bool) {
	out, err := url.QueryUnescape(s)
	return out, err == nil
}

func registerURLFuncs() {
	simple("URL_ENCODE_PARAM", types.TString, func(a []types.Value) types.Value {
		return types.StringV(formEncode(a[0].S))
	}, 1, isStr)
	simple("URL_DECODE_PARAM", types.TString, func(a []types.Value) types.Value {
		s, ok := formDecode(a[0].S)
		if !ok {
			return types.NullValue
		}
		return types.StringV(s)
	}, 1, isStr)
	part := func(name string, rt types.Type, get func(u *url.URL, raw string) types.Value) {
		simple(name, rt, func(a []types.Value) types.Value {
			u := parseURI(a[0].S)
			if u == nil {
				return types.NullValue
			}
			return get(u, a[0].S)
		}, 1, isStr)
	}
	part("URL_EXTRACT_PROTOCOL", types.TString, func(u *url.URL, _ string) types.Value {
		if u.Scheme == "" {
			return types.NullValue
		}
		return types.StringV(u.Scheme)
	})
	part("URL_EXTRACT_HOST", types.TString, func(u *url.URL, _ string) types.Value {
		if h := u.Hostname(); h != "" {
			return types.StringV(h)
		}
		return types.NullValue
	})
	part("URL_EXTRACT_PORT", types.TInt, func(u *url.URL, _ string) types.Value {
		p, err := strconv.Atoi(u.Port())
		if err != nil {
			return types.NullValue
		}
		return types.IntV(int64(p))
	})
	part("URL_EXTRACT_PATH", types.TString, func(u *url.URL, _ string) types.Value {
		if u.Opaque != "" {
			return types.NullValue
		}
		return types.StringV(u.Path)
	})
	part("URL_EXTRACT_QUERY", types.TString, func(u *url.URL, _ string) types.Value {
		if u.RawQuery == "" && !u.ForceQuery {
			return types.NullValue
		}
		q, err := url.PathUnescape(u.RawQuery)
		if err != nil {
			return types.NullValue
		}
		return types.StringV(q)
	})
	part("URL_EXTRACT_FRAGMENT", types.TString, func(u *url.URL, raw string) types.Value {
		if !strings.Contains(raw, "#") {
			return types.NullValue
		}
		return types.StringV(u.Fragment)
	})
	simple("URL_EXTRACT_PARAMETER", types.TString, func(a []types.Value) types.Value {
		u := parseURI(a[0].S)
		if u == nil {
			return types.NullValue
		}
		for _, pair := range strings.Split(u.RawQuery, "&") {
			k, v, hasValue := strings.Cut(pair, "=")
			name, ok := formDecode(k)
			if !ok || name != a[1].S {
				continue
			}
			if !hasValue {
				return types.NullValue
			}
			out, ok := formDecode(v)
			if !ok {
				return types.NullValue
			}
			return types.StringV(out)
		}
		return types.NullValue
	}, 2, isStr, isStr)
	simple("PARSE_URL", types.TString, func(a []types.Value) types.Value {
		u, err := url.Parse(a[0].S)
		if err != nil || u.Scheme == "" || u.Opaque != "" {
			return types.NullValue
		}
		path := u.EscapedPath()
		str := func(s string, present bool) types.Value {
			if !present {
				return types.NullValue
			}
			return types.StringV(s)
		}
		hasQuery := u.RawQuery != "" || u.ForceQuery
		switch strings.ToUpper(a[1].S) {
		case "HOST":
			return types.StringV(u.Hostname())
		case "PATH":
			return types.StringV(path)
		case "QUERY":
			if len(a) > 2 {
				for _, pair := range strings.Split(u.RawQuery, "&") {
					if k, v, ok := strings.Cut(pair, "="); ok && k == a[2].S {
						return types.StringV(v)
					}
				}
				return types.NullValue
			}
			return str(u.RawQuery, hasQuery)
		case "REF":
			return str(u.EscapedFragment(), strings.Contains(a[0].S, "#"))
		case "PROTOCOL":
			return types.StringV(u.Scheme)
		case "AUTHORITY":
			auth := u.Host
			if u.User != nil {
				auth = u.User.String() + "@" + auth
			}
			return types.StringV(auth)
		case "FILE":
			if hasQuery {
				return types.StringV(path + "?" + u.RawQuery)
			}
			return types.StringV(path)
		case "USERINFO":
			if u.User == nil {
				return types.NullValue
			}
			return types.StringV(u.User.String())
		}
		return types.NullValue
	}, 2, isStr, isStr, isStr)
}
