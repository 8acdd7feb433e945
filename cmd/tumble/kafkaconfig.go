package main

import (
	"bufio"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/tumble/tumble/connectors/kafka"
)

// kafkaConfig reads a Java properties file of Kafka client settings, as a
// ksqlDB server's ksql-server.properties holds them: bootstrap.servers and
// the security properties (security.protocol, sasl.mechanism,
// sasl.jaas.config, ssl.*), bare or under 'ksql.streams.'. It returns the
// bootstrap servers ("" when absent) and the security properties, checked;
// ksql.schema.registry.url becomes the default Schema Registry; other
// keys are logged as ignored.
func kafkaConfig(path string, log *slog.Logger) (bootstrap string, props map[string]string, err error) {
	if path == "" {
		return "", nil, nil
	}
	raw, err := readProperties(path)
	if err != nil {
		return "", nil, fmt.Errorf("--kafka-config: %w", err)
	}
	props = map[string]string{}
	var ignored []string
	registry := ""
	for k, v := range raw {
		key := strings.TrimPrefix(k, "ksql.streams.")
		switch {
		case key == "bootstrap.servers":
			bootstrap = v
		case kafka.IsSecurityProperty(key):
			props[key] = v
		case k == "ksql.schema.registry.url":
			registry = v
		default:
			ignored = append(ignored, k)
		}
	}
	if _, err := kafka.ParseSecurity(props); err != nil {
		return "", nil, fmt.Errorf("--kafka-config %s: %w", path, err)
	}
	if registry != "" {
		props[registryURLKey] = registry
	}
	if len(ignored) > 0 {
		sort.Strings(ignored)
		log.Warn("--kafka-config: these properties are not read by Tumble and are ignored", "file", path, "keys", strings.Join(ignored, ", "))
	}
	return bootstrap, props, nil
}

// readProperties parses Java's properties format: key=value, key:value or
// key value per line, '#' and '!' comments, a trailing '\' continuing a
// line, and the escapes \t \n \r \\ and \<char>.
func readProperties(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	var logical strings.Builder
	for sc.Scan() {
		line := strings.TrimLeft(sc.Text(), " \t\f")
		if logical.Len() == 0 && (line == "" || line[0] == '#' || line[0] == '!') {
			continue
		}
		if n := trailingBackslashes(line); n%2 == 1 {
			logical.WriteString(line[:len(line)-1])
			continue
		}
		logical.WriteString(line)
		k, v := splitProperty(logical.String())
		out[k] = v
		logical.Reset()
	}
	if logical.Len() > 0 {
		k, v := splitProperty(logical.String())
		out[k] = v
	}
	return out, sc.Err()
}

func trailingBackslashes(s string) int {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n
}

// splitProperty splits a logical line into its unescaped key and value.
func splitProperty(line string) (string, string) {
	i := 0
	for i < len(line) {
		c := line[i]
		if c == '\\' {
			i += 2
			continue
		}
		if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
			break
		}
		i++
	}
	key := line[:min(i, len(line))]
	rest := strings.TrimLeft(line[min(i, len(line)):], " \t\f")
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		rest = strings.TrimLeft(rest[1:], " \t\f")
	}
	return unescapeProperty(key), unescapeProperty(rest)
}

func unescapeProperty(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
