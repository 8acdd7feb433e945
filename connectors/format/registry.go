package format

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/sr"

	"github.com/tumble/tumble/connectors/schemaregistry"
	"github.com/tumble/tumble/engine"
)

// RegistryURLKey is the TableSpec.Defaults key of the default Schema
// Registry (tumble --schema-registry, ksqlDB's ksql.schema.registry.url).
const RegistryURLKey = "schema.registry.url"

// registryTimeout bounds each call to the registry.
const registryTimeout = 30 * time.Second

// registry is a Schema Registry client with the schemas it has parsed,
// shared by every format that uses the same URL. Safe for concurrent use.
type registry struct {
	url string
	cl  *sr.Client

	mu     sync.Mutex
	byID   map[int]*schemaregistry.Parsed
	failed map[int]error // ids the registry does not know (cached a while)
	failAt map[int]time.Time
}

var (
	registriesMu sync.Mutex
	registries   = map[string]*registry{}
)

// registryAuth is how a client authenticates to the registry (Flink's
// '<format>.basic-auth.user-info' and '<format>.bearer-auth.token').
type registryAuth struct {
	user, pass string
	basic      bool
	token      string
}

// registryFor returns the client for url (and auth).
func registryFor(url string, auth registryAuth) (*registry, error) {
	url = strings.TrimRight(strings.TrimSpace(url), "/")
	if url == "" {
		return nil, errors.New("no Schema Registry is configured (tumble --schema-registry URL, ksql.schema.registry.url)")
	}
	key := url
	if auth != (registryAuth{}) {
		key = fmt.Sprintf("%s\x00%v", url, auth)
	}
	registriesMu.Lock()
	defer registriesMu.Unlock()
	if r, ok := registries[key]; ok {
		return r, nil
	}
	var urls []string
	for _, u := range strings.Split(url, ",") {
		urls = append(urls, strings.TrimSpace(u))
	}
	opts := []sr.ClientOpt{sr.URLs(urls...)}
	if auth.basic {
		opts = append(opts, sr.BasicAuth(auth.user, auth.pass))
	}
	if auth.token != "" {
		opts = append(opts, sr.BearerToken(auth.token))
	}
	cl, err := sr.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("schema registry %s: %w", url, err)
	}
	r := &registry{url: url, cl: cl, byID: map[int]*schemaregistry.Parsed{}, failed: map[int]error{}, failAt: map[int]time.Time{}}
	registries[key] = r
	return r, nil
}

// authOf reads a format's registry credentials: Flink's
// 'basic-auth.user-info' ("user:password", with 'basic-auth.credentials-source'
// USER_INFO, the default here) and 'bearer-auth.token' (with
// 'bearer-auth.credentials-source' STATIC_TOKEN).
func authOf(o opts) (registryAuth, error) {
	var a registryAuth
	if src, ok := o.get("basic-auth.credentials-source"); ok && !strings.EqualFold(strings.TrimSpace(src), "USER_INFO") {
		return a, fmt.Errorf("%w '%s%s.basic-auth.credentials-source' '%s' (USER_INFO)", ErrUnsupported, o.prefix, o.name, src)
	}
	if src, ok := o.get("bearer-auth.credentials-source"); ok && !strings.EqualFold(strings.TrimSpace(src), "STATIC_TOKEN") {
		return a, fmt.Errorf("%w '%s%s.bearer-auth.credentials-source' '%s' (STATIC_TOKEN)", ErrUnsupported, o.prefix, o.name, src)
	}
	if v, ok := o.get("basic-auth.user-info"); ok {
		user, pass, found := strings.Cut(v, ":")
		if !found {
			return a, fmt.Errorf("'%s%s.basic-auth.user-info' must be 'user:password'", o.prefix, o.name)
		}
		a.user, a.pass, a.basic = user, pass, true
	}
	if v, ok := o.get("bearer-auth.token"); ok {
		a.token = strings.TrimSpace(v)
	}
	return a, nil
}

// registryOf finds the registry a format instance uses: the format's own
// URL option (Flink's 'avro-confluent.url') or the process default.
func registryOf(o opts, urlOption string) (*registry, error) {
	auth, err := authOf(o)
	if err != nil {
		return nil, err
	}
	if urlOption != "" {
		if v, ok := o.get(urlOption); ok {
			return registryFor(v, auth)
		}
	}
	return registryFor(o.spec.Defaults[RegistryURLKey], auth)
}

func ctxTimeout() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), registryTimeout)
}

func (r *registry) resolve(ctx context.Context, subject string, version int) (schemaregistry.Source, error) {
	s, err := r.cl.SchemaByVersion(ctx, subject, version)
	if err != nil {
		return schemaregistry.Source{}, err
	}
	return source(s.Schema), nil
}

func source(s sr.Schema) schemaregistry.Source {
	out := schemaregistry.Source{Type: schemaregistry.NormalizeType(s.Type.String()), Text: s.Schema}
	for _, ref := range s.References {
		out.References = append(out.References, schemaregistry.Reference{Name: ref.Name, Subject: ref.Subject, Version: ref.Version})
	}
	return out
}

// byIDParsed returns the schema of an id, parsed; an id the registry does
// not know is remembered for a minute, so a topic full of records with a
// bad id does not ask for each.
func (r *registry) byIDParsed(id int) (*schemaregistry.Parsed, error) {
	r.mu.Lock()
	if p, ok := r.byID[id]; ok {
		r.mu.Unlock()
		return p, nil
	}
	if err, ok := r.failed[id]; ok && time.Since(r.failAt[id]) < time.Minute {
		r.mu.Unlock()
		return nil, err
	}
	r.mu.Unlock()
	ctx, cancel := ctxTimeout()
	defer cancel()
	s, err := r.cl.SchemaByID(ctx, id)
	var p *schemaregistry.Parsed
	if err == nil {
		p, err = schemaregistry.Parse(ctx, source(s), r.resolve)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		err = fmt.Errorf("schema id %d: %w", id, err)
		var re *sr.ResponseError
		if errors.As(err, &re) || errors.Is(err, schemaregistry.ErrInvalidSchema) {
			r.failed[id], r.failAt[id] = err, time.Now()
		}
		return nil, err
	}
	r.byID[id] = p
	return p, nil
}

// latest returns the newest schema of a subject and its id.
func (r *registry) latest(subject string) (*schemaregistry.Parsed, int, error) {
	ctx, cancel := ctxTimeout()
	defer cancel()
	s, err := r.cl.SchemaByVersion(ctx, subject, -1)
	if err != nil {
		return nil, 0, err
	}
	p, err := r.byIDParsed(s.ID)
	return p, s.ID, err
}

// register registers a schema under subject and returns its id (an
// identical schema keeps its id).
func (r *registry) register(subject string, src schemaregistry.Source) (int, error) {
	ctx, cancel := ctxTimeout()
	defer cancel()
	typ := sr.TypeAvro
	switch src.Type {
	case schemaregistry.Protobuf:
		typ = sr.TypeProtobuf
	case schemaregistry.JSON:
		typ = sr.TypeJSON
	}
	s, err := r.cl.CreateSchema(ctx, subject, sr.Schema{Schema: src.Text, Type: typ})
	if err != nil {
		return 0, fmt.Errorf("registering the schema of subject '%s': %w", subject, err)
	}
	return s.ID, nil
}

// subjectExists reports whether subject has a live version.
func (r *registry) subjectExists(subject string) (bool, error) {
	ctx, cancel := ctxTimeout()
	defer cancel()
	_, err := r.cl.SubjectVersions(ctx, subject)
	if err == nil {
		return true, nil
	}
	var re *sr.ResponseError
	if errors.As(err, &re) && re.ErrorCode == 40401 {
		return false, nil
	}
	return false, err
}

// subjectOf is the subject of a topic's keys or values (Confluent's
// TopicNameStrategy).
func subjectOf(spec *engine.TableSpec, prefix string) string {
	topic := spec.Options["topic"]
	if prefix == "key." {
		return topic + "-key"
	}
	return topic + "-value"
}

// wireHeader splits Confluent's wire format: magic byte 0, a 4-byte
// big-endian schema id, the payload.
func wireHeader(data []byte) (int, []byte, error) {
	if len(data) < 5 {
		return 0, nil, malformed("%d bytes are too short for the schema registry's wire format (magic byte and schema id)", len(data))
	}
	if data[0] != 0 {
		return 0, nil, malformed("unknown magic byte %d (the schema registry's wire format starts with 0)", data[0])
	}
	return int(binary.BigEndian.Uint32(data[1:5])), data[5:], nil
}

func appendWireHeader(dst []byte, id int) []byte {
	dst = append(dst, 0)
	return binary.BigEndian.AppendUint32(dst, uint32(id))
}

// schemaIDOption reads 'key.schema.id' / 'value.schema.id' (ksqlDB's
// KEY_SCHEMA_ID / VALUE_SCHEMA_ID).
func schemaIDOption(o opts) (int, bool, error) {
	v, ok := o.spec.Option(o.prefix + "schema.id")
	if !ok {
		return 0, false, nil
	}
	id, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || id <= 0 {
		return 0, false, fmt.Errorf("%sSCHEMA_ID must be a positive integer, not '%s'", strings.ToUpper(o.prefix[:len(o.prefix)-1])+"_", v)
	}
	return id, true, nil
}
