package kafka

import (
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// DefaultBrokerSettings are the settings `tumble kafka`, `tumble server
// --embedded-kafka` and `tumble demo` give their broker unless the user's
// --config overrides them (WithDefaultSettings). They keep a broker left
// running on a laptop bounded: each partition keeps at most an hour or 256
// MiB of records, whichever limit comes first, and retention runs every
// minute. The broker holds about 80 bytes of memory per record batch it
// keeps, so its memory is bounded by the same limits.
var DefaultBrokerSettings = map[string]string{
	"log.retention.ms":                "3600000",
	"log.retention.bytes":             "268435456",
	"log.retention.check.interval.ms": "60000",
	"log.segment.bytes":               "67108864",
	"log.cleaner.backoff.ms":          "15000",
}

// baseSettings are what StartBroker uses for what BrokerConfig.Settings
// leaves out: Kafka's defaults, except that records are kept forever (no
// retention), as the test runners' brokers need: their records carry
// fixed timestamps, often years old.
var baseSettings = map[string]string{
	"log.retention.ms":                "-1",
	"log.retention.bytes":             "-1",
	"log.retention.check.interval.ms": "300000",
	"log.cleaner.backoff.ms":          "15000",
}

// WithDefaultSettings returns DefaultBrokerSettings overridden by user
// (a user's log.retention.hours or .minutes replaces the default
// log.retention.ms).
func WithDefaultSettings(user map[string]string) map[string]string {
	out := maps.Clone(DefaultBrokerSettings)
	for _, k := range []string{"log.retention.hours", "log.retention.minutes"} {
		if _, ok := user[k]; ok {
			delete(out, "log.retention.ms")
		}
	}
	maps.Copy(out, user)
	return out
}

// settingUse says what the embedded broker does with a Kafka setting.
type settingUse int

const (
	useKfake   settingUse = iota // kfake acts on it under the same name
	useOurs                      // this package acts on it (see StartBroker)
	useIgnored                   // Kafka knows it; it does nothing here (a warning)
)

type settingKind int

const (
	kindLong settingKind = iota
	kindBool
	kindString
)

type brokerSetting struct {
	use  settingUse
	kind settingKind
	min  int64 // smallest value of a kindLong
}

// brokerSettings are the broker settings `tumble kafka --config` accepts.
var brokerSettings = map[string]brokerSetting{
	// Retention (log.retention.hours and .minutes fold into .ms, as Kafka
	// reads them: ms first, then minutes, then hours). Segments roll by
	// size only.
	"log.retention.ms":                {useKfake, kindLong, -1},
	"log.retention.minutes":           {useOurs, kindLong, -1},
	"log.retention.hours":             {useOurs, kindLong, -1},
	"log.retention.bytes":             {useKfake, kindLong, -1},
	"log.retention.check.interval.ms": {useOurs, kindLong, 1},
	"log.segment.bytes":               {useKfake, kindLong, 14},
	"log.roll.ms":                     {useIgnored, kindLong, 1},
	"log.roll.hours":                  {useIgnored, kindLong, 1},
	// Compaction.
	"log.cleaner.enable":                  {useOurs, kindBool, 0},
	"log.cleaner.backoff.ms":              {useKfake, kindLong, 1},
	"log.cleaner.threads":                 {useIgnored, kindLong, 1},
	"log.cleaner.dedupe.buffer.size":      {useIgnored, kindLong, 0},
	"log.cleaner.io.buffer.size":          {useIgnored, kindLong, 0},
	"log.cleaner.io.buffer.load.factor":   {useIgnored, kindString, 0},
	"log.cleaner.io.max.bytes.per.second": {useIgnored, kindString, 0},
	"log.cleaner.min.cleanable.ratio":     {useIgnored, kindString, 0},
	"log.cleaner.min.compaction.lag.ms":   {useIgnored, kindLong, 0},
	"log.cleaner.max.compaction.lag.ms":   {useIgnored, kindLong, 1},
	"log.cleaner.delete.retention.ms":     {useIgnored, kindLong, 0},
	// Topics and records.
	"num.partitions":             {useOurs, kindLong, 1},
	"auto.create.topics.enable":  {useOurs, kindBool, 0},
	"message.max.bytes":          {useKfake, kindLong, 0},
	"log.message.timestamp.type": {useIgnored, kindString, 0},
	// Groups, offsets and transactions.
	"offsets.retention.minutes":           {useKfake, kindLong, 1},
	"offsets.retention.check.interval.ms": {useKfake, kindLong, 1},
	"group.min.session.timeout.ms":        {useKfake, kindLong, 0},
	"group.max.session.timeout.ms":        {useKfake, kindLong, 0},
	"group.max.size":                      {useKfake, kindLong, 1},
	"transaction.max.timeout.ms":          {useKfake, kindLong, 1},
	"transactional.id.expiration.ms":      {useKfake, kindLong, 1},
}

// BrokerSettingNames lists the settings StartBroker accepts, sorted.
func BrokerSettingNames() []string {
	return slices.Sorted(maps.Keys(brokerSettings))
}

// ParseBrokerSetting reads one KEY=VALUE of `--config`.
func ParseBrokerSetting(kv string) (string, string, error) {
	k, v, ok := strings.Cut(kv, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return "", "", fmt.Errorf("--config '%s': want KEY=VALUE", kv)
	}
	return k, strings.TrimSpace(v), nil
}

// brokerPlan is what StartBroker makes of the settings.
type brokerPlan struct {
	kfake          map[string]string // for kfake.BrokerConfigs
	all            map[string]string // every setting in force, for the log
	retentionCheck time.Duration
	cleanerEvery   time.Duration // 0: the cleaner is off
	partitions     int           // num.partitions, 0 when unset
	autoCreate     bool
	warnings       []string
}

// planSettings checks the settings over baseSettings and splits them by
// who acts on them.
func planSettings(user map[string]string) (*brokerPlan, error) {
	set := maps.Clone(baseSettings)
	for _, k := range slices.Sorted(maps.Keys(user)) {
		v := user[k]
		d, ok := brokerSettings[k]
		if !ok {
			return nil, fmt.Errorf("kafka broker: unknown setting '%s' (supported: %s)", k, strings.Join(BrokerSettingNames(), ", "))
		}
		switch d.kind {
		case kindLong:
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < d.min {
				return nil, fmt.Errorf("kafka broker: setting '%s' = '%s': want a whole number of at least %d", k, v, d.min)
			}
		case kindBool:
			if _, err := strconv.ParseBool(v); err != nil {
				return nil, fmt.Errorf("kafka broker: setting '%s' = '%s': want true or false", k, v)
			}
		}
		set[k] = v
	}
	// Kafka reads log.retention.ms first, then .minutes, then .hours: a
	// user's coarser unit replaces the default ms unless ms is given too.
	if _, ms := user["log.retention.ms"]; !ms {
		if v, ok := user["log.retention.minutes"]; ok {
			set["log.retention.ms"] = scaled(v, int64(time.Minute/time.Millisecond))
		} else if v, ok := user["log.retention.hours"]; ok {
			set["log.retention.ms"] = scaled(v, int64(time.Hour/time.Millisecond))
		}
	}
	p := &brokerPlan{kfake: map[string]string{}, all: set, autoCreate: true}
	for _, k := range slices.Sorted(maps.Keys(set)) {
		v := set[k]
		switch brokerSettings[k].use {
		case useKfake:
			p.kfake[k] = v
		case useIgnored:
			p.warnings = append(p.warnings, fmt.Sprintf("broker setting '%s' has no effect on the embedded broker", k))
		}
	}
	ms, _ := strconv.ParseInt(set["log.retention.check.interval.ms"], 10, 64)
	p.retentionCheck = time.Duration(ms) * time.Millisecond
	ms, _ = strconv.ParseInt(set["log.cleaner.backoff.ms"], 10, 64)
	p.cleanerEvery = time.Duration(ms) * time.Millisecond
	if v, ok := set["log.cleaner.enable"]; ok {
		if on, _ := strconv.ParseBool(v); !on {
			p.cleanerEvery = 0
			// kfake also compacts on its own timer once a compacted
			// topic exists; push that timer out of reach.
			p.kfake["log.cleaner.backoff.ms"] = strconv.FormatInt(int64(100*365*24*time.Hour/time.Millisecond), 10)
		}
	}
	if v, ok := set["num.partitions"]; ok {
		n, _ := strconv.Atoi(v)
		p.partitions = n
	}
	if v, ok := set["auto.create.topics.enable"]; ok {
		p.autoCreate, _ = strconv.ParseBool(v)
	}
	return p, nil
}

// scaled multiplies a checked whole number; -1 (no limit) stays -1.
func scaled(v string, unit int64) string {
	n, _ := strconv.ParseInt(v, 10, 64)
	if n < 0 {
		return "-1"
	}
	return strconv.FormatInt(n*unit, 10)
}

// logSettings writes the settings in force, once at start.
func logSettings(log *slog.Logger, p *brokerPlan) {
	args := make([]any, 0, 2*len(p.all))
	for _, k := range slices.Sorted(maps.Keys(p.all)) {
		args = append(args, k, p.all[k])
	}
	log.Info("kafka broker settings", args...)
	for _, w := range p.warnings {
		log.Warn(w)
	}
}
