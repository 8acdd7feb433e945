package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The seed's producer (../shared/seed/producer/fake_data.py) runs
// unmodified: it sends to localhost:9092, written in the file. Tests must
// not use that port on a machine others share, so the producer, the
// broker it sends to and Tumble run in a private network namespace of
// their own (a user namespace maps us to root there, as `unshare -rn`
// does), where 127.0.0.1:9092 is nobody else's; a PID namespace as well,
// so that nothing started there outlives it.
const (
	producerSends = 300
	netnsEnv      = "TUMBLE_PEERS_NETNS" // the task of a child in the namespace
	nsBootstrap   = "127.0.0.1:9092"     // the producer's localhost:9092, inside the namespace only
)

// The seed's requirements.txt names kafka-python, Faker and click
// unpinned; these are the versions pip chose when the check was written.
var producerPkgs = []string{"kafka-python==3.0.12", "faker==40.63.0", "click==8.5.1"}

// nsTask is what the child in the namespace does; nsResult what it says.
type nsTask struct {
	Broker                             string // "kafka" (Apache Kafka) or "tumble" (tumble kafka)
	Tumble, Root, Cache, Shared, Logs  string
	ProducerPy, ClientPy, Script, Spec string
}

type nsResult struct {
	Msg, Err string
	Skip     bool
}

func init() {
	// The peers binary started again inside the namespaces: do the task
	// and exit (main never runs there).
	if spec := os.Getenv(netnsEnv); spec != "" {
		os.Exit(netnsMain(spec))
	}
}

// checkProducer runs the seed's producer (10 processes) against the real
// Apache Kafka and against tumble kafka, with the seed's three pipelines
// (Flink and ksqlDB files, the Spark job through Spark Connect) running on
// a tumble server: each pipeline reads every record the producer sent, and
// its windows count every Paid one (or count it late).
func checkProducer(ctx context.Context, e *env) (string, error) {
	script := filepath.Join(e.shared, "seed", "producer", "fake_data.py")
	if _, err := os.Stat(script); err != nil {
		return "", skipf("the seed's producer is absent: %v", err)
	}
	if _, err := os.Stat(filepath.Join(e.shared, "seed", "spark", "transaction_job.py")); err != nil {
		return "", skipf("the seed's Spark job is absent: %v", err)
	}
	producerPy, err := e.venv(ctx, filepath.Join(venvRoot(), "seed-producer"), "import kafka, faker, click", producerPkgs...)
	if err != nil {
		return "", err
	}
	clientPy, err := e.sparkClientPython(ctx)
	if err != nil {
		return "", err
	}
	// The namespace has no network: fetch Kafka's jars out here.
	if _, err := e.kafkaLib(ctx); err != nil {
		return "", err
	}
	var done []string
	for _, broker := range []string{"kafka", "tumble"} {
		t := nsTask{Broker: broker, Tumble: e.tumble, Root: e.root, Cache: e.cache, Shared: e.shared, Logs: e.logs,
			ProducerPy: producerPy, ClientPy: clientPy, Script: script}
		msg, err := e.inNamespace(ctx, t)
		if err != nil {
			return "", err
		}
		done = append(done, msg)
	}
	return fmt.Sprintf("the seed's producer (unmodified, 10 processes, %d sends to localhost:9092 in a private network namespace) and the seed's Flink, ksqlDB and Spark pipelines: %s", producerSends, strings.Join(done, "; ")), nil
}

// inNamespace runs t in the peers binary started again in new user,
// network and PID namespaces.
func (e *env) inNamespace(ctx context.Context, t nsTask) (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	spec, _ := json.Marshal(t)
	logf, err := os.Create(filepath.Join(e.logs, "producer-"+t.Broker+".log"))
	if err != nil {
		return "", err
	}
	defer logf.Close()
	var out bytes.Buffer
	p := &proc{name: "peers (namespace)", done: make(chan struct{})}
	p.cmd = exec.Command(exe)
	p.cmd.Dir = e.root
	p.cmd.Env = append(os.Environ(), netnsEnv+"="+string(spec))
	p.cmd.Stdout, p.cmd.Stderr = &out, logf
	p.cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:                    true,
		Cloneflags:                 syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET | syscall.CLONE_NEWPID,
		UidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
		GidMappingsEnableSetgroups: false,
	}
	if err := p.cmd.Start(); err != nil {
		return "", skipf("cannot make a private network namespace here (%v): the seed's producer sends to localhost:9092, which a check must not use on a shared machine", err)
	}
	running.Store(p, struct{}{})
	go func() {
		p.err = p.cmd.Wait()
		running.Delete(p)
		close(p.done)
	}()
	defer p.kill9() // the PID namespace ends with it, and all it started
	if err := p.wait(ctx, 8*time.Minute); err != nil && !p.exited() {
		return "", fmt.Errorf("%s: %v", t.Broker, err)
	}
	var res nsResult
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &res); err != nil {
		return "", fmt.Errorf("the check in the namespace (%s) ended without a result (%v): %s", t.Broker, p.err, lastLines(readFile(logf.Name()), 5))
	}
	switch {
	case res.Skip:
		return "", skipf("%s", strings.TrimPrefix(res.Err, errSkip.Error()+": "))
	case res.Err != "":
		return "", fmt.Errorf("%s", res.Err)
	}
	return res.Msg, nil
}

// netnsMain is the child's main: bring the namespace's loopback up, run
// the task, print its result as the last line of standard output.
func netnsMain(spec string) int {
	var t nsTask
	res := nsResult{}
	if err := json.Unmarshal([]byte(spec), &t); err != nil {
		res.Err = "bad task: " + err.Error()
	} else if err := loopbackUp(); err != nil {
		res.Skip, res.Err = true, fmt.Sprintf("cannot bring up the loopback interface of a private network namespace (%v): the seed's producer sends to localhost:9092, which a check must not use on a shared machine", err)
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), 7*time.Minute)
		// Logs of their own: the broker's kafka.log must not truncate the
		// one the other checks' broker writes.
		e := &env{tumble: t.Tumble, root: t.Root, cache: t.Cache, shared: t.Shared, logs: filepath.Join(t.Logs, "producer-"+t.Broker)}
		os.MkdirAll(e.logs, 0o755)
		msg, err := e.producerPipelines(ctx, t)
		cancel()
		killAll()
		res.Msg = msg
		if err != nil {
			res.Err, res.Skip = err.Error(), errors.Is(err, errSkip)
		}
	}
	b, _ := json.Marshal(res)
	fmt.Println(string(b))
	return 0
}

// loopbackUp sets the flags IFF_UP and IFF_RUNNING of "lo" (what `ip link
// set lo up` does).
func loopbackUp() error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM, 0)
	if err != nil {
		return err
	}
	defer syscall.Close(fd)
	var ifr [40]byte // struct ifreq: the name, then the flags (short)
	copy(ifr[:], "lo")
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.SIOCGIFFLAGS, uintptr(unsafe.Pointer(&ifr[0]))); errno != 0 {
		return fmt.Errorf("SIOCGIFFLAGS: %v", errno)
	}
	flags := binary.NativeEndian.Uint16(ifr[16:]) | syscall.IFF_UP | syscall.IFF_RUNNING
	binary.NativeEndian.PutUint16(ifr[16:], flags)
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, uintptr(fd), syscall.SIOCSIFFLAGS, uintptr(unsafe.Pointer(&ifr[0]))); errno != 0 {
		return fmt.Errorf("SIOCSIFFLAGS: %v", errno)
	}
	return nil
}

var deliveredLine = regexp.MustCompile(`Total Messages delivered: (\d+)/(\d+)`)

// producerPipelines runs, inside the namespace, the broker on
// 127.0.0.1:9092, a tumble server with the seed's three pipelines, and
// the seed's producer; then it counts.
func (e *env) producerPipelines(ctx context.Context, t nsTask) (string, error) {
	work := filepath.Join(e.cache, "work", "producer-"+t.Broker)
	os.RemoveAll(work)
	if err := os.MkdirAll(work, 0o755); err != nil {
		return "", err
	}
	log := filepath.Join(e.logs, "tumble.log")
	os.Remove(log)
	brokerName := "tumble kafka"
	switch t.Broker {
	case "kafka":
		brokerName = "Apache Kafka " + kafkaVersion
		k, err := e.newKafkaOn(ctx, nsBootstrap)
		if err != nil {
			return "", err
		}
		defer k.stop()
	default:
		b, err := start(log, e.root, nil, e.tumble, "kafka", "--listen", nsBootstrap, "--partitions", "3")
		if err != nil {
			return "", err
		}
		defer b.stop()
	}
	// The seed's topic: 3 partitions.
	if err := retry(ctx, 60*time.Second, func() error { return createTopic(ctx, nsBootstrap, "transactions", 3) }); err != nil {
		return "", fmt.Errorf("%s: creating the topic: %v", brokerName, err)
	}

	// The seed's pipelines on one tumble server.
	listen, err := freePort()
	if err != nil {
		return "", err
	}
	sc, err := freePort()
	if err != nil {
		return "", err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d", listen)
	srv, err := start(log, e.root, nil, e.tumble, "server", "--listen", fmt.Sprintf("127.0.0.1:%d", listen), "--bootstrap", nsBootstrap,
		"--data-dir", filepath.Join(work, "server"), "--spark-connect", fmt.Sprintf("127.0.0.1:%d", sc), "--spark-checkpoint-root", filepath.Join(work, "spark"))
	if err != nil {
		return "", err
	}
	defer srv.stop()
	if err := waitHTTP(ctx, url+"/healthcheck", 30*time.Second); err != nil {
		return "", err
	}
	flinkDir := filepath.Join(work, "flink")
	if _, err := e.seedFiles("flink", flinkDir, func(_, text string) string { return strings.ReplaceAll(text, "kafka:29092", nsBootstrap) }); err != nil {
		return "", err
	}
	ksqlFiles, err := e.seedFiles("ksql", filepath.Join(work, "ksql"), func(_, text string) string { return text })
	if err != nil {
		return "", err
	}
	for _, args := range [][]string{{"sql", "--server", url, "-f", flinkDir}, append([]string{"sql", "--server", url, "--ksql"}, fileArgs(ksqlFiles)...)} {
		sub, err := start(log, e.root, nil, e.tumble, args...)
		if err != nil {
			return "", err
		}
		if err := sub.wait(ctx, 90*time.Second); err != nil {
			return "", fmt.Errorf("tumble %s: %v: %s", strings.Join(args[:4], " "), err, lastLines(sub.output(), 3))
		}
	}
	src, err := os.ReadFile(filepath.Join(e.shared, "seed", "spark", "transaction_job.py"))
	if err != nil {
		return "", err
	}
	job, err := editSparkJob(string(src), []jobEdit{
		{`.master("spark://spark:7077")`, fmt.Sprintf(`.remote("sc://127.0.0.1:%d")`, sc), 1},
		{`spark.sparkContext.setLogLevel("WARN")` + "\n", "", 1},
		{"kafka:29092", nsBootstrap, 2},
	})
	if err != nil {
		return "", err
	}
	jobFile := filepath.Join(work, "transaction_job.py")
	if err := os.WriteFile(jobFile, []byte(job), 0o644); err != nil {
		return "", err
	}
	cl, err := start(log, work, nil, t.ClientPy, jobFile)
	if err != nil {
		return "", err
	}
	defer cl.kill9()
	// ksqlDB's queries and Spark's start at the latest offsets: produce
	// once every job runs and has checkpointed its positions.
	if err := waitPipelines(ctx, url, 2*time.Minute); err != nil {
		return "", fmt.Errorf("%s: %v (spark job: %s)", brokerName, err, lastLines(cl.output(), 3))
	}

	// The seed's producer, unmodified, run as its README says.
	pr, err := start(filepath.Join(e.logs, "fake_data.log"), work, nil, t.ProducerPy, t.Script, "--number", strconv.Itoa(producerSends))
	if err != nil {
		return "", err
	}
	if err := pr.wait(ctx, 4*time.Minute); err != nil {
		return "", fmt.Errorf("%s: the seed's producer: %v: %s", brokerName, err, lastLines(pr.output(), 3))
	}
	m := deliveredLine.FindStringSubmatch(pr.output())
	if m == nil {
		return "", fmt.Errorf("%s: the seed's producer did not say what it delivered: %s", brokerName, lastLines(pr.output(), 3))
	}
	delivered, _ := strconv.Atoi(m[1])
	if delivered != producerSends {
		return "", fmt.Errorf("%s: the seed's producer delivered %d of %d", brokerName, delivered, producerSends)
	}
	// What the topic holds: every record the producer sent, each once.
	recs, err := readAll(ctx, nsBootstrap, "transactions")
	if err != nil {
		return "", fmt.Errorf("%s: %v", brokerName, err)
	}
	if len(recs) != producerSends {
		return "", fmt.Errorf("%s: the topic holds %d records, the seed's producer sent %d", brokerName, len(recs), producerSends)
	}
	paidIn, last := int64(0), time.Time{}
	ids := map[string]bool{}
	for _, r := range recs {
		var x txn
		if err := json.Unmarshal(r.Value, &x); err != nil {
			return "", fmt.Errorf("%s: a record the producer sent is not JSON: %q", brokerName, r.Value)
		}
		if x.Status == "Paid" {
			paidIn++
		}
		if ts, err := time.Parse(tsLayout, x.EventTimestamp); err == nil && ts.After(last) {
			last = ts
		}
		ids[string(r.Value)] = true
	}
	if len(ids) != len(recs) {
		return "", fmt.Errorf("%s: %d of the %d records are duplicates", brokerName, len(recs)-len(ids), len(recs))
	}
	// A later Refused record in every partition closes the last windows of
	// the Flink pipeline (its watermark has no delay).
	if err := produceClosers(ctx, nsBootstrap, "transactions", last.Add(10*time.Second)); err != nil {
		return "", err
	}
	total := int64(producerSends + 3)
	var counts pipelineCounts
	deadline := time.Now().Add(2 * time.Minute)
	for {
		counts, err = countPipelines(ctx, url, total, paidIn)
		if err == nil {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return "", fmt.Errorf("%s: %d records sent (%d Paid) and 3 closing ones: %v", brokerName, producerSends, paidIn, err)
		}
		time.Sleep(time.Second)
	}
	return fmt.Sprintf("%s: %d records in the topic, %d read by each pipeline (3 closing ones added), all %d Paid in their windows (late: %d Flink, %d ksqlDB)",
		brokerName, producerSends, total, paidIn, counts.flinkLate, counts.ksqlLate), nil
}

func retry(ctx context.Context, within time.Duration, f func() error) error {
	deadline := time.Now().Add(within)
	for {
		err := f()
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			return err
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// readAll reads a topic from its start to its end offsets.
func readAll(ctx context.Context, bootstrap, topic string) ([]rawRecord, error) {
	cl, err := kgo.NewClient(kgo.SeedBrokers(bootstrap))
	if err != nil {
		return nil, err
	}
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
	cl.Close()
	if err != nil {
		return nil, err
	}
	var n int64
	ends.Each(func(o kadm.ListedOffset) { n += o.Offset })
	return readUntil(ctx, bootstrap, topic, false, time.Minute, func(r []rawRecord) bool { return int64(len(r)) >= n })
}

// seedJob is a job of /v1/jobs.
type seedJob struct {
	Dialect, Status, Sink, Statement string
	Metrics                          struct {
		RecordsIn   int64 `json:"records_in"`
		RecordsOut  int64 `json:"records_out"`
		LateDropped int64 `json:"late_records_dropped"`
		Checkpoints int64
	}
}

// waitPipelines waits until the server runs the seed's four jobs (Flink's
// INSERT, ksqlDB's two queries, Spark's), each checkpointed.
func waitPipelines(ctx context.Context, url string, within time.Duration) error {
	deadline := time.Now().Add(within)
	var jobs []seedJob
	for {
		jobs = nil
		if err := getJSON(ctx, url+"/v1/jobs", &jobs); err == nil {
			ready := 0
			for _, j := range jobs {
				if j.Status == "RUNNING" && j.Metrics.Checkpoints > 0 {
					ready++
				}
			}
			if ready == 4 && len(jobs) == 4 {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the seed's 4 jobs were not all running and checkpointed within %s: %+v", within, jobs)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

type pipelineCounts struct{ flinkLate, ksqlLate int64 }

// countPipelines checks that each pipeline read total records and that
// its windows (plus the rows it counted late) hold every Paid one.
func countPipelines(ctx context.Context, url string, total, paid int64) (pipelineCounts, error) {
	var c pipelineCounts
	var jobs []seedJob
	if err := getJSON(ctx, url+"/v1/jobs", &jobs); err != nil {
		return c, err
	}
	var flink, ksqlStream, ksqlTable, spark *seedJob
	for i := range jobs {
		j := &jobs[i]
		switch {
		case j.Dialect == "flink":
			flink = j
		case j.Dialect == "spark":
			spark = j
		case strings.Contains(strings.ToUpper(j.Sink), "PAID_TRANSACTIONS_STREAM"):
			ksqlStream = j
		case strings.Contains(strings.ToUpper(j.Sink), "WINDOWED_TRANSACTIONS"):
			ksqlTable = j
		}
	}
	if flink == nil || ksqlStream == nil || ksqlTable == nil || spark == nil {
		return c, fmt.Errorf("the server does not list the seed's 4 jobs: %+v", jobs)
	}
	var problems []string
	in := func(name string, j *seedJob, want int64) {
		if j.Metrics.RecordsIn != want {
			problems = append(problems, fmt.Sprintf("%s read %d records, want %d", name, j.Metrics.RecordsIn, want))
		}
	}
	in("Flink's INSERT", flink, total)
	in("ksqlDB's paid_transactions_stream", ksqlStream, total)
	in("ksqlDB's windowed_transactions", ksqlTable, paid)
	in("Spark's query", spark, total)
	bootstrap := nsBootstrap
	// Flink: one record per window.
	fw, _ := readUntil(ctx, bootstrap, "transactions_aggregate_flink", false, 2*time.Second, nil)
	ws, err := windows(fw)
	if err != nil {
		return c, err
	}
	var n int64
	for _, w := range ws {
		n += w.Count
	}
	if n+flink.Metrics.LateDropped != paid {
		problems = append(problems, fmt.Sprintf("Flink's windows count %d Paid records and %d late, want %d", n, flink.Metrics.LateDropped, paid))
	}
	// ksqlDB: an update per row; the last of each window (keyed).
	kr, _ := readUntil(ctx, bootstrap, "transactions_aggregate_ksql", false, 2*time.Second, nil)
	lastK := map[string]int64{}
	for _, r := range kr {
		var v map[string]int64
		if json.Unmarshal(r.Value, &v) == nil {
			lastK[string(r.Key)] = v["TOTAL_TRANSACTIONS"]
		}
	}
	n = 0
	for _, v := range lastK {
		n += v
	}
	if n+ksqlTable.Metrics.LateDropped != paid {
		problems = append(problems, fmt.Sprintf("ksqlDB's windows count %d Paid records and %d late, want %d", n, ksqlTable.Metrics.LateDropped, paid))
	}
	// Spark: updates without a key over the topic's partitions; a
	// window's last is its largest count.
	sr, _ := readUntil(ctx, bootstrap, "transactions_aggregate_spark", false, 2*time.Second, nil)
	maxS := map[string]int64{}
	for _, r := range sr {
		var w sparkRow
		if json.Unmarshal(r.Value, &w) == nil && w.Count > maxS[w.Start] {
			maxS[w.Start] = w.Count
		}
	}
	n = 0
	for _, v := range maxS {
		n += v
	}
	if n != paid {
		problems = append(problems, fmt.Sprintf("Spark's windows count %d Paid records, want %d", n, paid))
	}
	if len(problems) > 0 {
		return c, fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	c.flinkLate, c.ksqlLate = flink.Metrics.LateDropped, ksqlTable.Metrics.LateDropped
	return c, nil
}
