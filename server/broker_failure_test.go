package server

import (
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestBrokerFailureIsServerError: a statement that fails because the broker
// cannot be reached (SHOW TOPICS) is the server's failure, HTTP 500, not a
// mistake in the request (400), on both APIs.
func TestBrokerFailureIsServerError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := ln.Addr().String() // nothing listens there once closed
	ln.Close()
	ts := startServer(t, t.TempDir(), gone)
	status, body := ts.postJSON("/ksql", map[string]any{"ksql": "SHOW TOPICS;"})
	if status != http.StatusInternalServerError || !strings.Contains(string(body), "Failed to list topics") {
		t.Errorf("/ksql SHOW TOPICS: %d %s", status, body)
	}
	status, body = ts.postJSON("/v1/statements", map[string]any{"statement": "SHOW TOPICS;", "dialect": "ksql"})
	if status != http.StatusInternalServerError || !strings.Contains(string(body), "Failed to list topics") {
		t.Errorf("/v1/statements SHOW TOPICS: %d %s", status, body)
	}
	// A mistake in the statement stays the request's.
	status, body = ts.postJSON("/ksql", map[string]any{"ksql": "DROP STREAM NOPE;"})
	if status != http.StatusBadRequest {
		t.Errorf("/ksql DROP of nothing: %d %s", status, body)
	}
}
