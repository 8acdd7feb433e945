package schemaregistry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// apiError is an error the API answers with Confluent's code.
type apiError struct {
	Code    int    `json:"error_code"`
	Message string `json:"message"`
}

func (e *apiError) Error() string { return e.Message }

func (e *apiError) status() int {
	switch {
	case e.Code >= 40400 && e.Code < 40500:
		return http.StatusNotFound
	case e.Code == 409:
		return http.StatusConflict
	case e.Code >= 42200 && e.Code < 42300:
		return http.StatusUnprocessableEntity
	case e.Code >= 40000 && e.Code < 50000:
		return e.Code / 100
	case e.Code >= 100 && e.Code < 600:
		return e.Code
	}
	return http.StatusInternalServerError
}

func errf(code int, format string, args ...any) *apiError {
	return &apiError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Confluent's error codes.
const (
	codeSubjectNotFound         = 40401
	codeVersionNotFound         = 40402
	codeSchemaNotFound          = 40403
	codeSubjectSoftDeleted      = 40404
	codeSubjectNotSoftDeleted   = 40405
	codeVersionSoftDeleted      = 40406
	codeVersionNotSoftDeleted   = 40407
	codeSubjectCompatNotSet     = 40408
	codeSubjectModeNotSet       = 40409
	codeIncompatible            = 409
	codeInvalidSchema           = 42201
	codeInvalidVersion          = 42202
	codeInvalidCompatibility    = 42203
	codeInvalidMode             = 42204
	codeOperationNotPermitted   = 42205
	codeReferenceExists         = 42206
	codeIDInUse                 = 42207
	codeStoreError              = 50001
	codeUnprocessableEntityJSON = 422
	codeNotFound                = 404
	codeBadRequest              = 400
	contentType                 = "application/vnd.schemaregistry.v1+json"
	maxBody                     = 8 << 20
)

// Handler serves the API.
func (r *Registry) Handler() http.Handler {
	m := http.NewServeMux()
	h := func(pattern string, fn func(*http.Request) (any, error)) {
		m.HandleFunc(pattern, func(w http.ResponseWriter, req *http.Request) {
			defer func() {
				if p := recover(); p != nil {
					r.log.Error("schema registry handler panicked", "path", req.URL.Path, "panic", p)
					writeJSON(w, http.StatusInternalServerError, errf(50000, "internal error"))
				}
			}()
			out, err := fn(req)
			if err != nil {
				var ae *apiError
				if !errors.As(err, &ae) {
					ae = errf(codeStoreError, "%v", err)
				}
				writeJSON(w, ae.status(), ae)
				return
			}
			if s, ok := out.(rawText); ok {
				w.Header().Set("Content-Type", "text/plain")
				io.WriteString(w, string(s))
				return
			}
			writeJSON(w, http.StatusOK, out)
		})
	}
	h("GET /{$}", func(*http.Request) (any, error) { return map[string]any{}, nil })
	h("GET /schemas/types", func(*http.Request) (any, error) { return []string{JSON, Protobuf, Avro}, nil })
	h("GET /schemas/ids/{id}", r.getSchemaByID)
	h("GET /schemas/ids/{id}/schema", r.getSchemaTextByID)
	h("GET /schemas/ids/{id}/subjects", r.getSubjectsByID)
	h("GET /schemas/ids/{id}/versions", r.getVersionsByID)
	h("GET /subjects", r.getSubjects)
	h("GET /subjects/{subject}/versions", r.getVersions)
	h("GET /subjects/{subject}/versions/{version}", r.getVersion)
	h("GET /subjects/{subject}/versions/{version}/schema", r.getVersionText)
	h("GET /subjects/{subject}/versions/{version}/referencedby", r.getReferencedBy)
	h("POST /subjects/{subject}/versions", r.postVersion)
	h("POST /subjects/{subject}", r.lookup)
	h("DELETE /subjects/{subject}", r.deleteSubject)
	h("DELETE /subjects/{subject}/versions/{version}", r.deleteVersion)
	h("POST /compatibility/subjects/{subject}/versions/{version}", r.checkCompat)
	h("POST /compatibility/subjects/{subject}/versions", r.checkCompat)
	h("GET /config", r.getConfig)
	h("PUT /config", r.putConfig)
	h("DELETE /config", r.deleteConfig)
	h("GET /config/{subject}", r.getConfig)
	h("PUT /config/{subject}", r.putConfig)
	h("DELETE /config/{subject}", r.deleteConfig)
	h("GET /mode", r.getMode)
	h("PUT /mode", r.putMode)
	h("DELETE /mode", r.deleteMode)
	h("GET /mode/{subject}", r.getMode)
	h("PUT /mode/{subject}", r.putMode)
	h("DELETE /mode/{subject}", r.deleteMode)
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if _, pattern := m.Handler(req); pattern == "" {
			writeJSON(w, http.StatusNotFound, errf(codeNotFound, "HTTP 404 Not Found"))
			return
		}
		m.ServeHTTP(w, req)
	})
}

type rawText string

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func boolParam(req *http.Request, name string) bool {
	v, _ := strconv.ParseBool(req.URL.Query().Get(name))
	return v
}

// schemaJSON is a schema as the API shows it: schemaType left out for
// Avro, as Confluent does.
type schemaJSON struct {
	Subject    string      `json:"subject,omitempty"`
	Version    int         `json:"version,omitempty"`
	ID         int         `json:"id,omitempty"`
	SchemaType string      `json:"schemaType,omitempty"`
	References []Reference `json:"references,omitempty"`
	Schema     string      `json:"schema"`
}

func showType(t string) string {
	if t == Avro {
		return ""
	}
	return t
}

func (r *Registry) idParam(req *http.Request) (*stored, error) {
	id, err := strconv.Atoi(req.PathValue("id"))
	s, ok := r.schemas[id]
	if err != nil || !ok || !r.idInUse(id) {
		return nil, errf(codeSchemaNotFound, "Schema %s not found", req.PathValue("id"))
	}
	return s, nil
}

// idInUse reports whether some version (soft-deleted ones included) still
// holds the id.
func (r *Registry) idInUse(id int) bool {
	for _, s := range r.subjects {
		for _, v := range s.versions {
			if v.ID == id {
				return true
			}
		}
	}
	return false
}

func (r *Registry) getSchemaByID(req *http.Request) (any, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, err := r.idParam(req)
	if err != nil {
		return nil, err
	}
	return schemaJSON{SchemaType: showType(s.Type), References: s.References, Schema: s.Text}, nil
}

func (r *Registry) getSchemaTextByID(req *http.Request) (any, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, err := r.idParam(req)
	if err != nil {
		return nil, err
	}
	return rawText(s.Text), nil
}

type subjectVersion struct {
	Subject string `json:"subject"`
	Version int    `json:"version"`
}

func (r *Registry) usesOf(id int, deleted bool) []subjectVersion {
	var out []subjectVersion
	for name, s := range r.subjects {
		for _, v := range s.versions {
			if v.ID == id && (deleted || !v.Deleted) {
				out = append(out, subjectVersion{name, v.Version})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Subject != out[j].Subject {
			return out[i].Subject < out[j].Subject
		}
		return out[i].Version < out[j].Version
	})
	return out
}

func (r *Registry) getSubjectsByID(req *http.Request) (any, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, err := r.idParam(req)
	if err != nil {
		return nil, err
	}
	names := []string{}
	for _, u := range r.usesOf(s.ID, boolParam(req, "deleted")) {
		if len(names) == 0 || names[len(names)-1] != u.Subject {
			names = append(names, u.Subject)
		}
	}
	return names, nil
}

func (r *Registry) getVersionsByID(req *http.Request) (any, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, err := r.idParam(req)
	if err != nil {
		return nil, err
	}
	out := r.usesOf(s.ID, boolParam(req, "deleted"))
	if out == nil {
		out = []subjectVersion{}
	}
	return out, nil
}

func (r *Registry) getSubjects(req *http.Request) (any, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	deleted := boolParam(req, "deleted")
	prefix := req.URL.Query().Get("subjectPrefix")
	names := []string{}
	for name, s := range r.subjects {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		if len(s.live()) > 0 || (deleted && len(s.versions) > 0) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names, nil
}

// subjectOf finds a subject with versions (soft-deleted ones count when
// deleted is true).
func (r *Registry) subjectOf(name string, deleted bool) (*subject, error) {
	s := r.subjects[name]
	if s == nil || len(s.versions) == 0 || (!deleted && len(s.live()) == 0) {
		return nil, errf(codeSubjectNotFound, "Subject '%s' not found.", name)
	}
	return s, nil
}

func (r *Registry) getVersions(req *http.Request) (any, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	deleted := boolParam(req, "deleted")
	s, err := r.subjectOf(req.PathValue("subject"), deleted)
	if err != nil {
		return nil, err
	}
	out := []int{}
	for _, v := range s.versions {
		if deleted || !v.Deleted {
			out = append(out, v.Version)
		}
	}
	return out, nil
}

// versionOf finds a version ("latest" or -1 is the newest live one).
func (r *Registry) versionOf(name, ver string, deleted bool) (*subject, *version, error) {
	n, err := strconv.Atoi(ver)
	if ver == "latest" {
		n, err = -1, nil
	}
	if err != nil || n == 0 || n < -1 {
		return nil, nil, errf(codeInvalidVersion, "The specified version '%s' is not a valid version id. Allowed values are between [1, 2^31-1] and the string \"latest\"", ver)
	}
	s, err := r.subjectOf(name, deleted)
	if err != nil {
		return nil, nil, err
	}
	if n == -1 {
		for i := len(s.versions) - 1; i >= 0; i-- {
			if deleted || !s.versions[i].Deleted {
				return s, s.versions[i], nil
			}
		}
	}
	for _, v := range s.versions {
		if v.Version == n && (deleted || !v.Deleted) {
			return s, v, nil
		}
	}
	return nil, nil, errf(codeVersionNotFound, "Version %s not found.", ver)
}

func (r *Registry) getVersion(req *http.Request) (any, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	name := req.PathValue("subject")
	_, v, err := r.versionOf(name, req.PathValue("version"), boolParam(req, "deleted"))
	if err != nil {
		return nil, err
	}
	s := r.schemas[v.ID]
	return schemaJSON{Subject: name, Version: v.Version, ID: v.ID, SchemaType: showType(s.Type), References: s.References, Schema: s.Text}, nil
}

func (r *Registry) getVersionText(req *http.Request) (any, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, v, err := r.versionOf(req.PathValue("subject"), req.PathValue("version"), boolParam(req, "deleted"))
	if err != nil {
		return nil, err
	}
	return rawText(r.schemas[v.ID].Text), nil
}

// referencedBy lists the ids of live schemas whose references name the
// subject's version.
func (r *Registry) referencedBy(name string, ver int) []int {
	seen := map[int]bool{}
	for _, s := range r.subjects {
		for _, v := range s.versions {
			if v.Deleted || seen[v.ID] {
				continue
			}
			for _, ref := range r.schemas[v.ID].References {
				if ref.Subject == name && ref.Version == ver {
					seen[v.ID] = true
				}
			}
		}
	}
	out := []int{}
	for id := range seen {
		out = append(out, id)
	}
	sort.Ints(out)
	return out
}

func (r *Registry) getReferencedBy(req *http.Request) (any, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	name := req.PathValue("subject")
	_, v, err := r.versionOf(name, req.PathValue("version"), false)
	if err != nil {
		return nil, err
	}
	return r.referencedBy(name, v.Version), nil
}

// registerRequest is the body of POST /subjects/{subject}/versions (and
// of lookups and compatibility checks).
type registerRequest struct {
	Schema     string      `json:"schema"`
	SchemaType string      `json:"schemaType"`
	References []Reference `json:"references"`
	ID         int         `json:"id"`
	Version    int         `json:"version"`
}

func readBody(req *http.Request, into any) error {
	body, err := io.ReadAll(io.LimitReader(req.Body, maxBody))
	if err != nil {
		return errf(codeBadRequest, "reading the request: %v", err)
	}
	if err := json.Unmarshal(body, into); err != nil {
		return errf(codeUnprocessableEntityJSON, "Unrecognized or malformed JSON: %v", err)
	}
	return nil
}

// parseRequest checks a request's schema (r.mu held).
func (r *Registry) parseRequest(ctx context.Context, rq *registerRequest) (*Parsed, error) {
	src := Source{Type: NormalizeType(rq.SchemaType), References: rq.References}
	src.Text = Normalize(src.Type, rq.Schema)
	if strings.TrimSpace(rq.Schema) == "" {
		return nil, errf(codeInvalidSchema, "Empty schema")
	}
	p, err := Parse(ctx, src, r.resolver())
	if err != nil {
		return nil, errf(codeInvalidSchema, "Invalid schema %s: %v", rq.Schema, err)
	}
	return p, nil
}

// earlier returns the parsed live versions of a subject, oldest first.
func (r *Registry) earlier(ctx context.Context, s *subject) ([]*Parsed, error) {
	var out []*Parsed
	if s == nil {
		return nil, nil
	}
	for _, v := range s.live() {
		p, err := r.parsedID(ctx, v.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func (r *Registry) postVersion(req *http.Request) (any, error) {
	var rq registerRequest
	if err := readBody(req, &rq); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ctx := req.Context()
	name := req.PathValue("subject")
	mode := r.modeOf(name)
	if mode == ReadOnly || mode == ReadOnlyOverride {
		return nil, errf(codeOperationNotPermitted, "Subject %s is in read-only mode", name)
	}
	if (rq.ID > 0 || rq.Version > 0) && mode != Import {
		return nil, errf(codeOperationNotPermitted, "Subject %s is not in import mode", name)
	}
	p, err := r.parseRequest(ctx, &rq)
	if err != nil {
		return nil, err
	}
	s := r.subjects[name]
	key := textKey(p.Source)
	if s != nil && rq.ID == 0 {
		for _, v := range s.live() {
			if textKey(r.schemas[v.ID].Source) == key {
				return map[string]int{"id": v.ID}, nil
			}
		}
	}
	if mode != Import {
		earlier, err := r.earlier(ctx, s)
		if err != nil {
			return nil, err
		}
		if msgs := Check(r.levelOf(name), p, earlier); len(msgs) > 0 {
			return nil, errf(codeIncompatible, "Schema being registered is incompatible with an earlier schema for subject \"%s\", details: [%s]", name, strings.Join(msgs, ", "))
		}
	}
	id, known := r.byText[key]
	if rq.ID > 0 {
		if old, ok := r.schemas[rq.ID]; ok && textKey(old.Source) != key {
			return nil, errf(codeIDInUse, "Overwrite new schema with id %d is not permitted.", rq.ID)
		}
		id, known = rq.ID, true
	}
	if !known {
		id = r.nextID
	}
	ver := 1
	if s != nil && len(s.versions) > 0 {
		ver = s.versions[len(s.versions)-1].Version + 1
	}
	if rq.Version > 0 {
		ver = rq.Version
	}
	if err := r.write(ctx, recKey{KeyType: "SCHEMA", Subject: &name, Version: ver, Magic: 1}, schemaValue{
		Subject: name, Version: ver, ID: id, SchemaType: showType(p.Type), References: p.References, Schema: p.Text,
	}); err != nil {
		return nil, err
	}
	r.parsed[id] = p
	return map[string]int{"id": id}, nil
}

func (r *Registry) lookup(req *http.Request) (any, error) {
	var rq registerRequest
	if err := readBody(req, &rq); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	name := req.PathValue("subject")
	deleted := boolParam(req, "deleted")
	s, err := r.subjectOf(name, deleted)
	if err != nil {
		return nil, err
	}
	p, err := r.parseRequest(req.Context(), &rq)
	if err != nil {
		return nil, err
	}
	key := textKey(p.Source)
	for i := len(s.versions) - 1; i >= 0; i-- {
		v := s.versions[i]
		if (deleted || !v.Deleted) && textKey(r.schemas[v.ID].Source) == key {
			st := r.schemas[v.ID]
			return schemaJSON{Subject: name, Version: v.Version, ID: v.ID, SchemaType: showType(st.Type), References: st.References, Schema: st.Text}, nil
		}
	}
	return nil, errf(codeSchemaNotFound, "Schema not found")
}

func (r *Registry) deleteSubject(req *http.Request) (any, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ctx := req.Context()
	name := req.PathValue("subject")
	if m := r.modeOf(name); m == ReadOnly {
		return nil, errf(codeOperationNotPermitted, "Subject %s is in read-only mode", name)
	}
	s := r.subjects[name]
	if s == nil || len(s.versions) == 0 {
		return nil, errf(codeSubjectNotFound, "Subject '%s' not found.", name)
	}
	permanent := boolParam(req, "permanent")
	live := s.live()
	out := []int{}
	if !permanent {
		if len(live) == 0 {
			return nil, errf(codeSubjectSoftDeleted, "Subject '%s' was soft deleted.Set permanent=true to delete permanently", name)
		}
		for _, v := range live {
			if refs := r.referencedBy(name, v.Version); len(refs) > 0 {
				return nil, errf(codeReferenceExists, "One or more references exist to the schema {subject=%s,version=%d}.", name, v.Version)
			}
		}
		latest := live[len(live)-1].Version
		if err := r.write(ctx, recKey{KeyType: "DELETE_SUBJECT", Subject: &name, Magic: 0}, map[string]any{"subject": name, "version": latest}); err != nil {
			return nil, err
		}
		for _, v := range live {
			out = append(out, v.Version)
			id := v.ID
			if err := r.write(ctx, recKey{KeyType: "SCHEMA", Subject: &name, Version: v.Version, Magic: 1}, r.value(name, v.Version, id, true)); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	if len(live) > 0 {
		return nil, errf(codeSubjectNotSoftDeleted, "Subject '%s' was not deleted first before being permanently deleted", name)
	}
	for _, v := range append([]*version(nil), s.versions...) {
		out = append(out, v.Version)
		if err := r.write(ctx, recKey{KeyType: "SCHEMA", Subject: &name, Version: v.Version, Magic: 1}, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (r *Registry) value(name string, ver, id int, deleted bool) schemaValue {
	st := r.schemas[id]
	return schemaValue{Subject: name, Version: ver, ID: id, SchemaType: showType(st.Type), References: st.References, Schema: st.Text, Deleted: deleted}
}

func (r *Registry) deleteVersion(req *http.Request) (any, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ctx := req.Context()
	name := req.PathValue("subject")
	if m := r.modeOf(name); m == ReadOnly {
		return nil, errf(codeOperationNotPermitted, "Subject %s is in read-only mode", name)
	}
	permanent := boolParam(req, "permanent")
	_, v, err := r.versionOf(name, req.PathValue("version"), true)
	if err != nil {
		return nil, err
	}
	if req.PathValue("version") == "latest" && v.Deleted && !permanent {
		// latest means the newest live version for a soft delete
		if _, v, err = r.versionOf(name, "latest", false); err != nil {
			return nil, err
		}
	}
	if refs := r.referencedBy(name, v.Version); len(refs) > 0 {
		return nil, errf(codeReferenceExists, "One or more references exist to the schema {subject=%s,version=%d}.", name, v.Version)
	}
	key := recKey{KeyType: "SCHEMA", Subject: &name, Version: v.Version, Magic: 1}
	if permanent {
		if !v.Deleted {
			return nil, errf(codeVersionNotSoftDeleted, "Subject '%s' Version %d was not deleted first before being permanently deleted", name, v.Version)
		}
		return v.Version, r.write(ctx, key, nil)
	}
	if v.Deleted {
		return nil, errf(codeVersionSoftDeleted, "Subject '%s' Version %d was soft deleted.Set permanent=true to delete permanently", name, v.Version)
	}
	return v.Version, r.write(ctx, key, r.value(name, v.Version, v.ID, true))
}

func (r *Registry) checkCompat(req *http.Request) (any, error) {
	var rq registerRequest
	if err := readBody(req, &rq); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ctx := req.Context()
	name := req.PathValue("subject")
	p, err := r.parseRequest(ctx, &rq)
	if err != nil {
		return nil, err
	}
	var against []*Parsed
	level := r.levelOf(name)
	if ver := req.PathValue("version"); ver != "" {
		_, v, err := r.versionOf(name, ver, false)
		if err != nil {
			return nil, err
		}
		old, err := r.parsedID(ctx, v.ID)
		if err != nil {
			return nil, err
		}
		against = []*Parsed{old}
		level = strings.TrimSuffix(level, "_TRANSITIVE")
	} else if against, err = r.earlier(ctx, r.subjects[name]); err != nil {
		return nil, err
	}
	msgs := Check(level, p, against)
	out := map[string]any{"is_compatible": len(msgs) == 0}
	if boolParam(req, "verbose") {
		if msgs == nil {
			msgs = []string{}
		}
		out["messages"] = msgs
	}
	return out, nil
}

func (r *Registry) getConfig(req *http.Request) (any, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	name := req.PathValue("subject")
	if name == "" {
		return map[string]string{"compatibilityLevel": r.compat}, nil
	}
	if s := r.subjects[name]; s != nil && s.compat != "" {
		return map[string]string{"compatibilityLevel": s.compat}, nil
	}
	if boolParam(req, "defaultToGlobal") {
		return map[string]string{"compatibilityLevel": r.compat}, nil
	}
	return nil, errf(codeSubjectCompatNotSet, "Subject '%s' does not have subject-level compatibility configured", name)
}

func (r *Registry) putConfig(req *http.Request) (any, error) {
	var body struct {
		Compatibility string `json:"compatibility"`
	}
	if err := readBody(req, &body); err != nil {
		return nil, err
	}
	level := strings.ToUpper(strings.TrimSpace(body.Compatibility))
	if !validLevel(level) {
		return nil, errf(codeInvalidCompatibility, "Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var sub *string
	if name := req.PathValue("subject"); name != "" {
		sub = &name
	}
	if err := r.write(req.Context(), recKey{KeyType: "CONFIG", Subject: sub}, configValue{Compatibility: level}); err != nil {
		return nil, err
	}
	return map[string]string{"compatibility": level}, nil
}

func (r *Registry) deleteConfig(req *http.Request) (any, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	name := req.PathValue("subject")
	if name == "" {
		old := r.compat
		if err := r.write(req.Context(), recKey{KeyType: "CONFIG"}, nil); err != nil {
			return nil, err
		}
		return map[string]string{"compatibilityLevel": old}, nil
	}
	s := r.subjects[name]
	if s == nil || len(s.versions) == 0 && s.compat == "" {
		return nil, errf(codeSubjectNotFound, "Subject '%s' not found.", name)
	}
	old := s.compat
	if old == "" {
		old = r.compat
	}
	if err := r.write(req.Context(), recKey{KeyType: "CONFIG", Subject: &name}, nil); err != nil {
		return nil, err
	}
	return map[string]string{"compatibilityLevel": old}, nil
}

func (r *Registry) getMode(req *http.Request) (any, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	name := req.PathValue("subject")
	if name == "" {
		return map[string]string{"mode": r.mode}, nil
	}
	if s := r.subjects[name]; s != nil && s.mode != "" {
		return map[string]string{"mode": s.mode}, nil
	}
	if boolParam(req, "defaultToGlobal") {
		return map[string]string{"mode": r.mode}, nil
	}
	return nil, errf(codeSubjectModeNotSet, "Subject '%s' does not have subject-level mode configured", name)
}

func (r *Registry) putMode(req *http.Request) (any, error) {
	var body modeValue
	if err := readBody(req, &body); err != nil {
		return nil, err
	}
	mode := strings.ToUpper(strings.TrimSpace(body.Mode))
	switch mode {
	case ReadWrite, ReadOnly, Import, ReadOnlyOverride:
	default:
		return nil, errf(codeInvalidMode, "Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE and IMPORT.")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	name := req.PathValue("subject")
	if mode == Import && !boolParam(req, "force") {
		// importing keeps the ids it is given: only into empty subjects
		for n, s := range r.subjects {
			if (name == "" || n == name) && len(s.live()) > 0 {
				return nil, errf(codeOperationNotPermitted, "Cannot import since found existing subjects")
			}
		}
	}
	var sub *string
	if name != "" {
		sub = &name
	}
	if err := r.write(req.Context(), recKey{KeyType: "MODE", Subject: sub}, modeValue{Mode: mode}); err != nil {
		return nil, err
	}
	return map[string]string{"mode": mode}, nil
}

func (r *Registry) deleteMode(req *http.Request) (any, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	name := req.PathValue("subject")
	var sub *string
	old := r.mode
	if name != "" {
		sub = &name
		s := r.subjects[name]
		if s == nil || s.mode == "" {
			return nil, errf(codeSubjectNotFound, "Subject '%s' not found.", name)
		}
		old = s.mode
	}
	if err := r.write(req.Context(), recKey{KeyType: "MODE", Subject: sub}, nil); err != nil {
		return nil, err
	}
	return map[string]string{"mode": old}, nil
}
