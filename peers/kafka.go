package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The pinned Apache Kafka release (peers/kafka/pom.xml).
const kafkaVersion = "4.1.1"

// Users of the SASL listener.
var saslUsers = []struct{ mech, user, pass string }{
	{"PLAIN", "alice", "alice-secret"},
	{"SCRAM-SHA-256", "bob", "bob-secret"},
	{"SCRAM-SHA-512", "carol", "carol-secret"},
}

// realKafka is a single-node KRaft broker of the real Apache Kafka on free
// loopback ports: PLAINTEXT, SASL_PLAINTEXT (PLAIN, SCRAM-SHA-256/512) and
// SSL listeners.
type realKafka struct {
	dir    string
	lib    string
	plain  string // host:port of each listener
	sasl   string
	ssl    string
	caFile string // PEM of the CA that signed the broker's certificate
	cmd    *exec.Cmd
	done   chan struct{}
}

// kafkaLib fetches Kafka's jars (cached) and returns their directory.
func (e *env) kafkaLib(ctx context.Context) (string, error) {
	lib := filepath.Join(e.cache, "kafka-"+kafkaVersion, "lib")
	marker := filepath.Join(lib, ".complete")
	if _, err := os.Stat(marker); err == nil {
		return lib, nil
	}
	if _, err := exec.LookPath("mvn"); err != nil {
		return "", skipf("mvn is not installed (needed to fetch Apache Kafka %s from Maven Central)", kafkaVersion)
	}
	if _, err := exec.LookPath("java"); err != nil {
		return "", skipf("java is not installed (Apache Kafka %s needs Java 17)", kafkaVersion)
	}
	os.RemoveAll(lib)
	log := filepath.Join(e.logs, "kafka-fetch.log")
	if err := e.runLogged(ctx, log, e.root, "mvn", "-B", "-q", "-f", "peers/kafka/pom.xml",
		"dependency:copy-dependencies", "-DoutputDirectory="+lib); err != nil {
		return "", skipf("could not fetch Apache Kafka %s from Maven Central (%v; see %s)", kafkaVersion, err, log)
	}
	if err := os.WriteFile(marker, nil, 0o644); err != nil {
		return "", err
	}
	return lib, nil
}

// runLogged runs a command with its output in log.
func (e *env) runLogged(ctx context.Context, log, dir, name string, args ...string) error {
	f, err := os.Create(log)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd.Run()
}

// startKafka starts the shared real broker on first use.
func (e *env) startKafka(ctx context.Context) (*realKafka, error) {
	if e.kafka != nil || e.kafkaErr != nil {
		return e.kafka, e.kafkaErr
	}
	e.kafka, e.kafkaErr = e.newKafka(ctx)
	return e.kafka, e.kafkaErr
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func (e *env) newKafka(ctx context.Context) (*realKafka, error) {
	return e.newKafkaOn(ctx, "")
}

// newKafkaOn starts a broker whose PLAINTEXT listener is plain (a free
// port when empty; a fixed address only inside a private network
// namespace, see check_producer.go).
func (e *env) newKafkaOn(ctx context.Context, plain string) (*realKafka, error) {
	lib, err := e.kafkaLib(ctx)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(e.cache, "kafka-run-")
	if err != nil {
		return nil, err
	}
	k := &realKafka{dir: dir, lib: lib}
	ports := make([]int, 4)
	for i := range ports {
		if ports[i], err = freePort(); err != nil {
			return nil, err
		}
	}
	k.plain = fmt.Sprintf("127.0.0.1:%d", ports[0])
	if plain != "" {
		k.plain = plain
	}
	k.sasl = fmt.Sprintf("127.0.0.1:%d", ports[1])
	k.ssl = fmt.Sprintf("127.0.0.1:%d", ports[2])
	controller := fmt.Sprintf("127.0.0.1:%d", ports[3])
	keystore := filepath.Join(dir, "broker.pem")
	k.caFile = filepath.Join(dir, "ca.pem")
	if err := writeCerts(k.caFile, keystore); err != nil {
		return nil, err
	}
	var jaas strings.Builder
	jaas.WriteString("org.apache.kafka.common.security.plain.PlainLoginModule required")
	for _, u := range saslUsers {
		if u.mech == "PLAIN" {
			fmt.Fprintf(&jaas, " user_%s=\"%s\"", u.user, u.pass)
		}
	}
	jaas.WriteString(";")
	props := []string{
		"process.roles=broker,controller",
		"node.id=1",
		"controller.quorum.voters=1@" + controller,
		"listeners=PLAINTEXT://" + k.plain + ",SASL_PLAINTEXT://" + k.sasl + ",SSL://" + k.ssl + ",CONTROLLER://" + controller,
		"advertised.listeners=PLAINTEXT://" + k.plain + ",SASL_PLAINTEXT://" + k.sasl + ",SSL://" + k.ssl,
		"controller.listener.names=CONTROLLER",
		"inter.broker.listener.name=PLAINTEXT",
		"listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,SSL:SSL,CONTROLLER:PLAINTEXT",
		"log.dirs=" + filepath.Join(dir, "data"),
		"num.partitions=3",
		"auto.create.topics.enable=true",
		"offsets.topic.replication.factor=1",
		"offsets.topic.num.partitions=3",
		"transaction.state.log.replication.factor=1",
		"transaction.state.log.min.isr=1",
		"transaction.state.log.num.partitions=3",
		"share.coordinator.state.topic.replication.factor=1",
		"share.coordinator.state.topic.min.isr=1",
		"group.initial.rebalance.delay.ms=0",
		"sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
		"listener.name.sasl_plaintext.plain.sasl.jaas.config=" + jaas.String(),
		"listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;",
		"listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;",
		"ssl.keystore.type=PEM",
		"ssl.keystore.location=" + keystore,
		"ssl.client.auth=none",
	}
	cfg := filepath.Join(dir, "server.properties")
	if err := os.WriteFile(cfg, []byte(strings.Join(props, "\n")+"\n"), 0o644); err != nil {
		return nil, err
	}
	log4j := filepath.Join(dir, "log4j2.properties")
	if err := os.WriteFile(log4j, []byte(log4jConfig), 0o644); err != nil {
		return nil, err
	}
	id := make([]byte, 16)
	rand.Read(id)
	format := []string{"kafka.tools.StorageTool", "format", "-t", base64.RawURLEncoding.EncodeToString(id), "-c", cfg}
	for _, u := range saslUsers {
		if u.mech != "PLAIN" {
			format = append(format, "--add-scram", fmt.Sprintf("%s=[name=%s,password=%s]", u.mech, u.user, u.pass))
		}
	}
	if err := e.runLogged(ctx, filepath.Join(e.logs, "kafka-format.log"), dir, "java", k.javaArgs(log4j, format...)...); err != nil {
		return nil, fmt.Errorf("formatting Kafka's storage: %v (see %s)", err, filepath.Join(e.logs, "kafka-format.log"))
	}
	logf, err := os.Create(filepath.Join(e.logs, "kafka.log"))
	if err != nil {
		return nil, err
	}
	k.cmd = exec.Command("java", k.javaArgs(log4j, "kafka.Kafka", cfg)...)
	k.cmd.Dir, k.cmd.Stdout, k.cmd.Stderr = dir, logf, logf
	k.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := k.cmd.Start(); err != nil {
		logf.Close()
		return nil, err
	}
	k.done = make(chan struct{})
	go func() { k.cmd.Wait(); logf.Close(); close(k.done) }()
	if err := k.waitReady(ctx, 90*time.Second); err != nil {
		k.stop()
		return nil, fmt.Errorf("Apache Kafka %s did not start: %v (see %s)", kafkaVersion, err, filepath.Join(e.logs, "kafka.log"))
	}
	return k, nil
}

func (k *realKafka) javaArgs(log4j string, args ...string) []string {
	return append([]string{"-Xms256m", "-Xmx768m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
		"-Dlog4j2.configurationFile=" + log4j, "-cp", filepath.Join(k.lib, "*")}, args...)
}

// tool runs one of Kafka's command-line tools (a main class) and returns
// its output.
func (k *realKafka) tool(ctx context.Context, class string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "java", append([]string{"-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
		"-Dlog4j2.configurationFile=" + filepath.Join(k.dir, "log4j2.properties"), "-cp", filepath.Join(k.lib, "*"), class}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (k *realKafka) waitReady(ctx context.Context, within time.Duration) error {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		select {
		case <-k.done:
			return fmt.Errorf("the broker exited")
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
		cl, err := kgo.NewClient(kgo.SeedBrokers(k.plain))
		if err != nil {
			return err
		}
		c, cancel := context.WithTimeout(ctx, 2*time.Second)
		m, err := kadm.NewClient(cl).BrokerMetadata(c)
		cancel()
		cl.Close()
		if err == nil && len(m.Brokers) > 0 {
			return nil
		}
	}
	return fmt.Errorf("no answer within %s", within)
}

func (k *realKafka) stop() {
	if k.cmd == nil || k.cmd.Process == nil {
		return
	}
	k.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-k.done:
	case <-time.After(20 * time.Second):
		k.cmd.Process.Kill()
		<-k.done
	}
	os.RemoveAll(k.dir)
}

const log4jConfig = `status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.out.ref = out
logger.kafka.name = kafka
logger.kafka.level = WARN
logger.auth.name = org.apache.kafka.common.security
logger.auth.level = INFO
`

// writeCerts writes a CA (caFile) and the broker's key and certificate for
// 127.0.0.1 signed by it (keystore, PEM: PKCS#8 key then the chain).
func writeCerts(caFile, keystore string) error {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tumble peers CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(48 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return err
	}
	ca, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(48 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return err
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	ks := append(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	ks = append(ks, caPEM...)
	if err := os.WriteFile(caFile, caPEM, 0o644); err != nil {
		return err
	}
	return os.WriteFile(keystore, ks, 0o600)
}
