package server

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// The topic pages' API against the embedded broker: listing with counts
// and sizes, messages newest first with filters, producing, the live tail.
func TestTopicsAPI(t *testing.T) {
	addr := startBroker(t)
	ts := startServer(t, t.TempDir(), addr)
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.RecordPartitioner(kgo.ManualPartitioner()), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	base := time.Date(2026, 11, 23, 23, 9, 45, 0, time.Local)
	for i := range 30 {
		v := `{"n": ` + string(rune('0'+i%10)) + `}`
		if i == 17 {
			v = "<script>alert(1)</script>"
		}
		rec := &kgo.Record{Topic: "orders", Partition: int32(i % 3), Key: []byte("k"), Value: []byte(v), Timestamp: base.Add(time.Duration(i) * time.Second),
			Headers: []kgo.RecordHeader{{Key: "h", Value: []byte("x")}}}
		if err := cl.ProduceSync(context.Background(), rec).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	if err := cl.ProduceSync(context.Background(), &kgo.Record{Topic: "orders", Partition: 0, Value: []byte{0xff, 0xfe}, Timestamp: base.Add(-time.Hour)}).FirstErr(); err != nil {
		t.Fatal(err)
	}

	var topics []TopicSummary
	if st := ts.getJSON("/v1/topics", &topics); st != http.StatusOK {
		t.Fatalf("GET /v1/topics: %d", st)
	}
	var orders *TopicSummary
	for i := range topics {
		if topics[i].Name == "orders" {
			orders = &topics[i]
		}
	}
	if orders == nil || orders.Partitions != 3 || orders.Messages != 31 || orders.Bytes == nil || *orders.Bytes <= 0 {
		t.Fatalf("topics: %+v", topics)
	}
	var d TopicDetail
	ts.getJSON("/v1/topics/orders", &d)
	if len(d.PartitionList) != 3 || d.PartitionList[0].End != 11 || d.PartitionList[1].Messages != 10 {
		t.Errorf("detail: %+v", d)
	}
	if st, _ := ts.do(http.MethodGet, "/v1/topics/nope", "", nil); st != http.StatusNotFound {
		t.Errorf("unknown topic: %d", st)
	}

	var msgs MessagesResponse
	ts.getJSON("/v1/topics/orders/messages?limit=5", &msgs)
	if len(msgs.Messages) != 5 || msgs.Messages[0].Offset != 9 || msgs.Messages[0].Partition != 2 || msgs.Messages[1].Partition != 1 {
		t.Fatalf("newest first: %+v", msgs.Messages)
	}
	if m := msgs.Messages[0]; m.Key == nil || *m.Key != "k" || len(m.Headers) != 1 || m.Headers[0].Value != "x" || m.TimestampText != base.Add(29*time.Second).Format("2006-01-02 15:04:05.000") {
		t.Errorf("message: %+v", m)
	}
	ts.getJSON("/v1/topics/orders/messages?partition=0&offset=3", &msgs)
	if len(msgs.Messages) != 4 || msgs.Messages[0].Offset != 3 || msgs.Messages[3].Offset != 0 {
		t.Errorf("partition 0 up to offset 3: %+v", msgs.Messages)
	}
	ts.getJSON("/v1/topics/orders/messages?q=SCRIPT", &msgs)
	if len(msgs.Messages) != 1 || *msgs.Messages[0].Value != "<script>alert(1)</script>" {
		t.Errorf("text filter: %+v", msgs.Messages)
	}
	ts.getJSON("/v1/topics/orders/messages?partition=0&limit=1000", &msgs)
	last := msgs.Messages[len(msgs.Messages)-1]
	if len(msgs.Messages) != 11 || last.ValueEncoding != "base64" || *last.Value != "//4=" || last.Key != nil {
		t.Errorf("binary value: %+v", last)
	}
	for _, bad := range []string{"partition=x", "partition=7", "limit=0", "offset=-1"} {
		if st, _ := ts.do(http.MethodGet, "/v1/topics/orders/messages?"+bad, "", nil); st != http.StatusBadRequest {
			t.Errorf("%s: %d", bad, st)
		}
	}

	// The live tail sees what is produced after it starts, including a
	// message produced through the API.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.url+"/v1/topics/orders/tail", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	events := sseEvents(resp)
	if ev := <-events; ev.name != "ready" {
		t.Fatalf("first event %+v", ev)
	}
	p := int32(1)
	key, val := "new", `{"hello": "world"}`
	st, body := ts.postJSON("/v1/topics/orders/messages", ProduceRequest{Partition: &p, Key: &key, Value: &val})
	var pr ProduceResponse
	if err := json.Unmarshal(body, &pr); st != http.StatusOK || err != nil || pr.Partition != 1 || pr.Offset != 10 {
		t.Fatalf("produce: %d %s", st, body)
	}
	ev := <-events
	var tailed []Message
	if err := json.Unmarshal([]byte(ev.data), &tailed); ev.name != "messages" || err != nil || len(tailed) != 1 || *tailed[0].Value != val || tailed[0].Offset != 10 {
		t.Errorf("tail: %+v %v", ev, err)
	}
	bad := int32(9)
	if st, _ := ts.postJSON("/v1/topics/orders/messages", ProduceRequest{Partition: &bad, Value: &val}); st != http.StatusBadRequest {
		t.Errorf("produce to a missing partition: %d", st)
	}
}

type sseEvent struct{ name, data string }

// sseEvents reads server-sent events until the body ends.
func sseEvents(resp *http.Response) <-chan sseEvent {
	ch := make(chan sseEvent, 1024)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 0, 64*1024), 64<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.name != "" || ev.data != "" {
					ch <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.data += strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return ch
}
