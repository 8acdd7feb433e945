package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKafkaConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ksql-server.properties")
	text := `# ksqlDB server settings
listeners=http://0.0.0.0:8088
ksql.streams.bootstrap.servers = broker:9093
security.protocol : SASL_PLAINTEXT
! another comment
sasl.mechanism=SCRAM-SHA-256
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \
    username="ksql" \
    password="p\\w";
`
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	boot, props, err := kafkaConfig(path, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if boot != "broker:9093" {
		t.Errorf("bootstrap %q", boot)
	}
	want := map[string]string{
		"security.protocol": "SASL_PLAINTEXT",
		"sasl.mechanism":    "SCRAM-SHA-256",
		"sasl.jaas.config":  `org.apache.kafka.common.security.scram.ScramLoginModule required username="ksql" password="p\w";`,
	}
	if len(props) != len(want) {
		t.Errorf("props %v", props)
	}
	for k, v := range want {
		if props[k] != v {
			t.Errorf("%s = %q, want %q", k, props[k], v)
		}
	}
	// A setting Tumble cannot honour is an error, not ignored.
	if err := os.WriteFile(path, []byte("security.protocol=SASL_SSL\nsasl.mechanism=GSSAPI\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := kafkaConfig(path, slog.New(slog.NewTextHandler(io.Discard, nil))); err == nil || !strings.Contains(err.Error(), "GSSAPI") {
		t.Errorf("want a GSSAPI error, got %v", err)
	}
}
