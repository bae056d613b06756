package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestHandshakeBySNI(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	exactCert, exactKey, exact := selfSigned(t, dir, "exact", "exact.test", now.Add(-time.Hour), now.Add(time.Hour))
	wildCert, wildKey, wild := selfSigned(t, dir, "wild", "*.wild.test", now.Add(-time.Hour), now.Add(time.Hour))
	m := newManager(t, Options{CA: "https://127.0.0.1:1/dir"})
	m.Set(map[string]Source{
		"exact.test":  {CertFile: exactCert, KeyFile: exactKey},
		"*.wild.test": {CertFile: wildCert, KeyFile: wildKey},
	})
	fd := listen(t)
	fd.use(t, m)
	roots := x509.NewCertPool()
	roots.AddCert(exact)
	roots.AddCert(wild)

	tests := []struct {
		host       string
		wantSerial string
		wantErr    string
	}{
		{"exact.test", serial(exact), ""},
		{"EXACT.test", serial(exact), ""},
		{"a.wild.test", serial(wild), ""},
		{"a.b.wild.test", "", unrecognizedName},
		{"unknown.test", "", unrecognizedName},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			leaf, err := fd.fetch(tt.host, roots)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := serial(leaf); got != tt.wantSerial {
				t.Errorf("serial: got %s, want %s", got, tt.wantSerial)
			}
		})
	}
}

func TestTLSConfig(t *testing.T) {
	m := newManager(t, Options{CA: "https://127.0.0.1:1/dir"})
	c := m.TLSConfig()
	if c.MinVersion != tls.VersionTLS12 {
		t.Errorf("MinVersion: got %x, want TLS 1.2", c.MinVersion)
	}
	if got := strings.Join(c.NextProtos, ","); got != "h2,http/1.1,acme-tls/1" {
		t.Errorf("NextProtos: got %s, want h2,http/1.1,acme-tls/1", got)
	}
}

// handshake does one TLS handshake with the door for serverName ("" sends no SNI), offering
// protos, and returns the leaf served. It does not verify the certificate: the tests look at it.
func (fd *frontDoor) handshake(serverName string, protos ...string) (*x509.Certificate, error) {
	d := &net.Dialer{Timeout: 10 * time.Second}
	conn, err := tls.DialWithDialer(d, "tcp", fd.tlsLn.Addr().String(), &tls.Config{
		ServerName: serverName, NextProtos: protos, InsecureSkipVerify: true,
	})
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0], nil
}

// unrecognizedName is what a client sees of the alert unrecognized_name (112).
const unrecognizedName = "remote error: tls: unrecognized name"

// TestFilesMustNameHost gives hosts certificate files made for other names: such a host is not
// valid (so no redirect to HTTPS), its state says what is wrong, and its handshake is refused.
// Hosts sharing one pair are judged each on its own.
func TestFilesMustNameHost(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	from, until := now.Add(-time.Hour), now.Add(time.Hour)
	blogCert, blogKey, blog := selfSigned(t, dir, "blog", "blog.test", from, until)
	wildCert, wildKey, wild := selfSigned(t, dir, "wild", "*.wild.test", from, until)
	oneCert, oneKey, _ := selfSigned(t, dir, "one", "a.other.test", from, until)
	blogSrc := Source{CertFile: blogCert, KeyFile: blogKey}
	wildSrc := Source{CertFile: wildCert, KeyFile: wildKey}
	oneSrc := Source{CertFile: oneCert, KeyFile: oneKey}
	m := newManager(t, Options{CA: "https://127.0.0.1:1/dir"})
	m.Set(map[string]Source{
		"blog.test": blogSrc, "foo.test": blogSrc, // one app, two hosts, one pair
		"x.wild.test": wildSrc, "*.wild.test": wildSrc,
		"*.other.test": oneSrc,
	})
	fd := listen(t)
	fd.use(t, m)

	tests := []struct {
		host, sni  string
		wantSerial string // "" when refused
		wantErr    string // in LastError
	}{
		{"blog.test", "blog.test", serial(blog), ""},
		{"foo.test", "foo.test", "", "the certificate in " + blogCert + " names blog.test, not foo.test: get one that names foo.test"},
		{"x.wild.test", "x.wild.test", serial(wild), ""},
		{"*.wild.test", "y.wild.test", serial(wild), ""},
		{"*.other.test", "a.other.test", "", "names a.other.test, not *.other.test: get one that names *.other.test"},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			st := stateOf(m, tt.host)
			leaf, err := fd.handshake(tt.sni)
			if tt.wantSerial == "" {
				if st.Status != StatusFilesInvalid || !strings.Contains(st.LastError, tt.wantErr) {
					t.Errorf("state: got %+v, want files-invalid saying %q", st, tt.wantErr)
				}
				if m.Valid(tt.host) {
					t.Errorf("Valid(%s): got true, want false", tt.host)
				}
				if err == nil || !strings.Contains(err.Error(), unrecognizedName) {
					t.Errorf("handshake for %s: got %v, want %q", tt.sni, err, unrecognizedName)
				}
				return
			}
			if st.Status != StatusFiles || st.LastError != "" {
				t.Errorf("state: got %+v, want files, no error", st)
			}
			if !m.Valid(tt.host) {
				t.Errorf("Valid(%s): got false, want true", tt.host)
			}
			if err != nil {
				t.Fatalf("handshake for %s: %v", tt.sni, err)
			}
			if got := serial(leaf); got != tt.wantSerial {
				t.Errorf("serial: got %s, want %s", got, tt.wantSerial)
			}
		})
	}
}

// TestRefusedHandshakeAlert: a handshake without SNI, or for a name no host has, gets the alert
// unrecognized_name, not internal_error.
func TestRefusedHandshakeAlert(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	certFile, keyFile, _ := selfSigned(t, dir, "blog", "blog.test", now.Add(-time.Hour), now.Add(time.Hour))
	m := newManager(t, Options{CA: "https://127.0.0.1:1/dir"})
	m.Set(map[string]Source{"blog.test": {CertFile: certFile, KeyFile: keyFile},
		"broken.test": {CertFile: dir + "/missing.crt", KeyFile: keyFile}})
	fd := listen(t)
	fd.use(t, m)
	for _, sni := range []string{"", "unknown.test", "broken.test"} {
		t.Run("sni="+sni, func(t *testing.T) {
			_, err := fd.handshake(sni)
			if err == nil || !strings.Contains(err.Error(), unrecognizedName) {
				t.Errorf("got %v, want %q", err, unrecognizedName)
			}
		})
	}
}

// TestChallengeHandshakeRefused: an acme-tls/1 handshake with no TLS-ALPN-01 challenge pending is
// refused before certmagic sees it, and leaves no error in the log, whoever sends it.
func TestChallengeHandshakeRefused(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	certFile, keyFile, _ := selfSigned(t, dir, "blog", "blog.test", now.Add(-time.Hour), now.Add(time.Hour))
	tests := []struct {
		name  string
		hosts map[string]Source
		sni   string
	}{
		{"ACME off, files host", map[string]Source{"blog.test": {CertFile: certFile, KeyFile: keyFile}}, "blog.test"},
		{"ACME off, unknown host", map[string]Source{"blog.test": {CertFile: certFile, KeyFile: keyFile}}, "other.test"},
		{"ACME off, no SNI", map[string]Source{"blog.test": {CertFile: certFile, KeyFile: keyFile}}, ""},
		{"ACME host, no challenge", map[string]Source{"acme.test": {ACME: true}}, "acme.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			m := newManager(t, Options{CA: "https://127.0.0.1:1/dir", Logger: slog.New(rec)})
			m.Set(tt.hosts)
			fd := listen(t)
			fd.use(t, m)
			_, err := fd.handshake(tt.sni, acmeTLSProtocol)
			if err == nil || !strings.Contains(err.Error(), unrecognizedName) {
				t.Errorf("handshake: got %v, want %q", err, unrecognizedName)
			}
			if tt.hosts[tt.sni].ACME {
				// Its issuance fails against the closed CA port; wait for that, so that certmagic
				// writes no more into the test's directory after the test.
				waitState(t, m, tt.sni, status(StatusFailing))
			}
			// That failure may be logged at error level; the handshake must not.
			for _, r := range rec.errors() {
				if strings.Contains(r, "tls-alpn") || strings.Contains(r, "challenge") || !tt.hosts[tt.sni].ACME {
					t.Errorf("error logged by a client's handshake: %s", r)
				}
			}
		})
	}
}

// recorder is a slog.Handler keeping the messages logged at error level.
type recorder struct {
	mu   sync.Mutex
	errs []string
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *recorder) WithGroup(string) slog.Handler            { return r }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	if rec.Level >= slog.LevelError {
		msg := rec.Message
		rec.Attrs(func(a slog.Attr) bool { msg += " " + a.String(); return true })
		r.mu.Lock()
		r.errs = append(r.errs, msg)
		r.mu.Unlock()
	}
	return nil
}

func (r *recorder) errors() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.errs)
}
