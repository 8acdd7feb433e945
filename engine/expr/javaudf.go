package expr

import (
	"sort"
	"strings"

	"github.com/tumble/tumble/engine/types"
)

// Java user-defined functions. Tumble runs no JVM, so Flink's CREATE
// FUNCTION name AS 'class' can only bind a class whose behaviour Tumble
// implements itself; javaUDFs are those classes (by their fully qualified
// name), each as the scalar function its eval method is.
var javaUDFs = map[string]*funcDef{
	// The Nexmark project's CountChar (its query 14): the number of bytes
	// of the first argument's UTF-8 text equal to the first byte of the
	// second's; 0 when the text is NULL. (The Java class fails on an
	// empty or NULL second argument; here that counts nothing.)
	"com.github.nexmark.flink.udf.CountChar": {lazy: true, build: func(env *Env, args []Expr) (types.Type, impl, error) {
		if err := wantArgs("CountChar", args, 2, 2); err != nil {
			return types.Type{}, nil, err
		}
		for _, a := range args {
			if !isStr(a.Type()) {
				return types.Type{}, nil, typeErr("No match found for function signature count_char(%s)", argFamilies(args))
			}
		}
		return types.Type{Kind: types.BigInt, NotNull: true}, func(a []types.Value) types.Value {
			if a[0].IsNull() || a[1].IsNull() {
				return types.BigIntV(0)
			}
			c := a[1].S
			if c == "" {
				return types.BigIntV(0)
			}
			return types.BigIntV(int64(strings.Count(a[0].S, c[:1])))
		}, nil
	}},
}

// JavaUDFClasses lists the Java classes CREATE FUNCTION can bind, sorted.
func JavaUDFClasses() []string {
	out := make([]string, 0, len(javaUDFs))
	for c := range javaUDFs {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// IsJavaUDF reports whether class is one of JavaUDFClasses.
func IsJavaUDF(class string) bool { _, ok := javaUDFs[class]; return ok }

// NewJavaUDF builds a call of the function that class implements, named
// name (as the query wrote it).
func NewJavaUDF(class, name string, args []Expr, env *Env) (Expr, error) {
	def, ok := javaUDFs[class]
	if !ok {
		return nil, typeErr("Tumble cannot run the Java class '%s' of function '%s'", class, name)
	}
	t, fn, err := def.build(env, args)
	if err != nil {
		return nil, err
	}
	return &Call{Name: strings.ToUpper(name), Args: args, T: t, Fn: fn, Strict: !def.lazy}, nil
}
