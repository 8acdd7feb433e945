package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tumble/tumble/connectors/schemaregistry"
)

// confluentPython is the venv's python with confluent-kafka and its
// serializers (make confluent-venv), or "" with why not.
func confluentPython() (string, string) {
	py := os.Getenv("TUMBLE_CONFLUENT_PYTHON")
	if py == "" {
		home, _ := os.UserHomeDir()
		py = filepath.Join(home, ".cache", "tumble", "confluent-venv", "bin", "python")
	}
	check := exec.Command(py, "-c", "import confluent_kafka.schema_registry.avro, confluent_kafka.schema_registry.protobuf, confluent_kafka.schema_registry.json_schema")
	if out, err := check.CombinedOutput(); err != nil {
		return "", fmt.Sprintf("%s cannot import confluent-kafka's serializers (make confluent-venv): %v %s", py, err, firstLine(string(out)))
	}
	return py, ""
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// runClient runs e2e/testdata/confluent_client.py.
func runClient(t *testing.T, py string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, append([]string{"testdata/confluent_client.py"}, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("confluent_client.py %s: %v\n%s%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

// TestConfluentClientRoundTrip: Confluent's Python client (confluent-kafka
// with its Avro, Protobuf and JSON Schema serializers) produces orders into
// Tumble's broker through Tumble's Schema Registry; ksqlDB streams inferred
// from the registry and Flink tables with the registry formats double each
// amount into sinks of the same format, which the client's deserializers
// read back.
func TestConfluentClientRoundTrip(t *testing.T) {
	py, why := confluentPython()
	if py == "" {
		t.Skip("SKIP: " + why)
	}
	addr := startBroker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	reg, err := schemaregistry.Start(ctx, schemaregistry.Config{Bootstrap: []string{addr}, Listen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	base := consoleServer(t, addr, "--schema-registry", reg.URL())
	const n = 5
	flinkFormat := map[string]string{"AVRO": "avro-confluent", "PROTOBUF": "proto-registry", "JSON": "json-registry"}
	ksqlFormat := map[string]string{"AVRO": "AVRO", "PROTOBUF": "PROTOBUF", "JSON": "JSON_SR"}
	for _, f := range []string{"AVRO", "PROTOBUF", "JSON"} {
		in := "orders_" + strings.ToLower(f)
		runClient(t, py, "produce", addr, reg.URL(), f, in, fmt.Sprint(n))

		// ksqlDB: the columns come from the registry
		postStatements(t, base, "ksql", fmt.Sprintf(`SET 'auto.offset.reset' = 'earliest';
CREATE STREAM ORDERS_%[1]s WITH (kafka_topic='%[2]s', value_format='%[3]s');
CREATE STREAM DOUBLED_%[1]s WITH (kafka_topic='%[2]s_ksql') AS SELECT ID, AMOUNT * 2 AS DOUBLED FROM ORDERS_%[1]s;`, f, in, ksqlFormat[f]))
		checkDoubled(t, runClient(t, py, "consume", addr, reg.URL(), f, in+"_ksql", fmt.Sprint(n)), n, f+" through ksqlDB")

		// Flink: the registry formats, written with the table's columns
		fm := flinkFormat[f]
		postStatements(t, base, "flink", fmt.Sprintf(`CREATE TABLE orders_%[1]s (ID STRING, AMOUNT BIGINT) WITH ('connector' = 'kafka', 'topic' = '%[2]s',
  'properties.bootstrap.servers' = '%[3]s', 'scan.startup.mode' = 'earliest-offset',
  'value.format' = '%[4]s', 'value.%[4]s.url' = '%[5]s');
CREATE TABLE doubled_%[1]s (ID STRING, DOUBLED BIGINT) WITH ('connector' = 'kafka', 'topic' = '%[2]s_flink',
  'properties.bootstrap.servers' = '%[3]s', 'value.format' = '%[4]s', 'value.%[4]s.url' = '%[5]s');
INSERT INTO doubled_%[1]s SELECT ID, AMOUNT * 2 FROM orders_%[1]s;`, strings.ToLower(f), in, addr, fm, reg.URL()))
		checkDoubled(t, runClient(t, py, "consume", addr, reg.URL(), f, in+"_flink", fmt.Sprint(n)), n, f+" through Flink SQL")
	}
}

// checkDoubled checks the client read every order with its amount doubled.
func checkDoubled(t *testing.T, out string, n int, what string) {
	t.Helper()
	seen := map[string]int64{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var r struct {
			ID      string
			DOUBLED int64
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("%s: %q: %v", what, sc.Text(), err)
		}
		seen[r.ID] = r.DOUBLED
	}
	if len(seen) != n {
		t.Fatalf("%s: read %d orders, want %d:\n%s", what, len(seen), n, out)
	}
	for i := 1; i <= n; i++ {
		if got := seen[fmt.Sprintf("o%d", i)]; got != int64(i*20) {
			t.Errorf("%s: order o%d doubled to %d, want %d", what, i, got, i*20)
		}
	}
}
