// Package suites finds the other engines' test suites (../shared beside
// the repository) and keeps each suite's expectations: a checked-in file
// listing every case as PASS, FAIL with its reason or SKIP with its reason,
// compared case by case with a run and rewritten with -update.
package suites

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// SharedDir returns ../shared next to the module's root (the directory
// holding go.mod, found from the working directory upwards): where the
// suites (shared/suites/...) and the seed files (shared/seed/...) live.
// It is the one place that knows the location; the Makefile's SHARED
// variable says the same.
func SharedDir() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(filepath.Dir(root), "shared")
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return "", fmt.Errorf("%s is absent (the shared suites sit beside the repository, in ../shared)", dir)
	}
	return dir, nil
}

// Path returns a path under ../shared (for example "suites/ksqldb-qtt"),
// or an error saying it is absent.
func Path(rel string) (string, error) {
	shared, err := SharedDir()
	if err != nil {
		return "", err
	}
	p := filepath.Join(shared, filepath.FromSlash(rel))
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s is absent", p)
	}
	return p, nil
}

// Skipper is the part of testing.TB that Require uses.
type Skipper interface {
	Helper()
	Skipf(format string, args ...any)
}

// Require returns a path under ../shared, or skips the test with a clear
// SKIP line when it is absent.
func Require(t Skipper, rel string) string {
	t.Helper()
	p, err := Path(rel)
	if err != nil {
		t.Skipf("SKIP: %v", err)
	}
	return p
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the tumble module (no go.mod above the working directory)")
		}
		dir = parent
	}
}
