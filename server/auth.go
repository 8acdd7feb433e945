package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
)

// Who may talk to the server and from where. With Config.Users, every
// endpoint but /healthcheck asks for HTTP basic auth (as ksqlDB's
// authentication.method=BASIC does); the console's pages and assets too.
// Requests that change state are refused when a browser sends them from
// another site (Sec-Fetch-Site / Origin, net/http's CrossOriginProtection),
// so a page elsewhere cannot post a form or a fetch to the server. On a
// loopback listener, a request must name a loopback host: a page whose
// name was re-pointed at 127.0.0.1 (DNS rebinding) is refused.

// ParseUsers reads USER:PASSWORD pairs, one per line (blank lines and
// lines starting with '#' are skipped), as --basic-auth and its file take
// them.
func ParseUsers(text string) (map[string]string, error) {
	users := map[string]string{}
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		user, pass, ok := strings.Cut(line, ":")
		if !ok || user == "" || pass == "" {
			return nil, fmt.Errorf("line %d: want USER:PASSWORD", i+1)
		}
		users[user] = pass
	}
	if len(users) == 0 {
		return nil, errors.New("no USER:PASSWORD given")
	}
	return users, nil
}

// authorized checks the request's basic-auth credentials in constant time.
func (s *Server) authorized(r *http.Request) bool {
	if len(s.cfg.Users) == 0 || r.URL.Path == "/healthcheck" {
		return true
	}
	user, pass, ok := r.BasicAuth()
	if !ok {
		return false
	}
	want, known := s.cfg.Users[user]
	if !known {
		want = "\x00" // compare anyway, so timing does not tell users apart
	}
	a, b := sha256.Sum256([]byte(pass)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1 && known
}

// hostAllowed refuses a request that reached a loopback listener under a
// name that is not a loopback one.
func hostAllowed(r *http.Request) bool {
	local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	tcp, ok := local.(*net.TCPAddr)
	if !ok || !tcp.IP.IsLoopback() {
		return true
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// admit answers the request itself (401, 403) and returns false when it
// may not go on.
func (s *Server) admit(w http.ResponseWriter, r *http.Request) bool {
	if !hostAllowed(r) {
		s.fail(w, r, http.StatusForbidden, fmt.Errorf("host %q is not this server's name; open it as http://127.0.0.1 or http://localhost", r.Host))
		return false
	}
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="Tumble", charset="UTF-8"`)
		s.fail(w, r, http.StatusUnauthorized, errors.New("unauthorized: this server requires HTTP basic authentication"))
		return false
	}
	if err := s.cop.Check(r); err != nil {
		s.fail(w, r, http.StatusForbidden, fmt.Errorf("cross-origin request refused: %v", err))
		return false
	}
	return true
}
