package kafka

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

func TestParseJAAS(t *testing.T) {
	for _, tc := range []struct {
		in, user, pass, err string
	}{
		{in: `org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="alice-secret";`, user: "alice", pass: "alice-secret"},
		{in: `org.apache.kafka.common.security.scram.ScramLoginModule required username='x' password=pw;`, user: "x", pass: "pw"},
		{in: "org.apache.kafka.common.security.scram.ScramLoginModule required\n  username=bob\n  password=\"p\\\"w\\\\d\";", user: "bob", pass: `p"w\d`},
		{in: `org.apache.flink.kafka.shaded.org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="";`, user: "u", pass: ""},
		{in: `org.apache.kafka.common.security.plain.PlainLoginModule required username="u";`, err: "username and password are both required"},
		{in: `org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="p"`, err: "expected"},
		{in: `com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true;`, err: "login module 'com.sun.security.auth.module.Krb5LoginModule' is not supported"},
		{in: `org.apache.kafka.common.security.plain.PlainLoginModule always username="u" password="p";`, err: "control flag 'always'"},
		{in: `org.apache.kafka.common.security.scram.ScramLoginModule required username="u" password="p" tokenauth=true;`, err: "delegation tokens"},
		{in: `org.apache.kafka.common.security.plain.PlainLoginModule required username="u password=p;`, err: "unterminated"},
	} {
		user, pass, err := parseJAAS(tc.in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: want error %q, got %v", tc.in, tc.err, err)
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.in, err)
		case tc.err == "" && (user != tc.user || pass != tc.pass):
			t.Errorf("%s: got %q/%q, want %q/%q", tc.in, user, pass, tc.user, tc.pass)
		}
	}
}

func TestParseSecurity(t *testing.T) {
	dir := t.TempDir()
	caFile, _, _ := testCA(t, dir, "ca")
	jaas := `org.apache.kafka.common.security.plain.PlainLoginModule required username="alice" password="s3cret";`
	for _, tc := range []struct {
		name  string
		props map[string]string
		want  string // Security.String(), or the error
		tls   bool
	}{
		{"default", map[string]string{}, "PLAINTEXT", false},
		{"plain", map[string]string{"security.protocol": "sasl_plaintext", "sasl.mechanism": "PLAIN", "sasl.jaas.config": jaas}, "SASL_PLAINTEXT, PLAIN as 'alice'", false},
		{"scram over tls", map[string]string{"security.protocol": "SASL_SSL", "sasl.mechanism": "SCRAM-SHA-512", "sasl.jaas.config": jaas,
			"ssl.truststore.location": caFile, "ssl.truststore.type": "PEM"}, "SASL_SSL, SCRAM-SHA-512 as 'alice'", true},
		{"tls, pem by name", map[string]string{"security.protocol": "SSL", "ssl.truststore.location": caFile}, "SSL", true},
		{"kerberos default", map[string]string{"security.protocol": "SASL_SSL", "sasl.jaas.config": jaas}, "GSSAPI (Kerberos, the Kafka client's default), which is not supported", false},
		{"oauth", map[string]string{"security.protocol": "SASL_SSL", "sasl.mechanism": "OAUTHBEARER", "sasl.jaas.config": jaas}, "'sasl.mechanism' 'OAUTHBEARER' is not supported", false},
		{"no jaas", map[string]string{"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": "PLAIN"}, "needs 'sasl.jaas.config'", false},
		{"bad protocol", map[string]string{"security.protocol": "TLS"}, "must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, not 'TLS'", false},
		{"sasl without protocol", map[string]string{"sasl.mechanism": "PLAIN", "sasl.jaas.config": jaas}, "'sasl.mechanism' needs 'security.protocol' = 'SASL_PLAINTEXT' or 'SASL_SSL'", false},
		{"ssl without protocol", map[string]string{"ssl.truststore.location": caFile}, "needs 'security.protocol' = 'SSL' or 'SASL_SSL'", false},
		{"jks", map[string]string{"security.protocol": "SSL", "ssl.truststore.location": "/x/truststore.jks", "ssl.truststore.password": "p"}, "is a JKS store, which is not supported: convert it to PEM", false},
		{"missing file", map[string]string{"security.protocol": "SSL", "ssl.truststore.location": filepath.Join(dir, "nope.pem")}, "no such file", false},
		{"unknown key", map[string]string{"security.protocol": "SSL", "ssl.cipher.suites": "X"}, "'ssl.cipher.suites' is not supported", false},
		{"callback", map[string]string{"sasl.login.callback.handler.class": "X"}, "'sasl.login.callback.handler.class' is not supported", false},
		{"bad tls version", map[string]string{"security.protocol": "SSL", "ssl.enabled.protocols": "TLSv1.1"}, "'TLSv1.1' is not supported", false},
		{"no host check", map[string]string{"security.protocol": "SSL", "ssl.endpoint.identification.algorithm": ""}, "SSL", true},
	} {
		sec, err := ParseSecurity(tc.props)
		if err != nil {
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: error %q, want %q", tc.name, err, tc.want)
			}
			continue
		}
		if sec.String() != tc.want || (sec.TLS != nil) != tc.tls {
			t.Errorf("%s: got %s (tls %v), want %s (tls %v)", tc.name, sec, sec.TLS != nil, tc.want, tc.tls)
		}
	}
}

// TestSecureClusters writes and reads a table through kfake clusters that
// require SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512), TLS, or both, with the
// properties a Flink table sets; wrong credentials and an untrusted CA fail
// at once, as permanent errors, instead of being retried.
func TestSecureClusters(t *testing.T) {
	dir := t.TempDir()
	caFile, caCert, caKey := testCA(t, dir, "ca")
	otherCA, _, _ := testCA(t, dir, "other")
	serverTLS := serverTLSConfig(t, caCert, caKey)
	users := []kfake.Opt{
		kfake.Superuser("PLAIN", "alice", "alice-secret"),
		kfake.Superuser("SCRAM-SHA-256", "bob", "bob-secret"),
		kfake.Superuser("SCRAM-SHA-512", "carol", "carol-secret"),
	}
	start := func(t *testing.T, sasl, tls bool) string {
		opts := []kfake.Opt{kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(1)}
		if sasl {
			opts = append(append(opts, kfake.EnableSASL()), users...)
		}
		if tls {
			opts = append(opts, kfake.TLS(serverTLS))
		}
		c, err := kfake.NewCluster(opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		return c.ListenAddrs()[0]
	}
	jaas := func(module, user, pass string) string {
		return "org.apache.kafka.common.security." + module + " required username=\"" + user + "\" password=\"" + pass + "\";"
	}
	cols := []col{{Name: "id", Type: types.TInt}, {Name: "name", Type: types.TString}}
	for _, tc := range []struct {
		name      string
		sasl, tls bool
		props     []string
	}{
		{"SASL_PLAINTEXT PLAIN", true, false, []string{"security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN",
			"sasl.jaas.config", jaas("plain.PlainLoginModule", "alice", "alice-secret")}},
		{"SASL_PLAINTEXT SCRAM-SHA-256", true, false, []string{"security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "SCRAM-SHA-256",
			"sasl.jaas.config", jaas("scram.ScramLoginModule", "bob", "bob-secret")}},
		{"SASL_SSL SCRAM-SHA-512", true, true, []string{"security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512",
			"sasl.jaas.config", jaas("scram.ScramLoginModule", "carol", "carol-secret"),
			"ssl.truststore.location", caFile, "ssl.truststore.type", "PEM"}},
		{"SSL", false, true, []string{"security.protocol", "SSL", "ssl.truststore.location", caFile, "ssl.truststore.type", "PEM"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr := start(t, tc.sasl, tc.tls)
			opts := []string{"connector", "kafka", "topic", "secure", "format", "json", "scan.startup.mode", "earliest-offset"}
			for i := 0; i+1 < len(tc.props); i += 2 {
				opts = append(opts, "properties."+tc.props[i], tc.props[i+1])
			}
			spec := tableSpec(&Broker{addr: addr}, "flink", cols, opts...)
			secureRoundTrip(t, spec)

			// The same settings as the process's defaults (--kafka-config)
			// serve a table that sets none.
			def := tableSpec(&Broker{addr: addr}, "flink", cols, "connector", "kafka", "topic", "secure", "format", "json",
				"scan.startup.mode", "earliest-offset")
			for i := 0; i+1 < len(tc.props); i += 2 {
				def.Defaults[tc.props[i]] = tc.props[i+1]
			}
			src := openSource(t, def, nil)
			if rows, _, _ := collect(t, src, 2, time.Minute); len(rows) != 2 {
				t.Fatalf("with the process's defaults: got %d rows, want 2", len(rows))
			}

			// Without security settings the client cannot talk to the cluster.
			plain := tableSpec(&Broker{addr: addr}, "flink", cols, "connector", "kafka", "topic", "secure", "format", "json",
				"properties.default.api.timeout.ms", "3000")
			if err := openErr(plain); err == nil {
				t.Fatal("a client without security settings read a secured cluster")
			}
		})
	}

	// Kafka answers a failed SASL exchange with SASL_AUTHENTICATION_FAILED
	// before it closes the connection; kfake closes it at once, so the
	// PLAIN check here answers as Kafka does (SCRAM is checked against real
	// Kafka by make peers).
	t.Run("wrong password", func(t *testing.T) {
		c, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.EnableSASL(),
			kfake.Superuser("PLAIN", "alice", "alice-secret"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		c.ControlKey(int16(kmsg.SASLAuthenticate), func(req kmsg.Request) (kmsg.Response, error, bool) {
			r := req.(*kmsg.SASLAuthenticateRequest)
			parts := strings.Split(string(r.SASLAuthBytes), "\x00")
			if len(parts) != 3 || parts[2] == "alice-secret" {
				return nil, nil, false
			}
			c.KeepControl()
			resp := r.ResponseKind().(*kmsg.SASLAuthenticateResponse)
			resp.ErrorCode = kerr.SaslAuthenticationFailed.Code
			msg := "Authentication failed: Invalid username or password"
			resp.ErrorMessage = &msg
			return resp, nil, true
		})
		addr := c.ListenAddrs()[0]
		spec := tableSpec(&Broker{addr: addr}, "flink", cols, "connector", "kafka", "topic", "secure", "format", "json",
			"properties.security.protocol", "SASL_PLAINTEXT", "properties.sasl.mechanism", "PLAIN",
			"properties.sasl.jaas.config", jaas("plain.PlainLoginModule", "alice", "wrong"))
		began := time.Now()
		err = openErr(spec)
		if !errors.Is(err, ErrAuth) || !engine.IsPermanent(err) || !strings.Contains(err.Error(), "refused the credentials of user 'alice' (SASL PLAIN)") {
			t.Errorf("want a permanent authentication error naming the user, got %v", err)
		}
		if err != nil && strings.Contains(err.Error(), "wrong") {
			t.Errorf("the error shows the password: %v", err)
		}
		if d := time.Since(began); d > 10*time.Second {
			t.Errorf("failing took %v", d)
		}
		sink, err := NewSink(spec)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		err = sink.Write(ctx, []engine.Rec{{Row: types.Row{types.IntV(1), types.StringV("a")}}})
		if err == nil {
			err = sink.Flush(ctx)
		}
		sink.Close()
		if !errors.Is(err, ErrAuth) || !engine.IsPermanent(err) {
			t.Errorf("sink: want a permanent authentication error, got %v", err)
		}
	})

	t.Run("untrusted CA", func(t *testing.T) {
		addr := start(t, false, true)
		spec := tableSpec(&Broker{addr: addr}, "flink", cols, "connector", "kafka", "topic", "secure", "format", "json",
			"properties.security.protocol", "SSL", "properties.ssl.truststore.location", otherCA)
		err := openErr(spec)
		if !errors.Is(err, ErrAuth) || !engine.IsPermanent(err) || !strings.Contains(err.Error(), "not trusted") {
			t.Errorf("want a permanent TLS error, got %v", err)
		}
	})

}

// secureRoundTrip writes two rows through spec's sink and reads them back.
func secureRoundTrip(t *testing.T, spec *engine.TableSpec) {
	t.Helper()
	sink, err := NewSink(spec)
	if err != nil {
		t.Fatalf("NewSink: %v", err)
	}
	defer sink.Close()
	ctx := context.Background()
	in := []engine.Rec{{Row: types.Row{types.IntV(1), types.StringV("a")}}, {Row: types.Row{types.IntV(2), types.StringV("b")}}}
	if err := sink.Write(ctx, in); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if err := sink.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	src := openSource(t, spec, nil)
	rows, _, _ := collect(t, src, 2, time.Minute)
	if got := strings.Join(rowStrings(rows), ","); got != "1|a,2|b" {
		t.Fatalf("read back %q", got)
	}
}

func openErr(spec *engine.TableSpec) error {
	src, err := NewSource(spec)
	if err != nil {
		return err
	}
	defer src.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return src.Open(ctx, nil)
}

// testCA writes a self-signed CA certificate to dir/name.pem.
func testCA(t *testing.T, dir, name string) (string, *x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tumble test " + name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	path := filepath.Join(dir, name+".pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, cert, key
}

// serverTLSConfig is a listener's TLS config with a certificate for
// 127.0.0.1 signed by the CA.
func serverTLSConfig(t *testing.T, ca *x509.Certificate, caKey *ecdsa.PrivateKey) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}
}
