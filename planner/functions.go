package planner

import (
	"sort"
	"strings"

	"github.com/tumble/tumble/engine/expr"
	"github.com/tumble/tumble/sql"
)

// Flink's user-defined functions: CREATE [TEMPORARY [SYSTEM]] FUNCTION
// name AS 'class'. Tumble runs no JVM, so a function can only name a class
// whose behaviour Tumble implements itself (expr.JavaUDFClasses, such as
// the Nexmark project's CountChar); any other class is refused when the
// function is created. As in Flink, a call resolves to a built-in function
// first, then to a temporary system function, then to a catalog function
// of the current (or the named) database.

// CreateFunction registers a catalog function (or a temporary system one).
func (pl *Planner) CreateFunction(n *sql.CreateFunction) (*Result, error) {
	name := n.Name.Last()
	switch n.Language {
	case "PYTHON":
		return nil, sql.Errorf(n.Start, "Python user-defined functions are not supported: Tumble runs no Python interpreter (function '%s', class '%s')", name, n.Class)
	}
	if !expr.IsJavaUDF(n.Class) {
		return nil, sql.Errorf(n.Start, "Cannot create function '%s': Tumble runs no JVM and does not implement the class '%s'. The Java classes it implements are: %s",
			name, n.Class, strings.Join(expr.JavaUDFClasses(), ", "))
	}
	c := pl.Catalog
	c.mu.Lock()
	defer c.mu.Unlock()
	if n.System {
		if len(n.Name.Parts) > 1 {
			return nil, sql.Errorf(n.Name.Pos, "Temporary system function identifiers are single names, not '%s'", n.Name)
		}
		key := strings.ToLower(name)
		if _, dup := c.systemFuncs[key]; dup {
			if n.IfNotExists {
				return ok2(), nil
			}
			return nil, sql.Errorf(n.Name.Pos, "Could not register temporary system function. A function named '%s' does already exist.", name)
		}
		if c.systemFuncs == nil {
			c.systemFuncs = map[string]string{}
		}
		c.systemFuncs[key] = n.Class
		return ok2(), nil
	}
	id, err := pl.objectID(n.Name)
	if err != nil {
		return nil, err
	}
	id.Name = strings.ToLower(id.Name)
	if _, dup := c.funcs[id]; dup {
		if n.IfNotExists {
			return ok2(), nil
		}
		return nil, sql.Errorf(n.Name.Pos, "Could not register catalog function. A function '%s' does already exist.", id)
	}
	if c.funcs == nil {
		c.funcs = map[ObjectID]string{}
	}
	c.funcs[id] = n.Class
	return ok2(), nil
}

// userFunction returns the class of the user-defined function a call of
// name (as written, one or more parts) resolves to.
func (pl *Planner) userFunction(parts ...string) (class string, ok bool) {
	c := pl.Catalog
	c.mu.RLock()
	defer c.mu.RUnlock()
	if len(parts) == 1 {
		if class, ok := c.systemFuncs[strings.ToLower(parts[0])]; ok {
			return class, true
		}
	}
	id, err := pl.objectID(sql.Name{Parts: parts})
	if err != nil {
		return "", false
	}
	id.Name = strings.ToLower(id.Name)
	class, ok = c.funcs[id]
	return class, ok
}

// UserFunctions lists the names of the temporary system functions and of
// the catalog functions of the current database (SHOW USER FUNCTIONS).
func (pl *Planner) UserFunctions() []string {
	c := pl.Catalog
	c.mu.RLock()
	defer c.mu.RUnlock()
	cur := pl.Path.orDefault()
	var out []string
	for n := range c.systemFuncs {
		out = append(out, n)
	}
	for id := range c.funcs {
		if id.Path() == cur {
			out = append(out, id.Name)
		}
	}
	sort.Strings(out)
	return out
}

// bindUserFunction binds a call of a user-defined function, or reports
// that name is none.
func (eb *exprBinder) bindUserFunction(n *sql.Call, args []expr.Expr) (expr.Expr, bool, error) {
	written := n.Written
	if written == "" {
		written = n.Name
	}
	if eb.b.p == nil || eb.b.p.Catalog == nil || expr.HasFunction(n.Name, eb.b.env) {
		return nil, false, nil
	}
	class, ok := eb.b.p.userFunction(written)
	if !ok {
		return nil, false, nil
	}
	x, err := expr.NewJavaUDF(class, written, args, eb.b.env)
	if err != nil {
		return nil, true, wrapErr(err, n.Pos)
	}
	return x, true, nil
}
