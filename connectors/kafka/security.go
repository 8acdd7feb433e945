package kafka

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"

	"github.com/tumble/tumble/engine"
)

// Security is how a client authenticates to Kafka and encrypts its
// connections, read from the Java client's properties as Flink tables
// ('properties.security.protocol', ...) and ksqlDB's server configuration
// ('security.protocol', ...) name them.
type Security struct {
	Protocol  string // PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL
	Mechanism string // PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (SASL only)
	User      string
	password  string
	TLS       *tls.Config // SSL and SASL_SSL
}

// securityKeys are the Java client properties ParseSecurity reads; any
// other 'sasl.' or 'ssl.' property is refused rather than ignored.
var securityKeys = map[string]bool{
	"security.protocol": true, "sasl.mechanism": true, "sasl.jaas.config": true,
	"ssl.truststore.location": true, "ssl.truststore.type": true, "ssl.truststore.certificates": true,
	"ssl.truststore.password": true,
	"ssl.keystore.location":   true, "ssl.keystore.type": true, "ssl.keystore.certificate.chain": true,
	"ssl.keystore.key": true, "ssl.keystore.password": true, "ssl.key.password": true,
	"ssl.endpoint.identification.algorithm": true, "ssl.protocol": true, "ssl.enabled.protocols": true,
}

// IsSecurityProperty reports whether key (a Java client property name,
// without 'properties.') is about authentication or encryption.
func IsSecurityProperty(key string) bool {
	return securityKeys[key] || strings.HasPrefix(key, "sasl.") || strings.HasPrefix(key, "ssl.")
}

// ParseSecurity reads the security properties among props (Java client
// names: security.protocol, sasl.mechanism, sasl.jaas.config,
// ssl.truststore.*, ssl.keystore.*, ssl.endpoint.identification.algorithm,
// ssl.protocol, ssl.enabled.protocols). Trust and key stores must be PEM
// files or inline PEM; JKS and PKCS12 stores are refused with a hint. It
// reads the files it names.
func ParseSecurity(props map[string]string) (*Security, error) {
	var unknown []string
	for k := range props {
		if IsSecurityProperty(k) && !securityKeys[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return nil, fmt.Errorf("'%s' is not supported (supported: security.protocol, sasl.mechanism, sasl.jaas.config, ssl.truststore.*, ssl.keystore.*, ssl.key.password, ssl.endpoint.identification.algorithm, ssl.protocol, ssl.enabled.protocols)", strings.Join(unknown, "', '"))
	}
	s := &Security{Protocol: strings.ToUpper(strings.TrimSpace(props["security.protocol"]))}
	if s.Protocol == "" {
		s.Protocol = "PLAINTEXT"
	}
	useSASL, useTLS := false, false
	switch s.Protocol {
	case "PLAINTEXT":
	case "SSL":
		useTLS = true
	case "SASL_PLAINTEXT":
		useSASL = true
	case "SASL_SSL":
		useSASL, useTLS = true, true
	default:
		return nil, fmt.Errorf("'security.protocol' must be PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL, not '%s'", props["security.protocol"])
	}
	if useSASL {
		if err := s.parseSASL(props); err != nil {
			return nil, err
		}
	} else {
		for _, k := range []string{"sasl.mechanism", "sasl.jaas.config"} {
			if _, ok := props[k]; ok {
				return nil, fmt.Errorf("'%s' needs 'security.protocol' = 'SASL_PLAINTEXT' or 'SASL_SSL' (it is %s)", k, s.Protocol)
			}
		}
	}
	if useTLS {
		cfg, err := tlsConfig(props)
		if err != nil {
			return nil, err
		}
		s.TLS = cfg
	} else {
		for k := range props {
			if strings.HasPrefix(k, "ssl.") {
				return nil, fmt.Errorf("'%s' needs 'security.protocol' = 'SSL' or 'SASL_SSL' (it is %s)", k, s.Protocol)
			}
		}
	}
	return s, nil
}

func (s *Security) parseSASL(props map[string]string) error {
	s.Mechanism = strings.ToUpper(strings.TrimSpace(props["sasl.mechanism"]))
	switch s.Mechanism {
	case "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512":
	case "", "GSSAPI":
		return fmt.Errorf("'sasl.mechanism' is GSSAPI (Kerberos, the Kafka client's default), which is not supported: set PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512")
	default:
		return fmt.Errorf("'sasl.mechanism' '%s' is not supported (supported: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)", props["sasl.mechanism"])
	}
	jaas, ok := props["sasl.jaas.config"]
	if !ok {
		return fmt.Errorf("SASL %s needs 'sasl.jaas.config' with a username and password", s.Mechanism)
	}
	user, pass, err := parseJAAS(jaas)
	if err != nil {
		return fmt.Errorf("'sasl.jaas.config': %w", err)
	}
	s.User, s.password = user, pass
	return nil
}

// parseJAAS reads a JAAS login module configuration as Kafka's clients
// take it: one module, a control flag, key=value options, a closing ';'.
// The module must be Kafka's PLAIN or SCRAM login module (also under
// Flink's shaded package name); it returns the username and password.
func parseJAAS(text string) (user, pass string, err error) {
	toks, err := jaasTokens(text)
	if err != nil {
		return "", "", err
	}
	if len(toks) < 3 || toks[len(toks)-1] != ";" {
		return "", "", errors.New("expected 'LoginModule required username=\"...\" password=\"...\";'")
	}
	module := toks[0]
	if !strings.HasSuffix(module, ".PlainLoginModule") && !strings.HasSuffix(module, ".ScramLoginModule") {
		return "", "", fmt.Errorf("login module '%s' is not supported (use org.apache.kafka.common.security.plain.PlainLoginModule or org.apache.kafka.common.security.scram.ScramLoginModule)", module)
	}
	switch strings.ToLower(toks[1]) {
	case "required", "requisite", "sufficient", "optional":
	default:
		return "", "", fmt.Errorf("control flag '%s' after '%s' must be required, requisite, sufficient or optional", toks[1], module)
	}
	opts := map[string]string{}
	rest := toks[2 : len(toks)-1]
	for i := 0; i < len(rest); i += 3 {
		if i+2 >= len(rest) || rest[i+1] != "=" {
			return "", "", fmt.Errorf("expected key=value options after '%s'", toks[1])
		}
		if rest[i] == ";" {
			return "", "", errors.New("only one login module may be given")
		}
		opts[rest[i]] = rest[i+2]
	}
	for k, v := range opts {
		switch k {
		case "username", "password":
		case "tokenauth":
			if strings.EqualFold(v, "true") {
				return "", "", errors.New("delegation tokens (tokenauth=true) are not supported")
			}
		default:
			return "", "", fmt.Errorf("option '%s' is not supported (username and password are)", k)
		}
	}
	user, okU := opts["username"]
	pass, okP := opts["password"]
	if !okU || !okP {
		return "", "", errors.New("username and password are both required")
	}
	return user, pass, nil
}

// jaasTokens splits JAAS text into words, '=', ';' and strings quoted with
// " or ' (with backslash escapes, as Java's StreamTokenizer reads them).
func jaasTokens(s string) ([]string, error) {
	var out []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '=' || c == ';':
			out = append(out, string(c))
			i++
		case c == '"' || c == '\'':
			var b strings.Builder
			i++
			closed := false
			for i < len(s) {
				if s[i] == '\\' && i+1 < len(s) {
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				if s[i] == c {
					closed = true
					i++
					break
				}
				b.WriteByte(s[i])
				i++
			}
			if !closed {
				return nil, errors.New("unterminated quoted value")
			}
			out = append(out, b.String())
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\r\n=;\"'", rune(s[j])) {
				j++
			}
			out = append(out, s[i:j])
			i = j
		}
	}
	return out, nil
}

// tlsConfig builds the client's TLS settings from the ssl.* properties.
func tlsConfig(props map[string]string) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if v, ok := props["ssl.enabled.protocols"]; ok {
		min, err := minTLSVersion(splitList(v, ","))
		if err != nil {
			return nil, fmt.Errorf("'ssl.enabled.protocols': %w", err)
		}
		cfg.MinVersion = min
	} else if v, ok := props["ssl.protocol"]; ok {
		min, err := minTLSVersion([]string{v})
		if err != nil {
			return nil, fmt.Errorf("'ssl.protocol': %w", err)
		}
		cfg.MinVersion = min
	}
	// Trust: a PEM file or inline PEM certificates; none means the
	// system's roots, as Java's default trust store.
	caPEM, caFrom, err := pemSource(props, "ssl.truststore.location", "ssl.truststore.certificates", "ssl.truststore.type")
	if err != nil {
		return nil, err
	}
	if _, ok := props["ssl.truststore.password"]; ok && caPEM != nil {
		return nil, errors.New("'ssl.truststore.password' is not supported with a PEM trust store (Kafka's client refuses it too)")
	}
	if caPEM != nil {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, fmt.Errorf("%s holds no PEM certificate", caFrom)
		}
		cfg.RootCAs = pool
	}
	// Key store: the client's own certificate and key (mutual TLS).
	chain, chainFrom, err := pemSource(props, "ssl.keystore.location", "ssl.keystore.certificate.chain", "ssl.keystore.type")
	if err != nil {
		return nil, err
	}
	if chain != nil {
		keyPEM := chain
		if v, ok := props["ssl.keystore.key"]; ok {
			keyPEM = []byte(v)
		}
		for _, k := range []string{"ssl.key.password", "ssl.keystore.password"} {
			if _, ok := props[k]; ok {
				return nil, fmt.Errorf("'%s': encrypted private keys are not supported; give an unencrypted PEM key", k)
			}
		}
		cert, err := tls.X509KeyPair(chain, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", chainFrom, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	} else if _, ok := props["ssl.keystore.key"]; ok {
		return nil, errors.New("'ssl.keystore.key' needs 'ssl.keystore.certificate.chain'")
	}
	switch v := strings.ToLower(strings.TrimSpace(props["ssl.endpoint.identification.algorithm"])); {
	case v == "https":
	case v == "" && props["ssl.endpoint.identification.algorithm"] == "" && hasKey(props, "ssl.endpoint.identification.algorithm"):
		// Host name verification off, as Kafka's client does for an empty
		// value; the chain is still verified against the trust store.
		roots := cfg.RootCAs
		cfg.InsecureSkipVerify = true
		cfg.VerifyPeerCertificate = func(raw [][]byte, _ [][]*x509.Certificate) error {
			return verifyChain(raw, roots)
		}
	case v == "":
	default:
		return nil, fmt.Errorf("'ssl.endpoint.identification.algorithm' must be https or empty, not '%s'", v)
	}
	return cfg, nil
}

func hasKey(m map[string]string, k string) bool { _, ok := m[k]; return ok }

// verifyChain checks a server's certificates against roots (nil: the
// system's) without checking the host name.
func verifyChain(raw [][]byte, roots *x509.CertPool) error {
	if len(raw) == 0 {
		return errors.New("tls: the server sent no certificate")
	}
	certs := make([]*x509.Certificate, len(raw))
	for i, r := range raw {
		c, err := x509.ParseCertificate(r)
		if err != nil {
			return err
		}
		certs[i] = c
	}
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter})
	return err
}

// pemSource reads PEM text from a file (locKey) or inline (inlineKey);
// typeKey must be PEM (or unset for a file named *.pem, *.crt, *.cer).
func pemSource(props map[string]string, locKey, inlineKey, typeKey string) ([]byte, string, error) {
	loc, hasLoc := props[locKey]
	inline, hasInline := props[inlineKey]
	typ := strings.ToUpper(strings.TrimSpace(props[typeKey]))
	if hasLoc && hasInline {
		return nil, "", fmt.Errorf("set either '%s' or '%s', not both", locKey, inlineKey)
	}
	switch {
	case hasInline:
		if typ != "" && typ != "PEM" {
			return nil, "", fmt.Errorf("'%s' needs '%s' = 'PEM'", inlineKey, typeKey)
		}
		return []byte(inline), "'" + inlineKey + "'", nil
	case hasLoc:
		lower := strings.ToLower(loc)
		pemName := strings.HasSuffix(lower, ".pem") || strings.HasSuffix(lower, ".crt") || strings.HasSuffix(lower, ".cer")
		if typ != "PEM" && !(typ == "" && pemName) {
			if typ == "" {
				typ = "JKS"
			}
			return nil, "", fmt.Errorf("'%s' = '%s' is a %s store, which is not supported: convert it to PEM and set '%s' = 'PEM'", locKey, loc, typ, typeKey)
		}
		b, err := os.ReadFile(loc)
		if err != nil {
			return nil, "", fmt.Errorf("'%s': %w", locKey, err)
		}
		return b, "'" + loc + "'", nil
	}
	return nil, "", nil
}

func minTLSVersion(names []string) (uint16, error) {
	min := uint16(0)
	for _, n := range names {
		var v uint16
		switch strings.ToUpper(strings.TrimSpace(n)) {
		case "TLSV1.2", "TLS":
			v = tls.VersionTLS12
		case "TLSV1.3":
			v = tls.VersionTLS13
		default:
			return 0, fmt.Errorf("'%s' is not supported (TLSv1.2, TLSv1.3)", n)
		}
		if min == 0 || v < min {
			min = v
		}
	}
	if min == 0 {
		return 0, errors.New("no protocol given")
	}
	return min, nil
}

// Opts returns the franz-go options for s.
func (s *Security) Opts() []kgo.Opt {
	var opts []kgo.Opt
	if s.TLS != nil {
		opts = append(opts, kgo.DialTLSConfig(s.TLS.Clone()))
	}
	if s.Mechanism != "" {
		opts = append(opts, kgo.SASL(s.mechanism()))
	}
	return opts
}

func (s *Security) mechanism() sasl.Mechanism {
	switch s.Mechanism {
	case "PLAIN":
		return plain.Auth{User: s.User, Pass: s.password}.AsMechanism()
	case "SCRAM-SHA-256":
		return scram.Auth{User: s.User, Pass: s.password}.AsSha256Mechanism()
	default:
		return scram.Auth{User: s.User, Pass: s.password}.AsSha512Mechanism()
	}
}

// String describes s for error messages, without the password.
func (s *Security) String() string {
	if s.Mechanism != "" {
		return fmt.Sprintf("%s, %s as '%s'", s.Protocol, s.Mechanism, s.User)
	}
	return s.Protocol
}

// ClientOpts returns franz-go options for a client of the cluster props
// describe (Java client names: bootstrap.servers and the security
// properties); tools that talk to Kafka outside a table (topic creation,
// ksqlDB's SHOW TOPICS) use it.
func ClientOpts(props map[string]string) ([]kgo.Opt, error) {
	sec, err := ParseSecurity(props)
	if err != nil {
		return nil, err
	}
	seeds := splitList(props["bootstrap.servers"], ",")
	if len(seeds) == 0 {
		seeds = []string{defaultBootstrap}
	}
	return append([]kgo.Opt{kgo.SeedBrokers(seeds...)}, sec.Opts()...), nil
}

// ErrAuth is wrapped by errors that no retry can fix: the cluster refused
// the client's credentials or certificate, denied it access, or spoke
// another protocol than 'security.protocol' says.
var ErrAuth = errors.New("kafka authentication failed")

// authError explains err when it is an authentication, authorization or
// TLS failure, wrapping ErrAuth and marked engine.Permanent so a job fails
// instead of restarting forever; other errors come back unchanged.
func authError(err error, sec *Security, brokers []string) error {
	if err == nil || errors.Is(err, ErrAuth) {
		return err
	}
	var why string
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var certErr *tls.CertificateVerificationError
	var headerErr tls.RecordHeaderError
	var firstEOF *kgo.ErrFirstReadEOF
	switch {
	case errors.Is(err, kerr.SaslAuthenticationFailed):
		why = fmt.Sprintf("the broker refused the credentials of user '%s' (SASL %s): check the username and password in 'sasl.jaas.config'", sec.User, sec.Mechanism)
	case errors.Is(err, kerr.UnsupportedSaslMechanism):
		why = fmt.Sprintf("the broker does not accept SASL mechanism %s", sec.Mechanism)
	case errors.Is(err, kerr.IllegalSaslState):
		why = "the broker refused the SASL exchange"
	case errors.Is(err, kerr.TopicAuthorizationFailed), errors.Is(err, kerr.GroupAuthorizationFailed),
		errors.Is(err, kerr.ClusterAuthorizationFailed), errors.Is(err, kerr.TransactionalIDAuthorizationFailed):
		why = fmt.Sprintf("user '%s' is not allowed to do this", sec.User)
	case errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &certErr):
		why = "the broker's TLS certificate is not trusted: check 'ssl.truststore.location' (a PEM file of the CA) and the broker's host name"
	case errors.As(err, &headerErr):
		why = fmt.Sprintf("the broker did not answer with TLS: is %v a TLS listener ('security.protocol' is %s)?", brokers, sec.Protocol)
	case errors.As(err, &firstEOF):
		why = fmt.Sprintf("the broker closed the connection at once: does its listener expect another 'security.protocol' than %s?", sec.Protocol)
	default:
		return err
	}
	return engine.Permanent(fmt.Errorf("%w at %v (%s): %s: %w", ErrAuth, brokers, sec, why, err))
}
