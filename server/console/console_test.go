package console

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func get(t *testing.T, h http.Handler, path string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// Every page path gets index.html (the script routes); assets come with
// their types, an ETag, and the security headers; unknown assets are 404.
func TestHandler(t *testing.T) {
	h := New()
	for _, p := range []string{"/", "/ui/jobs", "/ui/tables/WINDOWED_TRANSACTIONS"} {
		rec := get(t, h, p, nil)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `<script type="module" src="/ui/assets/app.js">`) ||
			!strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			t.Errorf("%s: %d %s", p, rec.Code, rec.Header())
		}
		if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP %q", p, csp)
		}
	}
	for path, typ := range map[string]string{
		"/ui/assets/app.js": "text/javascript", "/ui/assets/style.css": "text/css",
		"/ui/assets/vendor/uplot/uPlot.esm.js": "text/javascript", "/ui/assets/vendor/uplot/LICENSE": "text/plain",
	} {
		rec := get(t, h, path, nil)
		if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), typ) || rec.Body.Len() == 0 {
			t.Errorf("%s: %d %q", path, rec.Code, rec.Header().Get("Content-Type"))
		}
		etag := rec.Header().Get("ETag")
		if again := get(t, h, path, map[string]string{"If-None-Match": etag}); etag == "" || again.Code != http.StatusNotModified {
			t.Errorf("%s: ETag %q, then %d", path, etag, again.Code)
		}
	}
	if rec := get(t, h, "/ui/assets/nope.js", nil); rec.Code != http.StatusNotFound {
		t.Errorf("unknown asset: %d", rec.Code)
	}
	if rec := get(t, h, "/ui/assets/vendor/uplot/VENDOR.md", nil); !strings.Contains(rec.Body.String(), "uplot@1.6.32") {
		t.Error("the vendored uPlot's version note is missing")
	}
}
