package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// checkFlink runs the seed's three Flink files on the real Apache Flink
// (Tumble's runner, a local environment) and on Tumble, over the same
// input topic of the real broker, and compares the two sink topics record
// by record: the JSON text (values, field names, timestamp text) and the
// key; both must also equal the windows computed by hand.
func checkFlink(ctx context.Context, e *env) (string, error) {
	began := time.Now().Add(-time.Second)
	runner, err := e.flinkRunner(ctx)
	if err != nil {
		return "", err
	}
	k, err := e.startKafka(ctx)
	if err != nil {
		return "", err
	}
	const input = "transactions_oracle"
	if err := createTopic(ctx, k.plain, input, 3); err != nil {
		return "", err
	}
	txns := seedData(7, time.Date(2026, 11, 23, 23, 9, 45, 0, time.UTC), 900)
	if err := produceSeed(ctx, k.plain, input, txns, true); err != nil {
		return "", err
	}
	want := expected(txns)
	work := filepath.Join(e.cache, "work", "flink")
	edit := func(engine string) func(string, string) string {
		return func(_, text string) string {
			text = strings.ReplaceAll(text, "kafka:29092", k.plain)
			text = strings.ReplaceAll(text, "'topic' = 'transactions'", "'topic' = '"+input+"'")
			text = strings.ReplaceAll(text, "'transactions_aggregate_flink'", "'transactions_aggregate_flink_"+engine+"'")
			return strings.ReplaceAll(text, "'properties.group.id' = 'flink'", "'properties.group.id' = 'flink-"+engine+"'")
		}
	}
	flinkFiles, err := e.seedFiles("flink", filepath.Join(work, "real"), edit("real"))
	if err != nil {
		return "", err
	}
	tumbleFiles, err := e.seedFiles("flink", filepath.Join(work, "tumble"), edit("tumble"))
	if err != nil {
		return "", err
	}
	fl, err := start(filepath.Join(e.logs, "flink-seed.log"), e.root, nil, "java", append(runner, flinkFiles...)...)
	if err != nil {
		return "", err
	}
	defer fl.kill9()
	// Tumble's SQL client reads the files on its standard input, as a user
	// pastes them, and answers SHOW JOBS EXTENDED should the output not come.
	tu, stdin, err := startIn(filepath.Join(e.logs, "flink-seed-tumble.log"), e.root, nil, e.tumble, "sql", "--bootstrap", k.plain)
	if err != nil {
		return "", err
	}
	defer tu.stop()
	for _, f := range tumbleFiles {
		if _, err := io.WriteString(stdin, mustRead(f)+";\n"); err != nil {
			return "", err
		}
	}
	read := func(topic string, p *proc, who string) ([]rawRecord, error) {
		recs, err := readUntil(ctx, k.plain, topic, false, 180*time.Second, func(r []rawRecord) bool { return len(r) >= len(want) || p.exited() })
		if err != nil || len(recs) < len(want) {
			if p == tu {
				io.WriteString(stdin, "SHOW JOBS EXTENDED;\n")
				time.Sleep(2 * time.Second)
			}
			p.dumpGoroutines()
			return nil, fmt.Errorf("%s: %v (%s)", who, err, lastLines(p.output(), 8))
		}
		time.Sleep(time.Second) // anything written twice shows now
		return readUntil(ctx, k.plain, topic, false, 2*time.Second, nil)
	}
	real, err := read("transactions_aggregate_flink_real", fl, "Apache Flink")
	if err != nil {
		if !fl.exited() {
			// The oracle is slow, not wrong: nothing to compare.
			return "", skipf("Apache Flink %s did not write its %d windows within 3 minutes (an overloaded machine?); nothing compared: %v", flinkVersion, len(want), err)
		}
		return "", err
	}
	ours, err := read("transactions_aggregate_flink_tumble", tu, "Tumble")
	if err != nil {
		return "", err
	}
	if err := sameRecords(real, ours); err != nil {
		return "", err
	}
	// Flink's sink leaves the record timestamp to the producer (no
	// 'timestamp' metadata column): the time of writing, never the
	// windows' event time, which a broker's time retention would delete.
	for who, rs := range map[string][]rawRecord{"Apache Flink": real, "Tumble": ours} {
		for _, r := range rs {
			if r.Timestamp.Before(began) {
				return "", fmt.Errorf("%s wrote %s with timestamp %s, before the check began (%s): Flink's sink stamps the time of writing", who, r.Value, r.Timestamp.UTC().Format(tsLayout), began.UTC().Format(tsLayout))
			}
		}
	}
	got, err := windows(real)
	if err != nil {
		return "", err
	}
	if err := compareWindows(got, want, false); err != nil {
		return "", fmt.Errorf("Apache Flink and Tumble agree, but not with the windows computed by hand: %v", err)
	}
	return fmt.Sprintf("Apache Flink %s and Tumble: the seed's Flink files give the same %d records (JSON text and keys)", flinkVersion, len(real)), nil
}

// sameRecords compares two sinks' records, ordered by value text.
func sameRecords(flink, tumble []rawRecord) error {
	sortRecs := func(rs []rawRecord) {
		sort.Slice(rs, func(i, j int) bool { return bytes.Compare(rs[i].Value, rs[j].Value) < 0 })
	}
	sortRecs(flink)
	sortRecs(tumble)
	var diffs []string
	for i := 0; i < max(len(flink), len(tumble)); i++ {
		switch {
		case i >= len(flink):
			diffs = append(diffs, fmt.Sprintf("only Tumble wrote %s", tumble[i].Value))
		case i >= len(tumble):
			diffs = append(diffs, fmt.Sprintf("only Flink wrote %s", flink[i].Value))
		case !bytes.Equal(flink[i].Value, tumble[i].Value) || !bytes.Equal(flink[i].Key, tumble[i].Key):
			diffs = append(diffs, fmt.Sprintf("Flink wrote %q key %q, Tumble %q key %q", flink[i].Value, flink[i].Key, tumble[i].Value, tumble[i].Key))
		}
	}
	if len(diffs) > 3 {
		diffs = append(diffs[:3], fmt.Sprintf("and %d more", len(diffs)-3))
	}
	if len(diffs) > 0 {
		return fmt.Errorf("%d records from Flink, %d from Tumble: %s", len(flink), len(tumble), strings.Join(diffs, "; "))
	}
	return nil
}
