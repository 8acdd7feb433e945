package session

import (
	"github.com/tumble/tumble/planner"
	"github.com/tumble/tumble/sql"
)

// Flink's modules and jars. Tumble has one, core (its built-in functions), always
// loaded and used: LOAD MODULE of another is refused as Flink refuses a
// module it has no factory for, and core can be neither unloaded nor
// left out of USE MODULES.

const coreModule = "core"

func (s *Session) execModule(st sql.Statement) (*planner.Result, error) {
	switch n := st.(type) {
	case *sql.LoadModule:
		for _, o := range n.Options {
			if o.Key == "type" {
				return nil, sql.Errorf(o.Pos, "Option 'type' = '%s' is not supported since module name is used to find module", o.Value)
			}
		}
		if n.Name == coreModule {
			return nil, sql.Errorf(n.NamePos, "A module with name '%s' already exists", n.Name)
		}
		return nil, sql.Errorf(n.NamePos, "Could not find any factory for identifier '%s' that implements 'org.apache.flink.table.factories.ModuleFactory' in the classpath.\n\nAvailable factory identifiers are:\n\n%s", n.Name, coreModule)
	case *sql.UnloadModule:
		if n.Name != coreModule {
			return nil, sql.Errorf(n.NamePos, "No module with name '%s' exists", n.Name)
		}
		return nil, sql.Errorf(n.NamePos, "The core module cannot be unloaded: Tumble's built-in functions are always available")
	case *sql.UseModules:
		seen := map[string]bool{}
		for i, name := range n.Names {
			if seen[name] {
				return nil, sql.Errorf(n.Pos[i], "Module '%s' appears more than once", name)
			}
			seen[name] = true
		}
		for i, name := range n.Names {
			if name != coreModule {
				return nil, sql.Errorf(n.Pos[i], "No module with name '%s' exists", name)
			}
		}
		return ok("Execute statement succeeded."), nil
	}
	pos, _ := st.Span()
	return nil, sql.Errorf(pos, "unsupported statement %T", st)
}

// execJar refuses ADD JAR and REMOVE JAR: Tumble runs no JVM code, so
// no jar is ever added (SHOW JARS lists none).
func execJar(n *sql.Jar) (*planner.Result, error) {
	if n.Remove {
		return nil, sql.Errorf(n.Start, "Jar '%s' was never added: Tumble runs no JVM code and adds no jars", n.Path)
	}
	return nil, sql.Errorf(n.Start, "ADD JAR is not supported: Tumble runs no JVM code; its functions are built in (CREATE FUNCTION knows the Java classes it implements)")
}

// showModules is SHOW [FULL] MODULES.
func showModules(full bool) *planner.Result {
	if full {
		return &planner.Result{Kind: planner.ResultTable, Columns: []string{"module name", "used"}, Rows: [][]string{{coreModule, "TRUE"}}}
	}
	return &planner.Result{Kind: planner.ResultTable, Columns: []string{"module name"}, Rows: [][]string{{coreModule}}}
}
