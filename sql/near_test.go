package sql

import (
	"errors"
	"fmt"
	"testing"
)

// TestWithNear: the one place that fills an error's excerpt from the text
// (the REPL, tumble run and the server all use it).
func TestWithNear(t *testing.T) {
	text := "SELECT a,\n  sttus FROM t"
	e := Errorf(Pos{Line: 2, Col: 3, Offset: 12}, "Column 'sttus' not found")
	wrapped := fmt.Errorf("running: %w", e)
	if got := WithNear(wrapped, text); got != wrapped || e.Near != "sttus" {
		t.Fatalf("near %q (%v)", e.Near, got)
	}
	if got := e.Error(); got != `SQL error at line 2, column 3 near "sttus": Column 'sttus' not found` {
		t.Fatalf("error text %q", got)
	}
	// An excerpt already there, an offset outside the text and other
	// errors are left alone.
	e2 := &Error{Pos: Pos{Offset: 0}, Msg: "m", Near: "kept"}
	WithNear(e2, text)
	e3 := &Error{Pos: Pos{Offset: 99}, Msg: "m"}
	WithNear(e3, text)
	plain := errors.New("broker down")
	if e2.Near != "kept" || e3.Near != "" || WithNear(plain, text) != plain {
		t.Fatalf("%q %q", e2.Near, e3.Near)
	}
}

// TestErrorFrom: a failure that is not the statement's fault keeps its
// cause (errors.Is finds it) and is not a user error; a statement's own
// error is.
func TestErrorFrom(t *testing.T) {
	broker := errors.New("unable to dial: connection refused")
	e := ErrorFrom(Pos{Line: 1, Col: 1}, broker, "Failed to list topics")
	if !errors.Is(e, broker) || e.Msg != "Failed to list topics: unable to dial: connection refused" {
		t.Fatalf("%v (is broker: %v)", e, errors.Is(e, broker))
	}
	if IsUserError(e) || IsUserError(fmt.Errorf("show: %w", e)) || IsUserError(broker) {
		t.Fatal("a broker failure counts as the user's")
	}
	user := Errorf(Pos{Line: 2, Col: 3}, "Column 'x' not found")
	if !IsUserError(user) || !IsUserError(fmt.Errorf("exec: %w", user)) || !IsUserError(ErrorFrom(Pos{}, user, "in view v")) {
		t.Fatal("a statement's error does not count as the user's")
	}
}
