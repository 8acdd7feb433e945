package e2e

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// BenchmarkConsoleLiveTable10kKeys: a ksqlDB table of 10,000 keys updated
// 1,000 times a second for 10 s, watched in /ui/tables/KV in headless
// Chromium and sorted by its value column. It reports what a redraw of
// the page costs (mean and worst, in ms), how many redraws there were per
// second and the updates the server took in: the page stays responsive
// when redraws stay well under a frame (16 ms) and come at most once per
// frame.
//
//	go test ./e2e -run '^$' -bench ConsoleLiveTable -benchtime 1x
func BenchmarkConsoleLiveTable10kKeys(b *testing.B) {
	if chromiumPath() == "" {
		b.Skip("SKIP browser benchmark: chromium is not installed (apt-get install -y chromium)")
	}
	for range b.N {
		benchLiveTable(b)
	}
}

func benchLiveTable(b *testing.B) {
	const keys, rate, seconds = 10000, 1000, 10
	addr := startBroker(b)
	base := consoleOf(b, "server", "--listen", "127.0.0.1:0", "--bootstrap", addr, "--data-dir", b.TempDir(), "--topic", "kv:3")
	postStatements(b, base, "ksql", "CREATE TABLE kv (k STRING PRIMARY KEY, v BIGINT) WITH (kafka_topic='kv', value_format='json');")
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ProducerLinger(5*time.Millisecond))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	produce := func(k, v int) {
		cl.Produce(context.Background(), &kgo.Record{Topic: "kv", Key: []byte(fmt.Sprintf("key-%05d", k)), Value: []byte(fmt.Sprintf(`{"V": %d}`, v))}, nil)
	}
	for k := range keys {
		produce(k, k)
	}
	if err := cl.Flush(context.Background()); err != nil {
		b.Fatal(err)
	}
	br := startBrowser(b, base)
	br.open("/ui/tables/KV")
	br.waitJS("10,000 rows", `document.querySelector('#row-count') && document.querySelector('#row-count').textContent === '10,000 rows'`, 60*time.Second)
	br.click(`#live-table th[data-col="V"]`)
	br.waitJS("the sort", `document.querySelector('#live-table th[data-col="V"]').textContent.endsWith('▲')`, 10*time.Second)
	before := eval[map[string]string](br, `({...document.querySelector('#live-table').dataset})`)

	var wg sync.WaitGroup
	wg.Add(1)
	start := time.Now()
	go func() {
		defer wg.Done()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		v := keys
		for time.Since(start) < seconds*time.Second {
			<-tick.C
			for range rate / 100 {
				v++
				produce(rand.IntN(keys), v)
			}
		}
		cl.Flush(context.Background())
	}()
	wg.Wait()
	elapsed := time.Since(start)
	time.Sleep(500 * time.Millisecond)
	after := eval[map[string]string](br, `({...document.querySelector('#live-table').dataset})`)
	renders := number(after["renders"]) - number(before["renders"])
	ms := number(after["renderMs"]) - number(before["renderMs"])
	if renders == 0 {
		b.Fatalf("no redraw while updates came: %v %v", before, after)
	}
	if n := eval[string](br, `document.querySelector('#row-count').textContent`); n != "10,000 rows" {
		b.Errorf("the table shows %s", n)
	}
	b.ReportMetric(ms/renders, "ms/redraw")
	b.ReportMetric(number(after["maxRenderMs"]), "max-ms/redraw")
	b.ReportMetric(renders/elapsed.Seconds(), "redraws/s")
	b.ReportMetric(float64(rate), "updates/s")
	if os.Getenv("TUMBLE_SCREENSHOTS") != "" {
		br.screenshot("live-table-10k")
	}
}
