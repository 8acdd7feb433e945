package main

import (
	"context"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tumble/tumble/server"
)

// `tumble sql --server https://... --user --password --tls-ca` submits to a
// server behind basic auth and TLS; without credentials it is refused.
func TestSQLClientAuthAndTLS(t *testing.T) {
	srv, err := server.New(context.Background(), server.Config{
		DataDir: t.TempDir(), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Out: io.Discard,
		Users: map[string]string{"alice": "s3cret"},
	})
	if err != nil {
		t.Fatal(err)
	}
	hts := httptest.NewUnstartedServer(srv.Handler())
	hts.StartTLS()
	t.Cleanup(func() {
		hts.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		srv.Close(ctx)
	})
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: hts.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "t.sql")
	os.WriteFile(file, []byte("CREATE TABLE t (id BIGINT) WITH ('connector' = 'blackhole');\n"), 0o600)
	ctx := context.Background()
	if !strings.HasPrefix(hts.URL, "https://") {
		t.Fatalf("url %s", hts.URL)
	}
	err = sqlCmd(ctx, []string{"--server", hts.URL, "--tls-ca", ca, "-f", file})
	if err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("without credentials: %v", err)
	}
	t.Setenv("TUMBLE_PASSWORD", "wrong")
	if err := sqlCmd(ctx, []string{"--server", hts.URL, "-u", "alice", "--tls-ca", ca, "-f", file}); err == nil {
		t.Error("a wrong password was accepted")
	}
	if err := sqlCmd(ctx, []string{"--server", hts.URL, "--user", "alice", "--password", "s3cret", "--tls-ca", ca, "-f", file}); err != nil {
		t.Fatalf("with credentials: %v", err)
	}
	if _, ok := srv.Catalog().Get("t"); !ok {
		t.Error("the statement did not reach the server")
	}
	if err := sqlCmd(ctx, []string{"--server", hts.URL, "--user", "alice", "--password", "s3cret", "-f", file}); err == nil {
		t.Error("an unknown certificate was trusted")
	}
	if err := sqlCmd(ctx, []string{"--user", "alice", "-f", file}); err == nil {
		t.Error("--user without --server accepted")
	}
}
