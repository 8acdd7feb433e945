// Package console is Tumble Console: the web pages `tumble server` serves
// at / (what the seed's user had in Flink's dashboard, Kafka UI and Pinot):
// jobs with their plans and metrics, topics and their messages, live result
// tables with a chart, an SQL editor and the catalog.
//
// The pages are static files embedded in the binary — plain JavaScript
// modules, no build step — that read the server's JSON API (/v1/...).
// Charts are drawn by uPlot 1.6.32, vendored under assets/vendor/uplot
// with its licence. Every value from a topic or a table reaches the page as
// text (the scripts never write HTML from data), and the pages are served
// with a Content-Security-Policy that allows scripts from the server only.
package console

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed assets
var assets embed.FS

// Prefix is where the assets are served: /ui/assets/app.js.
const Prefix = "/ui/assets/"

// security headers of every console response.
func secure(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
}

type file struct {
	body        []byte
	etag        string
	contentType string
}

// Handler serves the console: index.html for / and every /ui/ page (the
// page's script reads the path), the assets under /ui/assets/. Safe for
// concurrent use.
type Handler struct {
	files map[string]file
}

// New loads the embedded assets.
func New() *Handler {
	h := &Handler{files: map[string]file{}}
	fs.WalkDir(assets, "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := assets.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ct := mime.TypeByExtension(path.Ext(p))
		if ct == "" {
			ct = "application/octet-stream"
		}
		if strings.HasSuffix(p, ".md") || p == "assets/vendor/uplot/LICENSE" {
			ct = "text/plain; charset=utf-8"
		}
		h.files[strings.TrimPrefix(p, "assets/")] = file{body: b, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, contentType: ct}
		return nil
	})
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := "index.html"
	if rest, ok := strings.CutPrefix(r.URL.Path, Prefix); ok {
		name = rest
	}
	f, ok := h.files[name]
	if !ok || name == "" {
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	}
	secure(w.Header())
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("ETag", f.etag)
	w.Header().Set("Cache-Control", "no-cache")
	if match := r.Header.Get("If-None-Match"); match == f.etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(f.body)
	}
}
