package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func startServerWith(t *testing.T, cfg Config) (*Server, string) {
	t.Helper()
	cfg.DataDir, cfg.Log, cfg.Out = t.TempDir(), testLogger(t), io.Discard
	srv, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		srv.Close(ctx)
		<-done
	})
	return srv, ln.Addr().String()
}

func call(t *testing.T, cl *http.Client, method, url, body string, header map[string]string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// Basic auth on every endpoint but /healthcheck, as ksqlDB's BASIC
// authentication: a request without credentials (or with wrong ones) gets
// 401 and a challenge; one with them goes through.
func TestBasicAuth(t *testing.T) {
	users, err := ParseUsers("# users\nalice:s3cret\n\nbob:pw:with:colons\n")
	if err != nil || users["bob"] != "pw:with:colons" {
		t.Fatalf("ParseUsers: %v %v", users, err)
	}
	for _, bad := range []string{"", "nopassword", ":x", "u:"} {
		if _, err := ParseUsers(bad); err == nil {
			t.Errorf("ParseUsers(%q) accepted", bad)
		}
	}
	_, addr := startServerWith(t, Config{Bootstrap: startBroker(t), Users: users})
	base := "http://" + addr
	cl := http.DefaultClient
	ksql := `{"ksql": "SHOW STREAMS;"}`
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/ksql", ksql}, {"GET", "/", ""}, {"GET", "/ui/jobs", ""}, {"GET", "/v1/jobs", ""},
		{"POST", "/query", `{"ksql": "SELECT 1;"}`}, {"GET", "/metrics", ""}, {"GET", "/info", ""},
		{"GET", "/v1/topics", ""},
	} {
		st, h, body := call(t, cl, c.method, base+c.path, c.body, map[string]string{"Content-Type": "application/json"})
		if st != http.StatusUnauthorized || !strings.HasPrefix(h.Get("WWW-Authenticate"), "Basic realm=") {
			t.Errorf("%s %s without credentials: %d %v %s", c.method, c.path, st, h, body)
		}
	}
	wrong := map[string]string{"Authorization": "Basic " + b64("alice:nope")}
	if st, _, _ := call(t, cl, "POST", base+"/ksql", ksql, wrong); st != http.StatusUnauthorized {
		t.Errorf("wrong password: %d", st)
	}
	if st, _, body := call(t, cl, "GET", base+"/healthcheck", "", nil); st != http.StatusOK {
		t.Errorf("/healthcheck stays open: %d %s", st, body)
	}
	right := map[string]string{"Authorization": "Basic " + b64("alice:s3cret"), "Content-Type": "application/json"}
	if st, _, body := call(t, cl, "POST", base+"/ksql", ksql, right); st != http.StatusOK || !strings.Contains(body, `"streams"`) {
		t.Errorf("with credentials: %d %s", st, body)
	}
	right["Authorization"] = "Basic " + b64("bob:pw:with:colons")
	if st, _, body := call(t, cl, "GET", base+"/v1/jobs", "", right); st != http.StatusOK {
		t.Errorf("bob: %d %s", st, body)
	}
}

func b64(s string) string {
	req, _ := http.NewRequest("GET", "http://x", nil)
	u, p, _ := strings.Cut(s, ":")
	req.SetBasicAuth(u, p)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

// A browser page from another site cannot change state: its POST (a form
// or a fetch) carries Sec-Fetch-Site or Origin and is refused; the same
// request from the console's own origin, or from a non-browser client,
// goes through. A loopback server answers only to loopback names.
func TestCrossSiteRequestsRefused(t *testing.T) {
	_, addr := startServerWith(t, Config{Bootstrap: startBroker(t)})
	base := "http://" + addr
	body := `{"statement": "SHOW TABLES", "dialect": "flink"}`
	cl := http.DefaultClient
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site", "Content-Type": "text/plain"},
		{"Origin": "http://evil.example", "Content-Type": "application/x-www-form-urlencoded"},
	} {
		if st, _, resp := call(t, cl, "POST", base+"/v1/statements", body, h); st != http.StatusForbidden {
			t.Errorf("cross-site POST with %v: %d %s", h, st, resp)
		}
	}
	if st, _, _ := call(t, cl, "DELETE", base+"/v1/jobs/x", "", map[string]string{"Origin": "http://evil.example"}); st != http.StatusForbidden {
		t.Errorf("cross-site DELETE: %d", st)
	}
	for _, h := range []map[string]string{
		{"Sec-Fetch-Site": "same-origin", "Origin": base},
		{"Origin": base},
		{}, // curl, the REPL
	} {
		if st, _, resp := call(t, cl, "POST", base+"/v1/statements", body, h); st != http.StatusOK {
			t.Errorf("same-origin POST with %v: %d %s", h, st, resp)
		}
	}
	if st, _, _ := call(t, cl, "GET", base+"/v1/jobs", "", map[string]string{"Host": "attacker.example"}); st != http.StatusForbidden {
		t.Errorf("a rebound name reached the loopback server: %d", st)
	}
	if st, _, _ := call(t, cl, "GET", base+"/v1/jobs", "", map[string]string{"Host": "localhost:1234"}); st != http.StatusOK {
		t.Errorf("localhost refused: %d", st)
	}
}

// --tls-cert/--tls-key: the server answers HTTPS.
func TestTLS(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := selfSigned(t, dir)
	_, addr := startServerWith(t, Config{Bootstrap: startBroker(t), TLSCertFile: certFile, TLSKeyFile: keyFile})
	cl := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	if st, _, body := call(t, cl, "GET", "https://"+addr+"/info", "", nil); st != http.StatusOK || !strings.Contains(body, "KsqlServerInfo") {
		t.Errorf("https /info: %d %s", st, body)
	}
	resp, err := http.Get("http://" + addr + "/info")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("plain HTTP answered on the TLS port")
		}
	}
}

// selfSigned writes a certificate for 127.0.0.1 and localhost and its key.
func selfSigned(t *testing.T, dir string) (string, string, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tumble test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
