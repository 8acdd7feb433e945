package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// The pinned Apache Spark release of the oracle: pyspark from PyPI and
// spark-sql-kafka-0-10 from Maven Central (peers/spark/pom.xml). 4.0.1's
// spark-token-provider-kafka is missing from the Maven Central these
// machines reach, so the oracle is 4.0.0; Tumble's side is driven by the
// pyspark-client the e2e tests use.
const (
	sparkVersion  = "4.0.0"
	pysparkClient = "pyspark-client==4.0.1"
	// sparkZone is the session time zone of both engines (the JVM's and
	// Tumble's default zone, from TZ): not UTC, so that parsing the seed's
	// zone-less timestamps and writing the windows' bounds show the offset.
	sparkZone = "Asia/Kolkata"
)

// checkSpark runs the seed's PySpark job on the real Apache Spark
// (local[2], Spark's Kafka source and sink from Maven Central) and on
// Tumble through Spark Connect, both reading the same input topic of the
// real broker, and compares the last update of each window in the two
// sink topics as text; both must also equal the windows computed by hand.
func checkSpark(ctx context.Context, e *env) (string, error) {
	src, err := os.ReadFile(filepath.Join(e.shared, "seed", "spark", "transaction_job.py"))
	if err != nil {
		return "", skipf("the seed's Spark job is absent: %v", err)
	}
	if _, err := exec.LookPath("java"); err != nil {
		return "", skipf("java is not installed (Apache Spark %s needs Java 17)", sparkVersion)
	}
	root := venvRoot()
	sparkPy, err := e.venv(ctx, filepath.Join(root, "pyspark-"+sparkVersion), "import pyspark; assert pyspark.__version__ == '"+sparkVersion+"'", "pyspark=="+sparkVersion)
	if err != nil {
		return "", err
	}
	clientPy, err := e.sparkClientPython(ctx)
	if err != nil {
		return "", err
	}
	jars, err := e.sparkKafkaJars(ctx, sparkPy)
	if err != nil {
		return "", err
	}
	k, err := e.startKafka(ctx)
	if err != nil {
		return "", err
	}
	const input = "transactions_spark"
	outReal, outTumble := "transactions_aggregate_spark_real", "transactions_aggregate_spark_tumble"
	// One partition per sink: Spark's sink writes records without a key,
	// which Kafka would spread over partitions, and the last update of a
	// window is then the last record in offset order.
	for topic, parts := range map[string]int32{input: 3, outReal: 1, outTumble: 1} {
		if err := createTopic(ctx, k.plain, topic, parts); err != nil {
			return "", err
		}
	}
	work := filepath.Join(e.cache, "work", "spark")
	os.RemoveAll(work)
	if err := os.MkdirAll(filepath.Join(work, "conf"), 0o755); err != nil {
		return "", err
	}
	zone := sparkZone
	loc, err := time.LoadLocation(zone)
	if err != nil {
		zone, loc = "UTC", time.UTC
	}

	// The job for the real Spark: a local master, our broker and topics,
	// and a checkpoint of its own (the seed's /tmp/spark/checkpoint is
	// shared by everyone on this machine).
	ckpt := filepath.Join(work, "real-checkpoint")
	realJob, err := editSparkJob(string(src), []jobEdit{
		{`.master("spark://spark:7077")`, `.master("local[2]")`, 1},
		{"kafka:29092", k.plain, 2},
		{`.option("subscribe", "transactions")`, `.option("subscribe", "` + input + `")`, 1},
		{`.option("topic", "transactions_aggregate_spark")`, `.option("topic", "` + outReal + `")`, 1},
		{`.option("checkpointLocation", "/tmp/spark/checkpoint")`, `.option("checkpointLocation", "` + ckpt + `")`, 1},
	})
	if err != nil {
		return "", err
	}
	// Tumble's: the session on Spark Connect, no SparkContext (a Spark
	// Connect client has none); the checkpoint goes under the server's
	// --spark-checkpoint-root.
	sc, err := freePort()
	if err != nil {
		return "", err
	}
	listen, err := freePort()
	if err != nil {
		return "", err
	}
	tumbleJob, err := editSparkJob(string(src), []jobEdit{
		{`.master("spark://spark:7077")`, fmt.Sprintf(`.remote("sc://127.0.0.1:%d")`, sc), 1},
		{`spark.sparkContext.setLogLevel("WARN")` + "\n", "", 1},
		{"kafka:29092", k.plain, 2},
		{`.option("subscribe", "transactions")`, `.option("subscribe", "` + input + `")`, 1},
		{`.option("topic", "transactions_aggregate_spark")`, `.option("topic", "` + outTumble + `")`, 1},
	})
	if err != nil {
		return "", err
	}
	realFile, tumbleFile := filepath.Join(work, "real_job.py"), filepath.Join(work, "tumble_job.py")
	if err := os.WriteFile(realFile, []byte(realJob), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(tumbleFile, []byte(tumbleJob), 0o644); err != nil {
		return "", err
	}
	// Spark's settings beside the job, as spark-defaults.conf: the Kafka
	// jars (what --packages would add), no web UI (its port 4040 is
	// fixed), the driver on loopback, and 2 shuffle partitions instead of
	// 200 (the results are the same; 200 state stores per micro-batch take
	// a minute on two cores).
	conf := fmt.Sprintf("spark.jars %s\nspark.ui.enabled false\nspark.driver.host 127.0.0.1\nspark.driver.bindAddress 127.0.0.1\nspark.sql.shuffle.partitions 2\n", strings.Join(jars, ","))
	if err := os.WriteFile(filepath.Join(work, "conf", "spark-defaults.conf"), []byte(conf), 0o644); err != nil {
		return "", err
	}
	tz := "TZ=" + zone
	url := fmt.Sprintf("http://127.0.0.1:%d", listen)
	srv, err := start(filepath.Join(e.logs, "spark-tumble-server.log"), e.root, []string{tz}, e.tumble, "server",
		"--listen", fmt.Sprintf("127.0.0.1:%d", listen), "--bootstrap", k.plain, "--data-dir", filepath.Join(work, "server"),
		"--spark-connect", fmt.Sprintf("127.0.0.1:%d", sc), "--spark-checkpoint-root", filepath.Join(work, "tumble-checkpoints"))
	if err != nil {
		return "", err
	}
	defer srv.stop()
	if err := waitHTTP(ctx, url+"/healthcheck", 30*time.Second); err != nil {
		return "", fmt.Errorf("tumble server: %v (%s)", err, lastLines(srv.output(), 3))
	}
	sp, err := start(filepath.Join(e.logs, "spark-real.log"), work, []string{tz, "SPARK_CONF_DIR=" + filepath.Join(work, "conf"), "SPARK_LOCAL_IP=127.0.0.1"}, sparkPy, realFile)
	if err != nil {
		return "", err
	}
	defer sp.kill9()
	cl, err := start(filepath.Join(e.logs, "spark-tumble-client.log"), work, []string{tz}, clientPy, tumbleFile)
	if err != nil {
		return "", err
	}
	defer cl.kill9()
	// Both queries start at the topic's latest offsets (the Kafka
	// source's default for a stream): produce only once both hold them,
	// Spark in its checkpoint's sources/0/0, Tumble in a checkpoint.
	deadline := time.Now().Add(3 * time.Minute)
	for {
		_, err := os.Stat(filepath.Join(ckpt, "sources", "0", "0"))
		sparkReady := err == nil
		tumbleReady := sparkJobCheckpointed(ctx, url)
		if sparkReady && tumbleReady {
			break
		}
		switch {
		case sp.exited():
			return "", fmt.Errorf("Apache Spark's job exited: %s", lastLines(sp.output(), 5))
		case cl.exited():
			return "", fmt.Errorf("the job on Tumble exited: %s (server: %s)", lastLines(cl.output(), 5), lastLines(srv.output(), 3))
		case time.Now().After(deadline) && !sparkReady:
			return "", skipf("Apache Spark %s did not start its query within 3 minutes (an overloaded machine?); nothing compared: %s", sparkVersion, lastLines(sp.output(), 3))
		case time.Now().After(deadline):
			return "", fmt.Errorf("the job on Tumble did not start within 3 minutes: %s (server: %s)", lastLines(cl.output(), 3), lastLines(srv.output(), 3))
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}

	// The input: the seed's transactions, shuffled (no watermark: Spark
	// keeps every window open and nothing is late), in two parts so that
	// windows are updated by more than one micro-batch.
	txns := seedData(11, time.Date(2026, 11, 23, 23, 9, 45, 0, time.UTC), 900)
	rand.New(rand.NewSource(5)).Shuffle(len(txns), func(i, j int) { txns[i], txns[j] = txns[j], txns[i] })
	want := expectedSpark(txns, loc)
	paidTotal := int64(0)
	for _, w := range want {
		paidTotal += w.Count
	}
	half := len(txns) / 2
	if err := produceSeed(ctx, k.plain, input, txns[:half], false); err != nil {
		return "", err
	}
	if err := produceRaw(ctx, k.plain, input, sparkOddRecords); err != nil {
		return "", err
	}
	for _, s := range []struct {
		topic string
		p     *proc
	}{{outReal, sp}, {outTumble, cl}} {
		if _, err := readUntil(ctx, k.plain, s.topic, false, 3*time.Minute, func(r []rawRecord) bool { return len(r) > 0 || s.p.exited() }); err != nil {
			return "", fmt.Errorf("%s: nothing after the first %d records: %v (%s)", s.topic, half, err, lastLines(s.p.output(), 3))
		}
	}
	if err := produceSeed(ctx, k.plain, input, txns[half:], false); err != nil {
		return "", err
	}
	last := func(topic string, p *proc, who string) (map[string]string, error) {
		var got map[string]string
		recs, err := readUntil(ctx, k.plain, topic, false, 3*time.Minute, func(rs []rawRecord) bool {
			got = lastPerWindow(rs)
			return countedRows(got, want) >= paidTotal || p.exited()
		})
		if err != nil || countedRows(got, want) < paidTotal {
			return nil, fmt.Errorf("%s: the last updates count %d of the %d paid transactions: %v (%s)", who, countedRows(got, want), paidTotal, err, lastLines(p.output(), 3))
		}
		time.Sleep(2 * time.Second) // an update after the last one would show now
		recs, _ = readUntil(ctx, k.plain, topic, false, 2*time.Second, nil)
		return lastPerWindow(recs), nil
	}
	real, err := last(outReal, sp, "Apache Spark")
	if err != nil {
		if !sp.exited() {
			return "", skipf("Apache Spark %s did not write its windows within 3 minutes (an overloaded machine?); nothing compared: %v", sparkVersion, err)
		}
		return "", err
	}
	ours, err := last(outTumble, cl, "Tumble")
	if err != nil {
		return "", err
	}
	writeLastUpdates(filepath.Join(e.logs, "spark-compared.txt"), real, ours)
	if err := sameLastUpdates(real, ours); err != nil {
		return "", err
	}
	if err := checkSparkWindows(real, want); err != nil {
		return "", fmt.Errorf("Apache Spark and Tumble agree, but not with the windows computed by hand: %v", err)
	}
	return fmt.Sprintf("Apache Spark %s and Tumble (Spark Connect): the seed's job gives the same last update of each of %d windows (JSON text, session zone %s)", sparkVersion, len(real), zone), nil
}

// sparkClientPython is the python of the Spark Connect client's venv
// (make spark-venv's, or $TUMBLE_PYSPARK_VENV as in the e2e tests).
func (e *env) sparkClientPython(ctx context.Context) (string, error) {
	dir := os.Getenv("TUMBLE_PYSPARK_VENV")
	if dir == "" {
		dir = filepath.Join(venvRoot(), "pyspark-venv")
	}
	return e.venv(ctx, dir, "import pyspark.sql.connect.session", pysparkClient)
}

// jobEdit replaces old by new in the seed's job; n is how many times old
// must occur (the job changed otherwise).
type jobEdit struct {
	old, new string
	n        int
}

func editSparkJob(src string, edits []jobEdit) (string, error) {
	for _, ed := range edits {
		if c := strings.Count(src, ed.old); c != ed.n {
			return "", fmt.Errorf("the seed's Spark job changed: %q occurs %d times, expected %d", ed.old, c, ed.n)
		}
		src = strings.ReplaceAll(src, ed.old, ed.new)
	}
	return src, nil
}

// sparkKafkaJars fetches spark-sql-kafka and its dependencies (cached)
// and returns those PySpark does not ship itself.
func (e *env) sparkKafkaJars(ctx context.Context, py string) ([]string, error) {
	dir := filepath.Join(e.cache, "spark-"+sparkVersion, "jars")
	marker := filepath.Join(dir, ".complete")
	if _, err := os.Stat(marker); err != nil {
		if _, err := exec.LookPath("mvn"); err != nil {
			return nil, skipf("mvn is not installed (needed to fetch spark-sql-kafka %s from Maven Central)", sparkVersion)
		}
		os.RemoveAll(dir)
		log := filepath.Join(e.logs, "spark-fetch.log")
		if err := e.runLogged(ctx, log, e.root, "mvn", "-B", "-q", "-f", "peers/spark/pom.xml", "dependency:copy-dependencies",
			"-DincludeScope=runtime", "-DoutputDirectory="+dir); err != nil {
			return nil, skipf("could not fetch spark-sql-kafka %s from Maven Central (%v; see %s)", sparkVersion, err, log)
		}
		if err := os.WriteFile(marker, nil, 0o644); err != nil {
			return nil, err
		}
	}
	out, err := exec.CommandContext(ctx, py, "-c", "import os, pyspark; print(os.path.join(os.path.dirname(pyspark.__file__), 'jars'))").Output()
	if err != nil {
		return nil, fmt.Errorf("locating PySpark's jars: %v", err)
	}
	shipped, err := filepath.Glob(filepath.Join(strings.TrimSpace(string(out)), "*.jar"))
	if err != nil || len(shipped) == 0 {
		return nil, fmt.Errorf("PySpark ships no jars in %s", strings.TrimSpace(string(out)))
	}
	have := map[string]bool{}
	for _, j := range shipped {
		have[jarArtifact(filepath.Base(j))] = true
	}
	all, _ := filepath.Glob(filepath.Join(dir, "*.jar"))
	var jars []string
	for _, j := range all {
		if !have[jarArtifact(filepath.Base(j))] {
			jars = append(jars, j)
		}
	}
	return jars, nil
}

// jarArtifact is a jar's name without its version: "kafka-clients" of
// "kafka-clients-3.9.0.jar".
func jarArtifact(name string) string {
	name = strings.TrimSuffix(name, ".jar")
	parts := strings.Split(name, "-")
	for i, p := range parts {
		if i > 0 && p != "" && p[0] >= '0' && p[0] <= '9' {
			return strings.Join(parts[:i], "-")
		}
	}
	return name
}

// sparkJobCheckpointed says whether the server runs a Spark job whose
// source positions are in a checkpoint.
func sparkJobCheckpointed(ctx context.Context, url string) bool {
	var jobs []struct {
		Dialect, Status string
		Metrics         struct{ Checkpoints int64 }
	}
	if getJSON(ctx, url+"/v1/jobs", &jobs) != nil {
		return false
	}
	for _, j := range jobs {
		if j.Dialect == "spark" && j.Status == "RUNNING" && j.Metrics.Checkpoints > 0 {
			return true
		}
	}
	return false
}

// sparkRow is a record of the Spark job's sink.
type sparkRow struct {
	Start string  `json:"window_start"`
	End   string  `json:"window_end"`
	Total int64   `json:"total_paid"`
	Count int64   `json:"total_transactions"`
	Avg   float64 `json:"average_transaction_value"`
}

// lastPerWindow returns each window's last record (offset order, one
// partition), as text, keyed by window_start's text.
func lastPerWindow(recs []rawRecord) map[string]string {
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].Offset < recs[j].Offset })
	out := map[string]string{}
	for _, r := range recs {
		var w sparkRow
		if json.Unmarshal(r.Value, &w) != nil {
			out["undecodable "+string(r.Value)] = string(r.Value)
			continue
		}
		out[w.Start] = string(r.Value)
	}
	return out
}

// countedRows sums the rows of the windows of want.
func countedRows(last map[string]string, want map[string]sparkRow) int64 {
	var n int64
	for k, v := range last {
		if _, ok := want[k]; !ok {
			continue
		}
		var w sparkRow
		if json.Unmarshal([]byte(v), &w) == nil {
			n += w.Count
		}
	}
	return n
}

// writeLastUpdates keeps what was compared, for a reader of the logs.
func writeLastUpdates(path string, spark, tumble map[string]string) {
	var b strings.Builder
	for who, m := range map[string]map[string]string{"spark": spark, "tumble": tumble} {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "%s\t%s\n", who, m[k])
		}
	}
	os.WriteFile(path, []byte(b.String()), 0o644)
}

// sameLastUpdates compares the two sinks' last updates as text.
func sameLastUpdates(spark, tumble map[string]string) error {
	keys := map[string]bool{}
	for k := range spark {
		keys[k] = true
	}
	for k := range tumble {
		keys[k] = true
	}
	var diffs []string
	for k := range keys {
		s, okS := spark[k]
		t, okT := tumble[k]
		switch {
		case !okT:
			diffs = append(diffs, "only Spark wrote "+s)
		case !okS:
			diffs = append(diffs, "only Tumble wrote "+t)
		case s != t:
			diffs = append(diffs, fmt.Sprintf("Spark's last update %s, Tumble's %s", s, t))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 3 {
		diffs = append(diffs[:3], fmt.Sprintf("and %d more", len(diffs)-3))
	}
	if len(diffs) > 0 {
		return fmt.Errorf("%d windows from Spark, %d from Tumble: %s", len(spark), len(tumble), strings.Join(diffs, "; "))
	}
	return nil
}

// expectedSpark computes each 3-second window of Paid transactions by
// hand as the Spark job writes it: the zone-less event time read in the
// session zone, bounds as yyyy-MM-dd'T'HH:mm:ss.SSSXXX.
func expectedSpark(txns []txn, loc *time.Location) map[string]sparkRow {
	const layout = "2006-01-02T15:04:05.000Z07:00"
	out := map[string]sparkRow{}
	for _, x := range txns {
		if x.Status != "Paid" {
			continue
		}
		t, err := time.ParseInLocation(tsLayout, x.EventTimestamp, loc)
		if err != nil {
			panic(err)
		}
		start := time.UnixMilli(t.UnixMilli() - t.UnixMilli()%3000).In(loc)
		key := start.Format(layout)
		w := out[key]
		w.Start, w.End = key, start.Add(3*time.Second).Format(layout)
		w.Total += x.TotalPaid
		w.Count++
		out[key] = w
	}
	for k, w := range out {
		w.Avg = float64(w.Total) / float64(w.Count)
		out[k] = w
	}
	return out
}

func checkSparkWindows(last map[string]string, want map[string]sparkRow) error {
	var problems []string
	for k, v := range last {
		var w sparkRow
		if err := json.Unmarshal([]byte(v), &w); err != nil {
			problems = append(problems, fmt.Sprintf("bad record %s", v))
			continue
		}
		if e, ok := want[k]; !ok {
			if !strings.HasPrefix(w.Start, "2026-11-23") {
				continue // a window of sparkOddRecords: compared with Spark only
			}
			problems = append(problems, "unexpected window "+v)
		} else if e != w {
			problems = append(problems, fmt.Sprintf("window %s: got %s, want %+v", k, v, e))
		}
	}
	for k := range want {
		if _, ok := last[k]; !ok {
			problems = append(problems, "window "+k+" missing")
		}
	}
	sort.Strings(problems)
	if len(problems) > 3 {
		problems = append(problems[:3], fmt.Sprintf("and %d more", len(problems)-3))
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}

// getJSON GETs url and decodes its JSON body into v.
func getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// waitHTTP waits until url answers.
func waitHTTP(ctx context.Context, url string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s does not answer after %s: %v", url, within, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// sparkOddRecords are values the seed's job meets in real topics, each in
// a window of its own an hour after the seed data (most are Paid): what
// from_json, the cast of event_timestamp and the aggregates make of them
// is compared with Spark only.
var sparkOddRecords = [][]byte{
	[]byte(`not json at all`),
	[]byte(`[1, 2]`),
	[]byte(``),
	nil, // a tombstone: CAST(value AS STRING) is NULL
	[]byte(`{"event_timestamp": "2026-11-24 00:09:00.000", "transaction_id": 1, "user_id": "u1", "total_paid": "30", "status": "Paid"}`),
	[]byte(`{"event_timestamp": "2026-11-24 00:09:03.000", "transaction_id": 2, "user_id": "u2", "total_paid": 20.5, "status": "Paid"}`),
	[]byte(`{"event_timestamp": "2026-11-24 00:09:06.000", "transaction_id": 3, "user_id": null, "total_paid": 40, "status": "Paid"}`),
	[]byte(`{"event_timestamp": "2026-11-24 00:09:06.500", "transaction_id": 4, "user_id": "u4", "total_paid": 50, "status": "Paid"}`),
	[]byte(`{"event_timestamp": "2026-11-24 00:09:09.000", "transaction_id": 5, "user_id": "u5", "status": "Paid"}`),
	[]byte(`{"event_timestamp": "2026-11-24 00:09:12.000", "transaction_id": 3000000000, "user_id": "u6", "total_paid": 60, "status": "Paid"}`),
	[]byte(`{"event_timestamp": "2026-11-24T00:09:15.5", "transaction_id": 7, "user_id": "u7", "total_paid": 70, "status": "Paid"}`),
	[]byte(`{"event_timestamp": "2026-11-24 00:09:18", "transaction_id": 8, "user_id": "u8", "total_paid": 80, "status": "Paid"}`),
	[]byte(`{"event_timestamp": "2026-11-24 00:09:21.123Z", "transaction_id": 9, "user_id": "u9", "total_paid": 90, "status": "Paid"}`),
	[]byte(`{"event_timestamp": "2026-11-24 00:09:24.000+01:00", "transaction_id": 10, "user_id": "u10", "total_paid": 100, "status": "Paid"}`),
	[]byte(`{"event_timestamp": "2026-11-24 00:09:27.000", "transaction_id": 11, "user_id": "u11", "total_paid": 110, "status": "paid"}`),
	[]byte(`{"event_timestamp": "2026-11-24 00:09:30.000", "transaction_id": 12, "user_id": {"id": 12}, "total_paid": 120, "status": "Paid"}`),
	[]byte(`{"event_timestamp": "2026-11-24 00:09:33.000", "transaction_id": 13, "user_id": "u13", "total_paid": 130, "status": "Paid", "extra": [1, {"a": null}]}`),
	[]byte(`{"event_timestamp": "2026-11-24 00:09:36.000", "user_id": "u14", "total_paid": 2147483647, "status": "Paid"}`),
	[]byte(`{"event_timestamp": "2026-11-24 00:09:36.100", "user_id": "u15", "total_paid": 2147483647, "status": "Paid"}`),
	[]byte(`{"event_timestamp":"2026-11-24 00:09:39.000","transaction_id":16,"user_id":"u16","total_paid":-160,"status":"Paid"}`),
	[]byte(`{"EVENT_TIMESTAMP": "2026-11-24 00:09:42.000", "user_id": "u17", "Total_Paid": 170, "status": "Paid"}`),
}

// produceRaw writes values without a key (nil is a tombstone).
func produceRaw(ctx context.Context, bootstrap, topic string, values [][]byte) error {
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap), kgo.DefaultProduceTopic(topic))
	if err != nil {
		return err
	}
	defer cl.Close()
	var recs []*kgo.Record
	for _, v := range values {
		recs = append(recs, &kgo.Record{Value: v})
	}
	return cl.ProduceSync(ctx, recs...).FirstErr()
}
