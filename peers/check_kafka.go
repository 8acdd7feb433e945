package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// checkKafka runs Tumble against the real Apache Kafka: the seed's Flink
// files (with an exactly-once sink beside them, across a kill -9), the
// consumer group's offsets and lag as Kafka's own tool shows them, the
// seed's ksqlDB files over REST on a SCRAM-SHA-512 listener, the Flink
// files over SASL PLAIN, SCRAM-SHA-256 and TLS, and wrong passwords.
func checkKafka(ctx context.Context, e *env) (string, error) {
	k, err := e.startKafka(ctx)
	if err != nil {
		return "", err
	}
	if err := createTopic(ctx, k.plain, "transactions", 3); err != nil {
		return "", err
	}
	var done []string
	base := time.Date(2026, 11, 23, 23, 9, 45, 0, time.UTC)
	batch1 := seedData(1, base, 600) // 24 s of event time
	all := batch1

	// 1. The seed's Flink files, plus an exactly-once copy of the INSERT,
	// with 1 s checkpoints; kill -9 half way, restart, finish.
	work := filepath.Join(e.cache, "work", "kafka")
	os.RemoveAll(work)
	dir := filepath.Join(work, "flink")
	files, err := e.seedFiles("flink", dir, func(_, text string) string {
		return strings.ReplaceAll(text, "kafka:29092", k.plain)
	})
	if err != nil {
		return "", err
	}
	eo := strings.ReplaceAll(mustRead(files[1]), "transactions_paid_agg_table", "transactions_paid_agg_eo")
	eo = strings.ReplaceAll(eo, "'transactions_aggregate_flink'", "'transactions_aggregate_flink_eo'")
	eo = strings.Replace(eo, "'format' = 'json'", "'format' = 'json',\n  'sink.delivery-guarantee' = 'exactly-once',\n  'sink.transactional-id-prefix' = 'tumble-peers'", 1)
	eo += ";\n" + strings.ReplaceAll(mustRead(files[2]), "transactions_paid_agg_table", "transactions_paid_agg_eo")
	if err := os.WriteFile(filepath.Join(dir, "4_exactly_once.sql"), []byte(eo), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "0_settings.sql"), []byte("SET 'execution.checkpointing.interval' = '1s';\n"), 0o644); err != nil {
		return "", err
	}
	data := filepath.Join(work, "data")
	log := filepath.Join(e.logs, "kafka-tumble-run.log")
	os.Remove(log)
	run := func() (*proc, error) {
		return start(log, e.root, nil, e.tumble, "run", "--bootstrap", k.plain, "--data-dir", data, "-f", dir)
	}
	p, err := run()
	if err != nil {
		return "", err
	}
	defer func() { p.stop() }()
	if err := produceSeed(ctx, k.plain, "transactions", batch1[:300], false); err != nil {
		return "", err
	}
	if _, err := readUntil(ctx, k.plain, "transactions_aggregate_flink_eo", true, 60*time.Second, func(r []rawRecord) bool { return len(r) >= 2 }); err != nil {
		return "", fmt.Errorf("exactly-once sink before the kill: %v", err)
	}
	p.kill9()
	if p, err = run(); err != nil {
		return "", err
	}
	if err := produceSeed(ctx, k.plain, "transactions", batch1[300:], true); err != nil {
		return "", err
	}
	want := expected(batch1)
	recs, err := readUntil(ctx, k.plain, "transactions_aggregate_flink_eo", true, 90*time.Second, func(r []rawRecord) bool { return len(r) >= len(want) })
	if err != nil {
		return "", fmt.Errorf("exactly-once sink after the restart: %v", err)
	}
	// A little longer: a window written twice would show up now.
	time.Sleep(3 * time.Second)
	recs, _ = readUntil(ctx, k.plain, "transactions_aggregate_flink_eo", true, 3*time.Second, nil)
	got, err := windows(recs)
	if err != nil {
		return "", err
	}
	if err := compareWindows(got, want, false); err != nil {
		return "", fmt.Errorf("exactly-once sink, read_committed, after kill -9: %v", err)
	}
	recs, _ = readUntil(ctx, k.plain, "transactions_aggregate_flink", false, 3*time.Second, nil)
	if got, err = windows(recs); err != nil {
		return "", err
	}
	if err := compareWindows(got, want, true); err != nil {
		return "", fmt.Errorf("the seed's sink (at-least-once) after kill -9: %v", err)
	}
	done = append(done, fmt.Sprintf("seed Flink files: %d windows, exactly-once across kill -9", len(want)))

	// 2. Consumer-group offsets: committed at checkpoints to the seed's
	// 'properties.group.id' = 'flink'; Kafka's tool shows the lag.
	time.Sleep(2500 * time.Millisecond) // two checkpoints after the last record
	lag, err := groupLag(ctx, k, "flink")
	if err != nil {
		return "", err
	}
	if lag != 0 {
		return "", fmt.Errorf("kafka-consumer-groups --describe --group flink: lag %d after every record was read, want 0", lag)
	}
	p.stop()
	extra := seedData(2, base.Add(time.Hour), 7)
	for i := range extra {
		extra[i].Status = "Refused"
	}
	if err := produceSeed(ctx, k.plain, "transactions", extra, false); err != nil {
		return "", err
	}
	if lag, err = groupLag(ctx, k, "flink"); err != nil {
		return "", err
	}
	if lag != int64(len(extra)) {
		return "", fmt.Errorf("kafka-consumer-groups --describe --group flink: lag %d after 7 more records, want 7", lag)
	}
	done = append(done, "group offsets and lag")

	// 3. The seed's ksqlDB files over REST, on a tumble server whose
	// --kafka-config says SASL SCRAM-SHA-512 (as ksql-server.properties).
	ksqlWant, err := e.checkKsqlServer(ctx, k, work, base.Add(2*time.Hour))
	if err != nil {
		return "", fmt.Errorf("ksqlDB files over REST (SASL SCRAM-SHA-512): %v", err)
	}
	all = append(all, ksqlWant...)
	done = append(done, "seed ksqlDB files over REST")

	// 4. The Flink files over SASL PLAIN, SCRAM-SHA-256 and TLS.
	want = expected(all)
	type secured struct{ name, addr, props string }
	jaas := func(module, user, pass string) string {
		return fmt.Sprintf(`org.apache.kafka.common.security.%s required username="%s" password="%s";`, module, user, pass)
	}
	variants := []secured{
		{"plain", k.sasl, fmt.Sprintf("'properties.security.protocol' = 'SASL_PLAINTEXT', 'properties.sasl.mechanism' = 'PLAIN', 'properties.sasl.jaas.config' = '%s',",
			jaas("plain.PlainLoginModule", "alice", "alice-secret"))},
		{"scram256", k.sasl, fmt.Sprintf("'properties.security.protocol' = 'SASL_PLAINTEXT', 'properties.sasl.mechanism' = 'SCRAM-SHA-256', 'properties.sasl.jaas.config' = '%s',",
			jaas("scram.ScramLoginModule", "bob", "bob-secret"))},
		{"tls", k.ssl, fmt.Sprintf("'properties.security.protocol' = 'SSL', 'properties.ssl.truststore.type' = 'PEM', 'properties.ssl.truststore.location' = '%s',", k.caFile)},
	}
	var procs []*proc
	defer func() {
		for _, q := range procs {
			q.stop()
		}
	}()
	for _, v := range variants {
		d := filepath.Join(work, "flink-"+v.name)
		if _, err := e.seedFiles("flink", d, func(_, text string) string {
			text = strings.ReplaceAll(text, "kafka:29092", v.addr)
			text = strings.ReplaceAll(text, "'transactions_aggregate_flink'", "'transactions_aggregate_flink_"+v.name+"'")
			text = strings.ReplaceAll(text, "'properties.group.id' = 'flink'", "'properties.group.id' = 'flink-"+v.name+"'")
			return strings.ReplaceAll(text, "'connector' = 'kafka',", "'connector' = 'kafka',\n  "+v.props)
		}); err != nil {
			return "", err
		}
		q, err := start(filepath.Join(e.logs, "kafka-tumble-"+v.name+".log"), e.root, nil, e.tumble, "run", "-f", d)
		if err != nil {
			return "", err
		}
		procs = append(procs, q)
	}
	for i, v := range variants {
		recs, err := readUntil(ctx, k.plain, "transactions_aggregate_flink_"+v.name, false, 60*time.Second, func(r []rawRecord) bool { return len(r) >= len(want) })
		if err != nil {
			return "", fmt.Errorf("Flink files over %s: %v (tumble: %s)", v.name, err, lastLines(procs[i].output(), 3))
		}
		got, err := windows(recs)
		if err != nil {
			return "", err
		}
		if err := compareWindows(got, want, false); err != nil {
			return "", fmt.Errorf("Flink files over %s: %v", v.name, err)
		}
	}
	done = append(done, "SASL PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and TLS")

	// 5. Wrong passwords fail at once with a clear message.
	for _, v := range []struct{ mech, module, user string }{{"PLAIN", "plain.PlainLoginModule", "alice"}, {"SCRAM-SHA-512", "scram.ScramLoginModule", "carol"}} {
		d := filepath.Join(work, "flink-wrong-"+v.user)
		if _, err := e.seedFiles("flink", d, func(_, text string) string {
			text = strings.ReplaceAll(text, "kafka:29092", k.sasl)
			props := fmt.Sprintf("'properties.security.protocol' = 'SASL_PLAINTEXT', 'properties.sasl.mechanism' = '%s', 'properties.sasl.jaas.config' = '%s',",
				v.mech, jaas(v.module, v.user, "not-the-password"))
			return strings.ReplaceAll(text, "'connector' = 'kafka',", "'connector' = 'kafka',\n  "+props)
		}); err != nil {
			return "", err
		}
		q, err := start(filepath.Join(e.logs, "kafka-tumble-wrong.log"), e.root, nil, e.tumble, "run", "-f", d)
		if err != nil {
			return "", err
		}
		procs = append(procs, q)
		err = q.wait(ctx, 60*time.Second)
		out := q.output()
		switch {
		case err == nil:
			return "", fmt.Errorf("wrong %s password: tumble run exited 0", v.mech)
		case !q.exited():
			return "", fmt.Errorf("wrong %s password: tumble run still running after 60 s (retrying?): %s", v.mech, lastLines(out, 3))
		case !strings.Contains(out, "refused the credentials of user '"+v.user+"'"):
			return "", fmt.Errorf("wrong %s password: unclear error: %s", v.mech, lastLines(out, 3))
		case strings.Contains(out, "not-the-password"):
			return "", fmt.Errorf("wrong %s password: the password is printed", v.mech)
		}
	}
	done = append(done, "wrong passwords refused at once")
	return fmt.Sprintf("Apache Kafka %s: %s", kafkaVersion, strings.Join(done, "; ")), nil
}

func mustRead(p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}

var lagLine = regexp.MustCompile(`(?m)^\S+\s+transactions\s+(\d+)\s+(\d+|-)\s+(\d+)\s+(\d+|-)`)

// groupLag runs Kafka's kafka-consumer-groups --describe and sums the lag
// of the group's partitions of 'transactions'.
func groupLag(ctx context.Context, k *realKafka, group string) (int64, error) {
	out, err := k.tool(ctx, "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand", "--bootstrap-server", k.plain, "--describe", "--group", group)
	if err != nil {
		return 0, fmt.Errorf("kafka-consumer-groups: %v: %s", err, lastLines(out, 3))
	}
	ms := lagLine.FindAllStringSubmatch(out, -1)
	if len(ms) != 3 {
		return 0, fmt.Errorf("kafka-consumer-groups --describe --group %s: want 3 partitions of 'transactions', got: %s", group, out)
	}
	var lag int64
	for _, m := range ms {
		if m[2] == "-" || m[4] == "-" {
			return 0, fmt.Errorf("kafka-consumer-groups: partition %s has no committed offset: %s", m[1], out)
		}
		n, _ := strconv.ParseInt(m[4], 10, 64)
		lag += n
	}
	return lag, nil
}

// checkKsqlServer runs the seed's ksqlDB files on a tumble server over
// SASL SCRAM-SHA-512 and checks the last update of each window; it returns
// the transactions it produced.
func (e *env) checkKsqlServer(ctx context.Context, k *realKafka, work string, base time.Time) ([]txn, error) {
	dir := filepath.Join(work, "ksql")
	files, err := e.seedFiles("ksql", dir, func(_, text string) string { return text })
	if err != nil {
		return nil, err
	}
	cfg := filepath.Join(work, "ksql-server.properties")
	props := "bootstrap.servers=" + k.sasl + "\nsecurity.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\n" +
		`sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="carol" password="carol-secret";` + "\n"
	if err := os.WriteFile(cfg, []byte(props), 0o600); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	log := filepath.Join(e.logs, "kafka-tumble-server.log")
	srv, err := start(log, e.root, nil, e.tumble, "server", "--kafka-config", cfg, "--listen", fmt.Sprintf("127.0.0.1:%d", port),
		"--data-dir", filepath.Join(work, "server"))
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	sub, err := start(log, e.root, nil, e.tumble, append([]string{"sql", "--server", url, "--ksql"}, fileArgs(files)...)...)
	if err != nil {
		return nil, err
	}
	if err := sub.wait(ctx, 90*time.Second); err != nil {
		return nil, fmt.Errorf("submitting the files: %v: %s", err, lastLines(sub.output(), 3))
	}
	if err := waitJobsRunning(ctx, url, 2, 30*time.Second); err != nil {
		return nil, err
	}
	time.Sleep(2 * time.Second) // the queries start at the latest offset (ksqlDB's default)
	txns := seedData(3, base, 300)
	if err := produceSeed(ctx, k.plain, "transactions", txns, true); err != nil {
		return nil, err
	}
	want := expected(txns)
	last := map[int64]map[string]int64{}
	_, err = readUntil(ctx, k.plain, "transactions_aggregate_ksql", false, 60*time.Second, func(rs []rawRecord) bool {
		for _, r := range rs {
			var v map[string]int64
			if json.Unmarshal(r.Value, &v) != nil || len(r.Key) < 8 {
				continue
			}
			last[int64(binary.BigEndian.Uint64(r.Key[len(r.Key)-8:]))] = v
		}
		return ksqlMatches(last, want) == nil
	})
	if err != nil {
		if merr := ksqlMatches(last, want); merr != nil {
			return nil, fmt.Errorf("%v (tumble server: %s)", merr, lastLines(srv.output(), 3))
		}
		return nil, err
	}
	return txns, nil
}

func fileArgs(files []string) []string {
	var out []string
	for _, f := range files {
		out = append(out, "-f", f)
	}
	return out
}

// ksqlMatches compares the last update of each window (keyed by its start
// in epoch millis: ksqlDB reads the seed's timestamps as UTC) with want.
func ksqlMatches(last map[int64]map[string]int64, want map[string]window) error {
	if len(last) != len(want) {
		return fmt.Errorf("%d windows in transactions_aggregate_ksql, want %d", len(last), len(want))
	}
	for _, w := range want {
		t, _ := time.Parse(time.DateTime, w.Start)
		v, ok := last[t.UnixMilli()]
		if !ok {
			return fmt.Errorf("window %s missing", w.Start)
		}
		if v["WINDOW_START"] != t.UnixMilli() || v["WINDOW_END"] != t.UnixMilli()+3000 || v["TOTAL_PAID"] != w.Total ||
			v["TOTAL_TRANSACTIONS"] != w.Count || v["AVERAGE_TRANSACTION_VALUE"] != w.Avg {
			return fmt.Errorf("window %s: last update %v, want %+v", w.Start, v, w)
		}
	}
	return nil
}

// waitJobsRunning waits until the server lists n RUNNING jobs.
func waitJobsRunning(ctx context.Context, url string, n int, within time.Duration) error {
	deadline := time.Now().Add(within)
	var last string
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, "GET", url+"/v1/jobs", nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			var jobs []struct {
				Status string `json:"status"`
			}
			json.NewDecoder(resp.Body).Decode(&jobs)
			resp.Body.Close()
			running := 0
			for _, j := range jobs {
				if j.Status == "RUNNING" {
					running++
				}
			}
			last = fmt.Sprint(jobs)
			if running >= n {
				return nil
			}
		}
		time.Sleep(300 * time.Millisecond)
	}
	return fmt.Errorf("the server did not run %d jobs within %s: %s", n, within, last)
}
