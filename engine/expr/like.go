package expr

import (
	"regexp"
	"strings"

	"github.com/tumble/tumble/engine/types"
)

// NewLike builds x [NOT] LIKE pattern [ESCAPE esc]. A constant pattern is
// compiled once.
func NewLike(x, pattern Expr, escape string, not bool) (Expr, error) {
	if !isStr(x.Type()) || !isStr(pattern.Type()) {
		return nil, typeErr("Cannot apply 'LIKE' to arguments of type '<%s> LIKE <%s>'", x.Type(), pattern.Type())
	}
	name := "LIKE"
	if not {
		name = "NOT LIKE"
	}
	cache := newRegexCache()
	compile := func(p string) *regexp.Regexp { return cache.get(likeToRegexp(p, escape)) }
	if p, ok := constString(pattern); ok {
		re := compile(p)
		// Fast paths for 'abc%' and '%abc%' without wildcards inside.
		inner := strings.Trim(p, "%")
		simple := escape == "" && !strings.ContainsAny(inner, "%_")
		return &Call{Name: name, Args: []Expr{x, pattern}, T: types.TBool, Strict: true, Infix: true,
			Fn: func(a []types.Value) types.Value {
				var m bool
				switch {
				case simple && strings.HasPrefix(p, "%") && strings.HasSuffix(p, "%") && len(p) >= 2:
					m = strings.Contains(a[0].S, inner)
				case simple && strings.HasSuffix(p, "%") && !strings.HasPrefix(p, "%"):
					m = strings.HasPrefix(a[0].S, inner)
				case simple && strings.HasPrefix(p, "%") && !strings.HasSuffix(p, "%"):
					m = strings.HasSuffix(a[0].S, inner)
				case simple && !strings.Contains(p, "%"):
					m = a[0].S == p
				default:
					m = re != nil && re.MatchString(a[0].S)
				}
				return types.BoolV(m != not)
			}}, nil
	}
	return &Call{Name: name, Args: []Expr{x, pattern}, T: types.TBool, Strict: true, Infix: true,
		Fn: func(a []types.Value) types.Value {
			re := compile(a[1].S)
			return types.BoolV((re != nil && re.MatchString(a[0].S)) != not)
		}}, nil
}

func likeToRegexp(p, escape string) string {
	var sb strings.Builder
	sb.WriteString("(?s)^")
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if escape != "" && string(r) == escape && i+1 < len(rs) {
			sb.WriteString(regexp.QuoteMeta(string(rs[i+1])))
			i++
			continue
		}
		switch r {
		case '%':
			sb.WriteString(".*")
		case '_':
			sb.WriteString(".")
		default:
			sb.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	sb.WriteString("$")
	return sb.String()
}
