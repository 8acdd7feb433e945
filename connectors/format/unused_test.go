package format_test

import (
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tumble/tumble/connectors/format"
	"github.com/tumble/tumble/engine"
	"github.com/tumble/tumble/engine/types"
)

// TestRegistryBasicAuth: 'avro-confluent.basic-auth.user-info' is sent to
// a registry that requires it (it was accepted and ignored).
func TestRegistryBasicAuth(t *testing.T) {
	target, err := url.Parse(registryURL(t))
	if err != nil {
		t.Fatal(err)
	}
	var authorized atomic.Int64
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "ann" || p != "s3cret" {
			http.Error(w, `{"error_code":401,"message":"Unauthorized"}`, http.StatusUnauthorized)
			return
		}
		authorized.Add(1)
		proxy.ServeHTTP(w, r)
	}))
	defer srv.Close()
	cols := []format.Column{{Name: "a", Type: types.TBigInt, Pos: 0}}
	encode := func(opts map[string]string) error {
		spec := &engine.TableSpec{Name: "t", Options: map[string]string{"format": "avro-confluent", "topic": "auth", "avro-confluent.url": srv.URL}}
		for k, v := range opts {
			spec.Options[k] = v
		}
		enc, err := format.NewEncoder(spec, cols, "value.")
		if err != nil {
			return err
		}
		_, _, err = enc.Encode(nil, []types.Value{types.BigIntV(1)})
		return err
	}
	if err := encode(nil); err == nil || !strings.Contains(err.Error(), "401") && !strings.Contains(err.Error(), "Unauthorized") {
		t.Fatalf("without credentials: %v", err)
	}
	if err := encode(map[string]string{"avro-confluent.basic-auth.user-info": "ann:s3cret"}); err != nil {
		t.Fatal(err)
	}
	if authorized.Load() == 0 {
		t.Fatal("no authorized request reached the registry")
	}
	if err := encode(map[string]string{"avro-confluent.basic-auth.credentials-source": "SASL_INHERIT"}); err == nil || !strings.Contains(err.Error(), "USER_INFO") {
		t.Fatalf("credentials source: %v", err)
	}
}

// TestUnusedFormatOptions lists the format options that have no effect.
func TestUnusedFormatOptions(t *testing.T) {
	spec := &engine.TableSpec{Name: "t", Options: map[string]string{
		"key.format": "raw", "value.format": "avro-confluent", "value.avro-confluent.url": "http://x",
		"value.avro-confluent.basic-auth.user-info": "a:b", "value.avro-confluent.ssl.keystore.password": "p",
		"json.fail-on-missing-field": "true", "key.raw.charset": "UTF-8"}}
	got := format.Unused(spec)
	want := []string{
		"Table 't': 'json.fail-on-missing-field' has no effect: the table's format is not 'json'.",
		"Table 't': 'value.avro-confluent.ssl.keystore.password' has no effect: Tumble's Schema Registry client reads no keystore or truststore (the registry is reached with the system's trusted certificates).",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}
