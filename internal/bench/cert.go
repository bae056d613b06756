package bench

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/cutover-dev/cutover/internal/certs"
)

// benchCertLifetime is how long the bench's self-signed certificate is valid: longer than any bench.
const benchCertLifetime = 24 * time.Hour

// The TLS every target of "cutover bench proxy --tls" speaks, so that each does the same work per
// handshake and per byte: one ECDSA P-256 certificate, TLS 1.3 only, the AES-128-GCM suite, and
// X25519 for the key exchange (the only group the driver offers: Go 1.24 and later would offer the
// costlier X25519MLKEM768 first, which nginx and HAProxy on OpenSSL 3.0 do not know).
const (
	benchCipherSuite = "TLS_AES_128_GCM_SHA256"
	benchCurve       = "X25519"
	benchTLSVersion  = "TLSv1.3"
)

// benchTLS is the certificate every target of a TLS bench serves, in the files each proxy reads,
// and the client side that trusts it.
type benchTLS struct {
	certFile, keyFile string // PEM, for cutover's proxy and nginx
	pemFile           string // certificate then key in one file, for HAProxy
	roots             *x509.CertPool
	http2             bool // the driver speaks HTTP/2
}

// The bench's certificate is for these names, and the driver verifies it for benchServerName
// unless a target given as a URL names another.
var (
	benchCertNames  = []string{"localhost", "127.0.0.1", "::1"}
	benchServerName = "127.0.0.1"
)

// The files of the bench's certificate in its directory.
const (
	benchCertFile = "bench.crt"
	benchKeyFile  = "bench.key"
	benchPEMFile  = "bench.pem"
)

// newBenchTLS makes a self-signed ECDSA P-256 certificate for 127.0.0.1 and writes it into dir.
func newBenchTLS(dir string, http2 bool) (*benchTLS, error) {
	now := time.Now()
	certPEM, keyPEM, leaf, err := certs.SelfSigned(benchCertNames, now.Add(-time.Hour), now.Add(benchCertLifetime))
	if err != nil {
		return nil, fmt.Errorf("make the bench's TLS certificate: %w", err)
	}
	b := newBenchFiles(dir, leaf, http2)
	for _, f := range []struct {
		path string
		data []byte
	}{{b.certFile, certPEM}, {b.keyFile, keyPEM}, {b.pemFile, append(certPEM, keyPEM...)}} {
		if err := os.WriteFile(f.path, f.data, 0o600); err != nil {
			return nil, fmt.Errorf("write the bench's TLS files: %w", err)
		}
	}
	return b, nil
}

func newBenchFiles(dir string, leaf *x509.Certificate, http2 bool) *benchTLS {
	b := &benchTLS{
		certFile: filepath.Join(dir, benchCertFile), keyFile: filepath.Join(dir, benchKeyFile),
		pemFile: filepath.Join(dir, benchPEMFile), roots: x509.NewCertPool(), http2: http2,
	}
	b.roots.AddCert(leaf)
	return b
}

// client is the driver's TLS configuration: TLS 1.3, X25519 only, trusting the bench certificate
// for serverName ("" for benchServerName), and no session cache, so every new connection pays a
// full handshake.
func (b *benchTLS) client(serverName string) *tls.Config {
	protos := []string{"http/1.1"}
	if b.http2 {
		protos = []string{"h2"}
	}
	if serverName == "" {
		serverName = benchServerName
	}
	return &tls.Config{
		RootCAs:          b.roots,
		ServerName:       serverName,
		MinVersion:       tls.VersionTLS13,
		CurvePreferences: []tls.CurveID{tls.X25519},
		NextProtos:       protos,
	}
}

// probeClient is an HTTP client for probing the targets over TLS, verifying for serverName as
// client does.
func (b *benchTLS) probeClient(serverName string) *http.Client {
	cfg := b.client(serverName)
	cfg.NextProtos = nil
	return &http.Client{Transport: &http.Transport{TLSClientConfig: cfg, DisableKeepAlives: true}}
}

// protocol names what the driver speaks to the TLS targets, for the report.
func (b *benchTLS) protocol() string {
	proto := "HTTP/1.1"
	if b.http2 {
		proto = "HTTP/2"
	}
	return fmt.Sprintf("%s over TLS 1.3 (%s, %s, ECDSA P-256)", proto, benchCipherSuite, benchCurve)
}

// ServerTLSConfig returns the TLS configuration of cutover's proxy in a TLS bench: the certificate
// in certFile and keyFile, TLS 1.3 only.
func ServerTLSConfig(certFile, keyFile string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("load the TLS certificate %s and key %s: %w", certFile, keyFile, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS13}, nil
}

// check does one handshake with the target at addr, verifying its certificate for serverName as
// client does, and fails unless it agreed on what every target of the bench must: TLS 1.3,
// TLS_AES_128_GCM_SHA256, X25519, and HTTP/2 when the driver speaks it. A target that chose
// otherwise would be measured doing other work.
func (b *benchTLS) check(ctx context.Context, addr, serverName string) error {
	d := tls.Dialer{NetDialer: &net.Dialer{Timeout: DefaultDialTimeout}, Config: b.client(serverName)}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("TLS handshake with %s: %w", addr, err)
	}
	defer c.Close()
	st := c.(*tls.Conn).ConnectionState()
	want := b.client(serverName).NextProtos[0]
	switch {
	case st.Version != tls.VersionTLS13:
		return fmt.Errorf("%s agreed on %s, not TLS 1.3", addr, tls.VersionName(st.Version))
	case tls.CipherSuiteName(st.CipherSuite) != benchCipherSuite:
		return fmt.Errorf("%s agreed on %s, not %s", addr, tls.CipherSuiteName(st.CipherSuite), benchCipherSuite)
	case st.CurveID != tls.X25519:
		return fmt.Errorf("%s agreed on key exchange %v, not %s", addr, st.CurveID, benchCurve)
	case st.NegotiatedProtocol != want:
		return fmt.Errorf("%s agreed on protocol %q, not %q", addr, st.NegotiatedProtocol, want)
	}
	return nil
}
