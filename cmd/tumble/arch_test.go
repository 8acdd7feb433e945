package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/tumble/tumble/"

// TestPackageDirection keeps the dependency direction of DESIGN.md: engine
// and sql import nothing else of Tumble's, the session imports the planner
// (never the other way round), the planner imports sql and
// engine (and its dialects, which import neither the planner nor each
// other), connectors import only the engine (and each other), and only sql
// imports the tidb parser.
func TestPackageDirection(t *testing.T) {
	out, err := exec.Command("go", "list", "-json", "../../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	type pkg struct {
		ImportPath string
		Imports    []string
	}
	checked := 0
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		name := strings.TrimPrefix(p.ImportPath, module)
		for _, imp := range p.Imports {
			if strings.Contains(imp, "pingcap/tidb") && name != "sql" {
				t.Errorf("%s imports %s: only sql may import tidb", name, imp)
			}
			if !strings.HasPrefix(imp, module) {
				continue
			}
			dep := strings.TrimPrefix(imp, module)
			var ok bool
			switch {
			case name == "engine" || strings.HasPrefix(name, "engine/"):
				ok = strings.HasPrefix(dep, "engine/")
			case name == "sql", name == "internal/suites":
				ok = false // sql's tests use internal/suites: it stays a leaf
			case name == "planner":
				ok = dep == "sql" || dep == "engine" || strings.HasPrefix(dep, "engine/") || strings.HasPrefix(dep, "planner/dialect")
			case name == "session":
				ok = dep == "planner" || strings.HasPrefix(dep, "planner/") || dep == "sql" || dep == "engine" || strings.HasPrefix(dep, "engine/")
			case strings.HasPrefix(name, "planner/dialect"):
				// The dialects are the planner's leaves: they name behaviours
				// and never import the planner.
				ok = dep == "sql" || dep == "engine" || strings.HasPrefix(dep, "engine/") || dep == "planner/dialect"
			case strings.HasPrefix(name, "connectors/"):
				ok = dep == "engine" || strings.HasPrefix(dep, "engine/") || strings.HasPrefix(dep, "connectors/")
			default:
				ok = true // cmd, server, slt, qtt, bench, e2e wire everything
			}
			if !ok {
				t.Errorf("%s imports %s, against the direction in DESIGN.md", name, dep)
			}
		}
		checked++
	}
	if checked < 10 {
		t.Fatalf("only %d packages listed", checked)
	}
}
