package kafka

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

const (
	pingEvery   = time.Second     // how often a waiting source or sink pings the cluster
	pingTimeout = 2 * time.Second // a ping slower than this counts as unreachable
)

// clusterHealth is what a source's or sink's Health reports: why the
// cluster could not be reached at the last ping, or nil. Safe for
// concurrent use.
type clusterHealth struct {
	mu   sync.Mutex
	err  error
	last time.Time // of the last ping
}

func (h *clusterHealth) get() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

func (h *clusterHealth) set(err error) {
	h.mu.Lock()
	h.err = err
	h.mu.Unlock()
}

// due reports whether a ping is due (none for pingEvery) and, if so,
// counts one as sent now.
func (h *clusterHealth) due() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if time.Since(h.last) < pingEvery {
		return false
	}
	h.last = time.Now()
	return true
}

// ping asks the cluster for an answer within pingTimeout and records the
// outcome; it returns false when ctx ended first (nothing recorded).
func (h *clusterHealth) ping(ctx context.Context, cl *kgo.Client, brokers []string) bool {
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	err := cl.Ping(pctx)
	cancel()
	if ctx.Err() != nil {
		return false
	}
	if err != nil {
		err = fmt.Errorf("cannot reach the Kafka cluster at %v: %w", brokers, err)
	}
	h.set(err)
	return true
}

// watch pings the cluster every pingEvery until the returned stop is
// called, for a caller about to block on the broker (a sink's flush or
// commit): stop ends the pings, waits for them and clears the health.
func (h *clusterHealth) watch(cl *kgo.Client, brokers []string) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(pingEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if !h.ping(ctx, cl, brokers) {
				return
			}
		}
	}()
	return func() {
		cancel()
		<-done
		h.set(nil)
	}
}
