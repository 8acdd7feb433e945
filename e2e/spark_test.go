package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/tumble/tumble/connectors/datagen"
	"github.com/tumble/tumble/engine/types"
)

// The Spark Connect tests run the seed's PySpark job with the real client
// (pyspark-client from PyPI) in a venv kept outside the repository.
const pysparkClient = "pyspark-client==4.0.1"

var (
	venvOnce sync.Once
	venvPy   string
	venvErr  error
)

// sparkPython returns the venv's python, making the venv the first time
// (python3 -m venv + pip install); the test is skipped with the reason
// when that is impossible here.
func sparkPython(t *testing.T) string {
	t.Helper()
	venvOnce.Do(func() {
		dir := os.Getenv("TUMBLE_PYSPARK_VENV")
		if dir == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				venvErr = err
				return
			}
			dir = filepath.Join(home, ".cache", "tumble", "pyspark-venv")
		}
		py := filepath.Join(dir, "bin", "python")
		if out, err := exec.Command(py, "-c", "import pyspark.sql.connect.session").CombinedOutput(); err == nil {
			venvPy = py
			return
		} else if _, statErr := os.Stat(py); statErr == nil {
			venvErr = fmt.Errorf("%s cannot import pyspark: %s", py, out)
		}
		if out, err := exec.Command("python3", "-m", "venv", dir).CombinedOutput(); err != nil {
			venvErr = fmt.Errorf("python3 -m venv: %v: %s", err, out)
			return
		}
		if out, err := exec.Command(filepath.Join(dir, "bin", "pip"), "install", "-q", pysparkClient).CombinedOutput(); err != nil {
			venvErr = fmt.Errorf("pip install %s: %v: %s", pysparkClient, err, out)
			return
		}
		venvPy, venvErr = py, nil
	})
	if venvPy == "" {
		t.Skipf("SKIP: no Python venv with %s (%v)", pysparkClient, venvErr)
	}
	return venvPy
}

const seedSparkJob = "../../shared/seed/spark/transaction_job.py"

// sparkJob returns the seed's job with only the three allowed edits: the
// session points at Tumble, the broker's address is ours, and the
// setLogLevel line (no Spark Connect client has a SparkContext) is gone.
func sparkJob(t *testing.T, remote, broker string) string {
	t.Helper()
	b, err := os.ReadFile(seedSparkJob)
	if err != nil {
		t.Skipf("SKIP: %s is absent (the shared seed sits beside the repository): %v", seedSparkJob, err)
	}
	src := string(b)
	var lines []string
	edits := 0
	for _, l := range strings.Split(src, "\n") {
		switch {
		case strings.Contains(l, `.master("spark://spark:7077")`):
			l = strings.Replace(l, `.master("spark://spark:7077")`, `.remote("sc://`+remote+`")`, 1)
			edits++
		case strings.Contains(l, "spark.sparkContext.setLogLevel"):
			edits++
			continue
		}
		if strings.Contains(l, "kafka:29092") {
			l = strings.ReplaceAll(l, "kafka:29092", broker)
			edits++
		}
		lines = append(lines, l)
	}
	if edits != 4 {
		t.Fatalf("the seed's Spark job changed: %d of the 4 expected edit points found", edits)
	}
	path := filepath.Join(t.TempDir(), "transaction_job.py")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// sparkWindow is one record of transactions_aggregate_spark.
type sparkWindow struct {
	Start string  `json:"window_start"`
	End   string  `json:"window_end"`
	Total int64   `json:"total_paid"`
	Count int64   `json:"total_transactions"`
	Avg   float64 `json:"average_transaction_value"`
}

// expectedSpark is every window of the records produceSeed wrote for [0, n).
func expectedSpark(n int) map[string]sparkWindow {
	out := map[string]sparkWindow{}
	size := 3 * time.Second
	for i := 0; i < n; i++ {
		if i%3 == 0 {
			continue // Refused
		}
		ts := eventStart.Add(time.Duration(i) * time.Millisecond)
		start := ts.Truncate(size)
		key := start.Format("2006-01-02T15:04:05.000Z07:00")
		w := out[key]
		w.Start, w.End = key, start.Add(size).Format("2006-01-02T15:04:05.000Z07:00")
		w.Total += int64(datagen.Amount(i % 10))
		w.Count++
		out[key] = w
	}
	for k, w := range out {
		w.Avg = float64(w.Total) / float64(w.Count)
		out[k] = w
	}
	return out
}

type sparkServer struct {
	cmd              *exec.Cmd
	out              *lockedBuffer
	listen, sc, data string
}

func startSparkServer(t *testing.T, broker, data, ckptRoot, listen, sc string) *sparkServer {
	t.Helper()
	s := &sparkServer{out: &lockedBuffer{}, listen: listen, sc: sc, data: data}
	s.cmd = exec.Command(tumbleBin, "server", "--listen", listen, "--bootstrap", broker, "--data-dir", data,
		"--spark-connect", sc, "--spark-checkpoint-root", ckptRoot)
	s.cmd.Env = append(os.Environ(), "TZ=UTC")
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get("http://" + listen + "/healthcheck")
		if err == nil {
			resp.Body.Close()
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not come up: %v\n%s", err, s.out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// runJob starts the job's Python process and waits until its query runs
// as a Tumble job.
func runJob(t *testing.T, py, job string, s *sparkServer) (*exec.Cmd, *lockedBuffer) {
	t.Helper()
	out := &lockedBuffer{}
	cmd := exec.Command(py, job)
	cmd.Env = append(os.Environ(), "TZ=UTC")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		var jobs []struct {
			Dialect, Status string
			Metrics         struct{ Checkpoints int64 }
		}
		resp, err := http.Get("http://" + s.listen + "/v1/jobs")
		if err == nil {
			json.NewDecoder(resp.Body).Decode(&jobs)
			resp.Body.Close()
		}
		for _, j := range jobs {
			// Running, and its source's starting positions are in a checkpoint.
			if j.Dialect == "spark" && j.Status == "RUNNING" && j.Metrics.Checkpoints > 0 {
				return cmd, out
			}
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("the Spark job did not start:\n%s\nserver:\n%s", out.String(), s.out)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// lastValues reads the sink topic and returns each window's last value:
// the one with the most rows (the sink writes records without a key, so
// Kafka spreads them over the topic's partitions and only counts grow). It
// fails the test when a window ever held more rows than it has (a row
// counted twice).
func lastValues(t *testing.T, broker string, want map[string]sparkWindow) map[string]sparkWindow {
	t.Helper()
	got := map[string]sparkWindow{}
	for _, w := range readTopic[sparkWindow](t, broker, "transactions_aggregate_spark") {
		if e, ok := want[w.Start]; ok && w.Count > e.Count {
			t.Errorf("window %s counted %d rows, it has %d", w.Start, w.Count, e.Count)
		}
		if w.Count >= got[w.Start].Count {
			got[w.Start] = w
		}
	}
	return got
}

func waitSparkWindows(t *testing.T, broker string, want map[string]sparkWindow, timeout time.Duration, s *sparkServer) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := lastValues(t, broker, want)
		diff := ""
		for k, w := range want {
			if got[k] != w {
				diff += fmt.Sprintf("\n  %s: got %+v, want %+v", k, got[k], w)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				diff += fmt.Sprintf("\n  unexpected window %+v", got[k])
			}
		}
		if diff == "" {
			return
		}
		if time.Now().After(deadline) {
			jobs := ""
			if resp, err := http.Get("http://" + s.listen + "/v1/jobs"); err == nil {
				var sb strings.Builder
				buf := make([]byte, 4096)
				n, _ := resp.Body.Read(buf)
				sb.Write(buf[:n])
				resp.Body.Close()
				jobs = sb.String()
			}
			t.Fatalf("windows of transactions_aggregate_spark:%s\njobs: %s\nserver log:\n%s", diff, jobs, lastLines(s.out.String(), 30))
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// TestSparkSeedJob runs the seed's PySpark job, changed only as allowed,
// through Spark Connect: every window's last value in
// transactions_aggregate_spark is its sum, count and average computed by
// hand. Then the server is killed with SIGKILL, more input is written, the
// server and the job are started again, and the query resumes from its
// checkpointLocation: no window loses or doubles a row.
func TestSparkSeedJob(t *testing.T) {
	py := sparkPython(t)
	broker := startBroker(t)
	produceSeed(t, broker, 0, 0, false) // creates the topic
	listen, sc := freeAddr(t), freeAddr(t)
	data, ckpt := t.TempDir(), t.TempDir()
	job := sparkJob(t, sc, broker)

	s := startSparkServer(t, broker, data, ckpt, listen, sc)
	client, clientOut := runJob(t, py, job, s)
	produceSeed(t, broker, 0, 4500, false)
	waitSparkWindows(t, broker, expectedSpark(4500), 60*time.Second, s)
	if _, err := os.Stat(filepath.Join(ckpt, "tmp/spark/checkpoint/metadata")); err != nil {
		t.Errorf("checkpointLocation holds no metadata: %v", err)
	}

	// kill -9 the server; the client's awaitTermination fails.
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
	done := make(chan error, 1)
	go func() { done <- client.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		client.Process.Kill()
		<-done
	}
	t.Logf("client after the kill: %s", lastLines(clientOut.String(), 3))
	produceSeed(t, broker, 4500, 9000, false)

	s = startSparkServer(t, broker, data, ckpt, listen, sc)
	client, clientOut = runJob(t, py, job, s)
	defer func() {
		client.Process.Kill()
		client.Wait()
		s.cmd.Process.Signal(syscall.SIGTERM)
		s.cmd.Wait()
	}()
	waitSparkWindows(t, broker, expectedSpark(9000), 60*time.Second, s)
	_ = clientOut
}

func lastLines(s string, n int) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

var _ = types.MicrosPerSecond

// TestSparkBatch runs e2e/testdata/spark_batch.py through the real client:
// a batch Kafka read counted, parsed with from_json, aggregated, sorted,
// collected, shown and its schema printed; spark.sql over a Flink table of
// the catalog; and errors, each shown by the client as Spark's exception
// with its error class.
func TestSparkBatch(t *testing.T) {
	py := sparkPython(t)
	broker := startBroker(t)
	produceSeed(t, broker, 0, 300, false)
	listen, sc := freeAddr(t), freeAddr(t)
	s := startSparkServer(t, broker, t.TempDir(), t.TempDir(), listen, sc)
	defer func() {
		s.cmd.Process.Signal(syscall.SIGTERM)
		s.cmd.Wait()
	}()
	stmt := fmt.Sprintf(`CREATE TABLE people (id INT, name STRING) WITH ('connector'='kafka','topic'='people','format'='json',
		'properties.bootstrap.servers'='%s','scan.startup.mode'='earliest-offset');
		SET 'table.dml-sync' = 'true';
		INSERT INTO people VALUES (1,'ann'),(2,'bob'),(3,'bob');`, broker)
	body, _ := json.Marshal(map[string]string{"statement": stmt, "dialect": "flink"})
	resp, err := http.Post("http://"+listen+"/v1/statements", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("statements: %d", resp.StatusCode)
	}
	last := runSparkScript(t, py, "spark_batch.py", sc, broker, s)
	var got struct {
		Count   int
		Schema  string
		Collect []struct{ Total_paid, N, S int64 }
		Show    string
		Tree    string
		Sql     []struct {
			ID   int
			Name string
		}
		Sqlagg []struct {
			Name string
			N    int
		}
		Sqlshow string
		Errors  map[string]string
	}
	if err := json.Unmarshal([]byte(last), &got); err != nil {
		t.Fatalf("%v: %s", err, last)
	}
	if got.Count != 300 {
		t.Errorf("count() = %d, want 300", got.Count)
	}
	if want := "struct<event_timestamp:string,user_id:string,total_paid:int,status:string>"; got.Schema != want {
		t.Errorf("schema %s, want %s", got.Schema, want)
	}
	n := map[int64]int64{}
	for i := 0; i < 300; i++ {
		if i%3 != 0 {
			n[int64(datagen.Amount(i%10))]++
		}
	}
	if len(got.Collect) != len(n) {
		t.Errorf("collect() gave %d groups, want %d: %+v", len(got.Collect), len(n), got.Collect)
	}
	for i, r := range got.Collect {
		if n[r.Total_paid] != r.N || r.S != r.N*r.Total_paid || (i > 0 && r.Total_paid <= got.Collect[i-1].Total_paid) {
			t.Errorf("collect() row %d: %+v (want n=%d, sorted by total_paid)", i, r, n[r.Total_paid])
		}
	}
	wantShow := "+----------+---+---+\n|total_paid|  n|  s|\n+----------+---+---+\n"
	for _, p := range []int64{10, 20, 30} {
		wantShow += fmt.Sprintf("|%10d|%3d|%3d|\n", p, n[p], n[p]*p)
	}
	wantShow += "+----------+---+---+\nonly showing top 3 rows\n"
	if got.Show != wantShow {
		t.Errorf("show():\n%s\nwant:\n%s", got.Show, wantShow)
	}
	if want := "root\n |-- total_paid: integer (nullable = true)\n |-- n: long (nullable = false)\n |-- s: long (nullable = true)\n"; got.Tree != want {
		t.Errorf("printSchema:\n%s\nwant:\n%s", got.Tree, want)
	}
	if len(got.Sql) != 2 || got.Sql[0].ID != 2 || got.Sql[1].Name != "bob" {
		t.Errorf("spark.sql: %+v", got.Sql)
	}
	if len(got.Sqlagg) != 2 || got.Sqlagg[0].Name != "ann" || got.Sqlagg[1].N != 2 {
		t.Errorf("spark.sql GROUP BY: %+v", got.Sqlagg)
	}
	if want := "+---+---+\n|one|  s|\n+---+---+\n|  1|  x|\n+---+---+\n"; got.Sqlshow != want {
		t.Errorf("spark.sql show:\n%s", got.Sqlshow)
	}
	for name, want := range map[string]string{
		"column":     "AnalysisException: [UNRESOLVED_COLUMN.WITH_SUGGESTION] A column, variable, or function parameter with name `nope` cannot be resolved",
		"function":   "AnalysisException: [UNRESOLVED_ROUTINE] Cannot resolve routine `frobnicate`",
		"parse":      "ParseException: [PARSE_SYNTAX_ERROR] Syntax error at or near end of input.",
		"table":      "AnalysisException: [TABLE_OR_VIEW_NOT_FOUND] The table or view `missing` cannot be found.",
		"join":       "AnalysisException: [UNSUPPORTED_FEATURE] The relation Join is not supported by Tumble.",
		"append":     "AnalysisException: [STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION] Append output mode not supported when there are streaming aggregations on streaming DataFrames/DataSets without watermark.",
		"batchwrite": "AnalysisException: [UNSUPPORTED_FEATURE] Batch writes (DataFrame.write) are not supported by Tumble",
	} {
		if !strings.HasPrefix(got.Errors[name], want) {
			t.Errorf("error %s: %q, want it to start with %q", name, got.Errors[name], want)
		}
	}
}

// TestSparkTriggers runs e2e/testdata/spark_triggers.py through the real
// client: availableNow with maxOffsetsPerTrigger reads the topic in
// several micro-batches and ends; once reads it in one, so each window is
// written once; processingTime runs a micro-batch per interval over what
// arrived, and a record written between two emits its window once;
// continuous refuses an aggregation with Spark's message and copies a
// topic record by record.
func TestSparkTriggers(t *testing.T) {
	py := sparkPython(t)
	broker := startBroker(t)
	produceSeed(t, broker, 0, 9000, false)
	listen, sc := freeAddr(t), freeAddr(t)
	s := startSparkServer(t, broker, t.TempDir(), t.TempDir(), listen, sc)
	defer func() {
		s.cmd.Process.Signal(syscall.SIGTERM)
		s.cmd.Wait()
	}()
	more := filepath.Join(t.TempDir(), "more")
	cmd := exec.Command(py, "testdata/spark_triggers.py", sc, broker, more)
	cmd.Env = append(os.Environ(), "TZ=UTC")
	var stdout, stderr lockedBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	produced := false
	var err error
wait:
	for {
		select {
		case err = <-done:
			break wait
		case <-time.After(100 * time.Millisecond):
			if _, serr := os.Stat(more); serr == nil && !produced {
				produceSeed(t, broker, 9001, 9002, false) // one Paid record, window 23:09:54
				produced = true
			}
		case <-time.After(3 * time.Minute):
			cmd.Process.Kill()
			t.Fatalf("spark_triggers.py did not end\n%s\n%s", stdout.String(), stderr.String())
		}
	}
	if err != nil {
		t.Fatalf("spark_triggers.py: %v\n%s\n%s\nserver:\n%s", err, stdout.String(), stderr.String(), lastLines(s.out.String(), 20))
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	var got struct {
		AvailTerminated bool `json:"avail_terminated"`
		AvailBatch      int  `json:"avail_batch"`
		OnceTerminated  bool `json:"once_terminated"`
		OnceBatch       int  `json:"once_batch"`
		IntervalFirst   int  `json:"interval_first"`
		IntervalSecond  int  `json:"interval_second"`
		Errors          map[string]string
		Copied          int `json:"continuous_copied"`
	}
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &got); err != nil {
		t.Fatalf("%v: %s", err, stdout.String())
	}
	if !got.AvailTerminated || got.AvailBatch < 8 {
		t.Errorf("availableNow: terminated %v after batch %d; want it to end after 9 or more micro-batches of at most 1000 offsets", got.AvailTerminated, got.AvailBatch)
	}
	if !got.OnceTerminated || got.OnceBatch != 0 {
		t.Errorf("once: terminated %v after batch %d; want one micro-batch", got.OnceTerminated, got.OnceBatch)
	}
	if got.IntervalFirst != 9000 || got.IntervalSecond != 1 {
		t.Errorf("processingTime: micro-batches of %d and %d rows, want 9000 then 1", got.IntervalFirst, got.IntervalSecond)
	}
	if got.Copied != 9001 {
		t.Errorf("continuous: copied %d records, want 9001", got.Copied)
	}
	for name, want := range map[string]string{
		"continuous_agg": "AnalysisException: Continuous processing does not support Aggregate operations.",
		"interval":       "AnalysisException: [INVALID_INTERVAL_FORMAT]",
	} {
		if !strings.HasPrefix(got.Errors[name], want) {
			t.Errorf("error %s: %q, want it to start with %q", name, got.Errors[name], want)
		}
	}
	type win struct {
		Start string `json:"window_start"`
		Total int64  `json:"total_paid"`
		N     int64
	}
	want := map[string]win{}
	for k, w := range expectedSpark(9000) {
		want[k] = win{w.Start, w.Total, w.Count}
	}
	final := func(topic string) (map[string]win, map[string]int) {
		last, n := map[string]win{}, map[string]int{}
		for _, w := range readTopic[win](t, broker, topic) {
			n[w.Start]++
			if w.N >= last[w.Start].N {
				last[w.Start] = w
			}
		}
		return last, n
	}
	for _, topic := range []string{"avail", "once", "every2s"} {
		last, n := final(topic)
		for k, w := range want {
			if last[k] != w {
				t.Errorf("%s: window %s: %+v, want %+v\n%s\n%s", topic, k, last[k], w, stdout.String(), lastLines(s.out.String(), 40))
			}
		}
		if topic == "once" || topic == "every2s" {
			for k, c := range n {
				if c != 1 {
					t.Errorf("%s: window %s written %d times, want once (one micro-batch changed it)", topic, k, c)
				}
			}
		}
		if topic == "avail" && n["2026-11-23T23:09:45.000Z"] < 2 {
			t.Errorf("avail: window 23:09:45 written %d times; micro-batches of 1000 offsets change it several times", n["2026-11-23T23:09:45.000Z"])
		}
	}
	if _, n := final("every2s"); n["2026-11-23T23:09:54.000Z"] != 1 {
		t.Errorf("every2s: the record written between two triggers gave %d updates of its window, want 1", n["2026-11-23T23:09:54.000Z"])
	}
}

// runSparkScript runs e2e/testdata/script with the Spark Connect address
// and the broker's and returns the last line it printed (its JSON).
func runSparkScript(t *testing.T, py, script, sc, broker string, s *sparkServer) string {
	t.Helper()
	cmd := exec.Command(py, "testdata/"+script, sc, broker)
	cmd.Env = append(os.Environ(), "TZ=UTC")
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("%s: %v\n%s\n%s\nserver:\n%s", script, err, out, stderr, lastLines(s.out.String(), 30))
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

// TestSparkKafkaTopics runs e2e/testdata/spark_kafka.py through the real
// client: a streaming query without a topic option writes each row to the
// topic of its topic column (the seed's paid and refused transactions to
// two topics); batch reads with subscribePattern and assign read them back;
// a missing topic, a topic column of the wrong type, two subscription
// strategies and a NULL topic fail with Spark's messages.
func TestSparkKafkaTopics(t *testing.T) {
	py := sparkPython(t)
	broker := startBroker(t)
	produceSeed(t, broker, 0, 300, false)
	listen, sc := freeAddr(t), freeAddr(t)
	s := startSparkServer(t, broker, t.TempDir(), t.TempDir(), listen, sc)
	defer func() {
		s.cmd.Process.Signal(syscall.SIGTERM)
		s.cmd.Wait()
	}()
	last := runSparkScript(t, py, "spark_kafka.py", sc, broker, s)
	var got struct {
		RoutedTerminated   bool              `json:"routed_terminated"`
		ByTopic            map[string]int    `json:"by_topic"`
		PaidByPartition    map[string]int    `json:"paid_by_partition"`
		AssignedPartition  int               `json:"assigned_partition"`
		Assigned           int               `json:"assigned"`
		AssignedPartitions []int             `json:"assigned_partitions"`
		Errors             map[string]string `json:"errors"`
	}
	if err := json.Unmarshal([]byte(last), &got); err != nil {
		t.Fatalf("%v: %s", err, last)
	}
	t.Logf("spark_kafka.py: %s", last)
	if !got.RoutedTerminated {
		t.Error("the availableNow query did not end")
	}
	if got.ByTopic["route_paid"] != 200 || got.ByTopic["route_refused"] != 100 || len(got.ByTopic) != 2 {
		t.Errorf("subscribePattern route_.* by topic: %v, want route_paid 200, route_refused 100", got.ByTopic)
	}
	p := got.AssignedPartition
	if want := got.PaidByPartition[strconv.Itoa(p)]; got.Assigned != want || want == 0 || len(got.AssignedPartitions) != 1 || got.AssignedPartitions[0] != p {
		t.Errorf("assign route_paid [%d]: %d rows in partitions %v; partition %d of route_paid holds %d (%v)", p, got.Assigned, got.AssignedPartitions, p, want, got.PaidByPartition)
	}
	for name, want := range map[string]string{
		"no_topic":      "AnalysisException: [_LEGACY_ERROR_TEMP_3080] topic option required when no 'topic' attribute is present. Use the topic option for setting a topic.",
		"topic_type":    "AnalysisException: [_LEGACY_ERROR_TEMP_3080] topic attribute unsupported type",
		"both":          "IllegalArgumentException: Only one of the following options can be specified for Kafka source: subscribe, subscribepattern, assign.",
		"pattern_none":  "AnalysisException: [UNSUPPORTED_FEATURE] Waiting for topics that match subscribePattern",
		"null_topic":    "StreamingQueryException: ",
		"foreach_batch": "AnalysisException: [UNSUPPORTED_FEATURE] foreach, foreachBatch and clusterBy are not supported by Tumble",
	} {
		if !strings.HasPrefix(got.Errors[name], want) {
			t.Errorf("error %s: %q, want it to start with %q", name, got.Errors[name], want)
		}
	}
	if !strings.Contains(got.Errors["null_topic"], "null topic present in the data") {
		t.Errorf("error null_topic: %q, want Spark's 'null topic present in the data'", got.Errors["null_topic"])
	}
}
