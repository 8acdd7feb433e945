package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/connectors/datagen"
)

// Tumble Console in a real browser: headless Chromium (Debian's
// `chromium`, never one a test tool downloads) driven over the DevTools
// protocol, against `tumble server` running the seed's Flink and ksqlDB
// pipelines with data flowing. Each step asserts what a person sees.
//
// Without chromium on the PATH (or $TUMBLE_CHROMIUM) the test is skipped
// and `make test` prints a SKIP line; `.ci/run` installs it. Screenshots go
// to $TUMBLE_SCREENSHOTS (a temporary directory by default).

// chromiumPath finds the browser.
func chromiumPath() string {
	if p := os.Getenv("TUMBLE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// consoleServer runs `tumble server` on a free port and returns the
// console's URL (read from what the server prints).
func consoleServer(t testing.TB, bootstrap string, args ...string) string {
	t.Helper()
	return consoleOf(t, append([]string{"server", "--listen", "127.0.0.1:0", "--bootstrap", bootstrap, "--data-dir", t.TempDir()}, args...)...)
}

// consoleOf runs tumble with args and returns the console URL it prints.
func consoleOf(t testing.TB, args ...string) string {
	t.Helper()
	var out lockedBuffer
	cmd := exec.Command(tumbleBin, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() })
	re := regexp.MustCompile(`Tumble Console: (https?://\S+)/`)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server printed no console URL:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func postStatements(t testing.TB, base, dialect, text string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"statement": text, "dialect": dialect})
	resp, err := http.Post(base+"/v1/statements", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("statements: %d %s", resp.StatusCode, b)
	}
}

// browser drives one Chromium tab.
type browser struct {
	t       testing.TB
	ctx     context.Context
	base    string
	shots   string
	dialogs atomic.Int32
}

func startBrowser(t testing.TB, base string) *browser {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		t.Skip("SKIP browser tests: chromium is not installed (apt-get install -y chromium)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx, base: base, shots: os.Getenv("TUMBLE_SCREENSHOTS")}
	if b.shots == "" {
		b.shots = t.TempDir()
	}
	// Starting the event stream starts the browser (without a timeout,
	// which would end it). Confirmations (Stop) are accepted; every dialog
	// is counted, so that an alert() from a message value would show.
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			b.dialogs.Add(1)
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	return b
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.screenshot("failed")
		b.t.Fatal(err)
	}
}

func (b *browser) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base + path))
}

func (b *browser) click(sel string) {
	b.t.Helper()
	b.do(chromedp.Click(chromedp.CSS(sel)))
}

func (b *browser) setValue(sel, value string) {
	b.t.Helper()
	b.do(chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.SetValue(chromedp.CSS(sel), value))
}

// eval returns the value of a JavaScript expression.
func eval[T any](b *browser, js string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		b.t.Fatalf("%s: %v", js, err)
	}
	return v
}

// waitJS waits until a JavaScript expression is true.
func (b *browser) waitJS(what, js string, timeout time.Duration) {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!("+js+")"))
		cancel()
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			b.screenshot("timeout")
			ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
			text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('main').innerText.slice(0, 3000)`))
			cancel()
			b.t.Fatalf("timed out waiting for %s (%v); the page shows:\n%s", what, err, text)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (b *browser) screenshot(name string) string {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
		return ""
	}
	p := filepath.Join(b.shots, name+".png")
	if err := os.WriteFile(p, buf, 0o644); err != nil {
		b.t.Logf("screenshot %s: %v", name, err)
	}
	b.t.Logf("screenshot: %s", p)
	return p
}

// number reads "1,234" as 1234.
func number(s string) float64 {
	var f float64
	fmt.Sscan(strings.ReplaceAll(strings.TrimSpace(s), ",", ""), &f)
	return f
}

func TestConsoleInBrowser(t *testing.T) {
	if chromiumPath() == "" {
		t.Skip("SKIP browser tests: chromium is not installed (apt-get install -y chromium)")
	}
	addr := startBroker(t)
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	// A topic whose values would run script if the console wrote them as HTML.
	for _, v := range []string{`<img src=x onerror="alert(2)">`, "<script>alert(1)</script>"} {
		if err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: "notes", Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	base := consoleServer(t, addr, "--topic", "transactions:3")
	postStatements(t, base, "flink", seedText(t, addr))
	files, _ := filepath.Glob("../queries/ksql/*.sql")
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		postStatements(t, base, "ksql", string(raw))
	}
	genCtx, stopGen := context.WithCancel(context.Background())
	genDone := make(chan struct{})
	go func() {
		defer close(genDone)
		datagen.ProduceTransactions(genCtx, datagen.TxConfig{Bootstrap: addr, Topic: "transactions", N: math.MaxInt32, Parallel: 10, Rate: 100, Progress: io.Discard})
	}()
	defer func() { stopGen(); <-genDone }()

	b := startBrowser(t, base)

	t.Run("jobs running with growing counts", func(t *testing.T) {
		b.t = t
		b.open("/")
		b.waitJS("three jobs", `document.querySelectorAll('#jobs tbody tr').length === 3`, 30*time.Second)
		statuses := eval[[]string](b, `[...document.querySelectorAll('#jobs [data-status]')].map(e => e.textContent)`)
		for _, s := range statuses {
			if s != "RUNNING" {
				t.Errorf("statuses %v", statuses)
			}
		}
		in := eval[[]string](b, `[...document.querySelectorAll('#jobs tbody tr')].map(r => r.cells[5].querySelector('.count').textContent)`)
		b.waitJS("records in to grow", fmt.Sprintf(`[...document.querySelectorAll('#jobs tbody tr')].some((r, i) => Number(r.cells[5].querySelector('.count').textContent.replace(/,/g, '')) > %v[i])`,
			jsNumbers(in)), 30*time.Second)
		b.screenshot("jobs")
	})

	var flinkJob string
	t.Run("job plan with per-operator metrics", func(t *testing.T) {
		b.t = t
		flinkJob = eval[string](b, `document.querySelector('#jobs tbody tr[data-job-id]:not([data-job-id^="C"])').dataset.jobId`)
		b.click(`#jobs tr[data-job-id="` + flinkJob + `"] a`)
		b.waitJS("the plan graph", `document.querySelectorAll('#plan-graph g.node').length === 6`, 30*time.Second)
		names := eval[[]string](b, `[...document.querySelectorAll('#operators tbody tr')].map(r => r.cells[1].textContent)`)
		if strings.Join(names, ",") != "Sink,Calc,WindowAggregate,Calc,WatermarkAssigner,TableSourceScan" {
			t.Errorf("operators: %v", names)
		}
		b.waitJS("records through the scan", `Number(document.querySelector('#operators tr[data-node="5"]').cells[2].textContent.replace(/,/g, '')) > 0`, 30*time.Second)
		if s := eval[string](b, `document.querySelector('#statement').textContent`); !strings.Contains(s, "INSERT INTO transactions_paid_agg_table") {
			t.Errorf("statement: %q", s)
		}
		b.screenshot("job")
	})

	t.Run("topics and messages", func(t *testing.T) {
		b.t = t
		b.open("/ui/topics")
		b.waitJS("the seed's topics", `document.querySelector('#topics [data-topic="transactions"]') && document.querySelector('#topics [data-topic="transactions_aggregate_ksql"]')`, 30*time.Second)
		b.click(`#topics [data-topic="transactions"] a`)
		b.waitJS("transactions' messages", `document.querySelectorAll('#messages tbody tr[data-offset]').length > 0`, 30*time.Second)
		if v := eval[string](b, `document.querySelector('#messages tbody tr td.value').textContent`); !strings.Contains(v, `"event_timestamp"`) {
			t.Errorf("a transaction shows as %q", v)
		}
		b.open("/ui/topics/transactions_aggregate_ksql")
		b.waitJS("the ksqlDB results' messages", `document.querySelectorAll('#messages tbody tr[data-offset]').length > 0`, 30*time.Second)
		if v := eval[string](b, `document.querySelector('#messages tbody tr td.value').textContent`); !strings.Contains(v, "TOTAL_PAID") {
			t.Errorf("a result shows as %q", v)
		}
		b.screenshot("topic")
	})

	t.Run("a script value shows as text", func(t *testing.T) {
		b.t = t
		b.open("/ui/topics/notes")
		b.waitJS("the notes", `document.querySelectorAll('#messages tbody tr[data-offset]').length === 2`, 30*time.Second)
		values := eval[[]string](b, `[...document.querySelectorAll('#messages td.value')].map(td => td.textContent)`)
		if len(values) != 2 || values[0] != "<script>alert(1)</script>" || values[1] != `<img src=x onerror="alert(2)">` {
			t.Errorf("values shown: %q", values)
		}
		if n := eval[int](b, `document.querySelectorAll('#messages script, #messages img').length`); n != 0 {
			t.Errorf("%d elements were made from message values", n)
		}
		// The live tail shows what is produced now, from Kafka and from the form.
		b.click(`#live-tail`)
		b.waitJS("the tail to start", `document.querySelector('#messages-status').textContent.startsWith('Live')`, 30*time.Second)
		if err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: "notes", Value: []byte("tailed <b>bold</b>")}).FirstErr(); err != nil {
			t.Fatal(err)
		}
		b.waitJS("the tailed message", `[...document.querySelectorAll('#messages td.value')].some(td => td.textContent === 'tailed <b>bold</b>')`, 30*time.Second)
		b.setValue(`#produce textarea[name=value]`, `{"from": "the form"}`)
		b.click(`#produce button[type=submit]`)
		b.waitJS("the produced message", `document.querySelector('#produce-result').textContent.startsWith('Produced to partition ')`, 30*time.Second)
		b.waitJS("it in the tail", `[...document.querySelectorAll('#messages td.value')].some(td => td.textContent.includes('"from": "the form"'))`, 30*time.Second)
		if n := b.dialogs.Load(); n != 0 {
			t.Errorf("%d dialogs opened", n)
		}
		b.screenshot("notes")
	})

	t.Run("the ksqlDB results as a live table with a chart", func(t *testing.T) {
		b.t = t
		b.open("/ui/tables/WINDOWED_TRANSACTIONS")
		b.waitJS("rows", `document.querySelectorAll('#live-table tbody tr').length >= 2`, 60*time.Second)
		first := eval[string](b, `document.querySelector('#live-table tbody').innerText`)
		b.waitJS("the rows to update", fmt.Sprintf(`document.querySelector('#live-table tbody').innerText !== %q`, first), 30*time.Second)
		// One row per window: the latest update replaced the others.
		col := eval[int](b, `[...document.querySelectorAll('#live-table th')].findIndex(th => th.dataset.col === 'WINDOW_START')`)
		starts := eval[[]string](b, fmt.Sprintf(`[...document.querySelectorAll('#live-table tbody tr')].map(r => r.cells[%d].title)`, col))
		seen := map[string]bool{}
		for _, s := range starts {
			if seen[s] {
				t.Errorf("window %s shown twice", s)
			}
			seen[s] = true
		}
		if len(starts) < 2 || eval[string](b, `document.querySelector('#chart-y').selectedOptions[0].textContent`) != "TOTAL_PAID" {
			t.Errorf("%d windows; chart of %s", len(starts), eval[string](b, `document.querySelector('#chart-y').value`))
		}
		b.waitJS("the chart", `Number(document.querySelector('#chart').dataset.points) >= 2 && document.querySelector('#chart canvas')`, 30*time.Second)
		painted := eval[int](b, `(() => { const c = document.querySelector('#chart canvas'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i]) n++; return n; })()`)
		if painted < 1000 {
			t.Errorf("the chart painted %d pixels", painted)
		}
		// Sorting by a column (drawn at the next animation frame).
		b.click(`#live-table th[data-col="TOTAL_PAID"]`)
		b.waitJS("rows sorted by TOTAL_PAID", `(() => {
			const v = [...document.querySelectorAll('#live-table tbody tr')].map(r => Number(r.cells[3].textContent.replace(/,/g, '')));
			return document.querySelector('#live-table th[data-col="TOTAL_PAID"]').textContent.endsWith('▲') && v.length > 1 && v.every((x, i) => i === 0 || v[i - 1] <= x);
		})()`, 10*time.Second)
		b.click(`#live-table th[data-col="WINDOW_START"]`)
		b.click(`#live-table th[data-col="WINDOW_START"]`)
		b.waitJS("the chart", `document.querySelectorAll('#live-table tbody tr').length >= 3`, 30*time.Second)
		b.screenshot("live-table")
	})

	var sqlJob string
	t.Run("statements from the SQL page", func(t *testing.T) {
		b.t = t
		b.open("/ui/sql")
		b.setValue(`#dialect`, "flink")
		b.setValue(`#editor`, "SHOW TABLES;")
		b.click(`#run`)
		b.waitJS("SHOW TABLES", `[...document.querySelectorAll('#results td')].some(td => td.textContent === 'transactions_paid_agg_table')`, 30*time.Second)
		b.setValue(`#editor`, "SELECT window_start, total_paid FROM transactions_paid_agg_table /*+ OPTIONS('scan.startup.mode' = 'earliest-offset') */;")
		b.click(`#run`)
		b.waitJS("streamed rows", `document.querySelectorAll('#query-table tbody tr').length > 0`, 30*time.Second)
		b.click(`#stop-query`)
		b.waitJS("the query to stop", `document.querySelector('#query-status').textContent.startsWith('Stopped')`, 30*time.Second)
		b.setValue(`#editor`, "CREATE TABLE console_sink (window_start TIMESTAMP(3), total_paid INT) WITH ('connector' = 'blackhole');\nINSERT INTO console_sink SELECT window_start, total_paid FROM transactions_paid_agg_table;")
		b.click(`#run`)
		b.waitJS("the INSERT's job link", `document.querySelector('.job-result a')`, 30*time.Second)
		sqlJob = eval[string](b, `document.querySelector('.job-result a').textContent`)
		if n := eval[int](b, `document.querySelectorAll('#history li').length`); n < 3 {
			t.Errorf("history has %d entries", n)
		}
		b.screenshot("sql")
		b.click(`.job-result a`)
		b.waitJS("the new job's page", `document.querySelector('h1 [data-status]') && document.querySelector('h1 [data-status]').textContent === 'RUNNING'`, 30*time.Second)
	})

	t.Run("stop a job", func(t *testing.T) {
		b.t = t
		if !strings.Contains(eval[string](b, `location.pathname`), sqlJob) {
			t.Fatalf("not on the job page of %s", sqlJob)
		}
		before := b.dialogs.Load()
		b.click(`#stop-job`)
		b.waitJS("STOPPED", `document.querySelector('h1 [data-status]').textContent === 'STOPPED'`, 30*time.Second)
		if b.dialogs.Load() != before+1 {
			t.Errorf("Stop asked for confirmation %d times", b.dialogs.Load()-before)
		}
		b.open("/ui/jobs")
		b.waitJS("the stopped job in the list", fmt.Sprintf(`document.querySelector('#jobs tr[data-job-id=%q] [data-status]').textContent === 'STOPPED'`, sqlJob), 30*time.Second)
	})

	t.Run("catalog", func(t *testing.T) {
		b.t = t
		b.open("/ui/catalog")
		b.waitJS("objects", `document.querySelector('#catalog [data-object="WINDOWED_TRANSACTIONS"]') && document.querySelector('#functions td')`, 30*time.Second)
		b.click(`#catalog [data-object="transactions_table"] summary`)
		b.waitJS("SHOW CREATE", `document.querySelector('#catalog [data-object="transactions_table"] pre.ddl').textContent.includes('CREATE TABLE')`, 30*time.Second)
	})
}

func jsNumbers(in []string) string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = fmt.Sprint(number(s))
	}
	return "[" + strings.Join(out, ",") + "]"
}

// With --basic-auth the console and the APIs refuse a request without
// credentials (401) and accept one with them; /healthcheck stays open.
func TestServerBasicAuthFlag(t *testing.T) {
	addr := startBroker(t)
	t.Setenv("TUMBLE_BASIC_AUTH", "")
	base := consoleServer(t, addr, "--basic-auth", "seed:pa55")
	for _, c := range []struct{ method, path string }{{"GET", "/"}, {"GET", "/ui/jobs"}, {"POST", "/ksql"}, {"GET", "/v1/jobs"}, {"GET", "/metrics"}} {
		for _, auth := range []bool{false, true} {
			req, _ := http.NewRequest(c.method, base+c.path, strings.NewReader(`{"ksql": "SHOW STREAMS;"}`))
			req.Header.Set("Content-Type", "application/json")
			if auth {
				req.SetBasicAuth("seed", "pa55")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			want := http.StatusUnauthorized
			if auth {
				want = http.StatusOK
			}
			if resp.StatusCode != want {
				t.Errorf("%s %s (credentials %v): %d, want %d", c.method, c.path, auth, resp.StatusCode, want)
			}
		}
	}
	resp, err := http.Get(base + "/healthcheck")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthcheck: %d", resp.StatusCode)
	}
}

// `tumble run --ui` serves the console over the jobs of its files.
func TestRunServesConsole(t *testing.T) {
	addr := startBroker(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "seed.sql"), []byte(seedText(t, addr)), 0o644); err != nil {
		t.Fatal(err)
	}
	base := consoleOf(t, "run", "--ui", "127.0.0.1:0", "-f", filepath.Join(dir, "seed.sql"))
	resp, err := http.Get(base + "/v1/jobs")
	if err != nil {
		t.Fatal(err)
	}
	var jobs []struct{ Status, Sink string }
	json.NewDecoder(resp.Body).Decode(&jobs)
	resp.Body.Close()
	if len(jobs) != 1 || jobs[0].Status != "RUNNING" || jobs[0].Sink != "transactions_paid_agg_table" {
		t.Errorf("jobs: %+v", jobs)
	}
	resp, err = http.Get(base + "/ui/jobs")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), "<title>Tumble Console</title>") || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("console page: %d %s", resp.StatusCode, page)
	}
}
