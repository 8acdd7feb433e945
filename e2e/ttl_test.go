package e2e

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/tumble/tumble/connectors/all"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/session"
	"github.com/tumble/tumble/sql"
)

// inProcess returns a Flink session of cfg over every connector and a job
// manager of its own; its jobs stop with the test.
func inProcess(t *testing.T, cfg session.Config) (*session.Session, *session.JobManager) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	reg := engine.NewRegistry()
	all.Register(reg, io.Discard)
	jobs := session.NewJobManager(ctx, nil)
	t.Cleanup(func() { jobs.StopAll(); cancel() })
	cfg.Registry, cfg.Jobs, cfg.Dialect = reg, jobs, sql.Flink
	return session.New(cfg), jobs
}

// manualClock is a processing-time clock the test moves.
type manualClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestStateTTLOverKafka: with SET 'table.exec.state.ttl' = '10 s', a
// group not updated for 10 s of the session's (virtual) processing time
// is forgotten, as in Flink: its next row starts it again with +I, and
// the job counts the expired state.
func TestStateTTLOverKafka(t *testing.T) {
	addr := startBroker(t)
	ctx := context.Background()
	clock := &manualClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	s, _ := inProcess(t, session.Config{Bootstrap: addr, Clock: clock.Now})
	res, err := s.ExecuteText(ctx, `
SET 'table.exec.state.ttl' = '10 s';
CREATE TABLE clicks (user_name STRING) WITH ('connector' = 'kafka', 'topic' = 'clicks', 'format' = 'json', 'scan.startup.mode' = 'earliest-offset');
SELECT user_name, COUNT(*) AS cnt FROM clicks GROUP BY user_name;`)
	if err != nil {
		t.Fatal(err)
	}
	st := res[len(res)-1].Stream
	defer st.Cancel()
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("clicks"), kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	produce := func(users ...string) {
		t.Helper()
		for _, u := range users {
			if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte(fmt.Sprintf(`{"user_name": %q}`, u))}).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
		sctx, scancel := context.WithTimeout(ctx, 30*time.Second)
		defer scancel()
		if err := st.Job.Sync(sctx); err != nil {
			t.Fatal(err)
		}
	}
	take := func() string {
		var got []string
		for {
			select {
			case r := <-st.Rows:
				got = append(got, r.Kind.String()+"["+r.Row[0].String()+", "+r.Row[1].String()+"]")
			default:
				return strings.Join(got, " ")
			}
		}
	}
	produce("Mary", "Bob", "Mary")
	if got, want := take(), "+I[Mary, 1] +I[Bob, 1] -U[Mary, 1] +U[Mary, 2]"; got != want {
		t.Fatalf("before the TTL: %s, want %s", got, want)
	}
	clock.advance(5 * time.Second)
	produce("Bob")
	if got, want := take(), "-U[Bob, 1] +U[Bob, 2]"; got != want {
		t.Fatalf("within the TTL: %s, want %s", got, want)
	}
	clock.advance(6 * time.Second) // Mary idle 11 s, Bob 6 s
	produce("Mary", "Bob")
	if got, want := take(), "+I[Mary, 1] -U[Bob, 2] +U[Bob, 3]"; got != want {
		t.Fatalf("after Mary's TTL: %s, want %s", got, want)
	}
	if n := st.Job.Metrics.StateExpired.Load(); n != 1 {
		t.Errorf("state_expired %d, want 1", n)
	}
}

// TestStateTTLHint: Flink's SELECT /*+ STATE_TTL('t' = '...') */ gives a
// join's inputs and an aggregate their own TTL, over the session's; a
// name that is no input is refused with its position.
func TestStateTTLHint(t *testing.T) {
	s, jobs := inProcess(t, session.Config{})
	ctx := context.Background()
	if _, err := s.ExecuteText(ctx, `
SET 'table.exec.state.ttl' = '1 h';
CREATE TABLE orders (id INT, cid INT) WITH ('connector' = 'datagen', 'rows-per-second' = '1');
CREATE TABLE customers (cid INT, name STRING) WITH ('connector' = 'datagen', 'rows-per-second' = '1');
CREATE TABLE sink (id INT, name STRING) WITH ('connector' = 'blackhole');
CREATE TABLE counts (cid INT, n BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT /*+ STATE_TTL('o' = '1 d', 'customers' = '20 d') */ o.id, c.name
FROM orders AS o JOIN customers AS c ON o.cid = c.cid;
INSERT INTO counts SELECT /*+ STATE_TTL('orders' = '10 min') */ cid, COUNT(*) FROM orders GROUP BY cid;`); err != nil {
		t.Fatal(err)
	}
	var join *engine.Join
	var agg *engine.GroupAgg
	for _, j := range jobs.List() {
		for _, op := range j.Job.Spec().Ops {
			switch x := op.(type) {
			case *engine.Join:
				join = x
			case *engine.GroupAgg:
				agg = x
			}
		}
	}
	if join == nil || join.LeftTTL != 24*time.Hour || join.RightTTL != 20*24*time.Hour || join.TTL != time.Hour {
		t.Errorf("join TTLs: %+v", join)
	}
	if agg == nil || agg.TTL != 10*time.Minute {
		t.Errorf("aggregate TTL: %+v", agg)
	}
	_, err := s.ExecuteText(ctx, "INSERT INTO counts SELECT /*+ STATE_TTL('nope' = '1 d') */ cid, COUNT(*) FROM orders GROUP BY cid;")
	if err == nil || !strings.Contains(err.Error(), "'nope' is not the table or alias of an input") || !strings.Contains(err.Error(), "column 41") {
		t.Errorf("an unknown hint name: %v", err)
	}
	_, err = s.ExecuteText(ctx, "INSERT INTO counts SELECT /*+ STATE_TTL('orders' = 'soon') */ cid, COUNT(*) FROM orders GROUP BY cid;")
	if err == nil || !strings.Contains(err.Error(), "is not a duration") {
		t.Errorf("a bad duration: %v", err)
	}
}
