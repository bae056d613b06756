package certs

import (
	"crypto/tls"
	"crypto/x509"
	"strings"
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
		{"a.b.wild.test", "", "remote error: tls"},
		{"unknown.test", "", "remote error: tls"},
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
