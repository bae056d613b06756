package bench

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLoadBenchTLS: a directory without the certificate gets a new one; one with it has it used
// again, as long as it is what the bench serves.
func TestLoadBenchTLS(t *testing.T) {
	dir := t.TempDir()
	first, err := loadBenchTLS(filepath.Join(dir, "certs"), false)
	if err != nil {
		t.Fatal(err)
	}
	made, err := os.ReadFile(first.certFile)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(first.pemFile)
	again, err := loadBenchTLS(filepath.Join(dir, "certs"), true)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := os.ReadFile(again.certFile)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(made, kept) {
		t.Error("got a new certificate on the second load, want the one kept in the directory")
	}
	if pemFile, err := os.ReadFile(again.pemFile); err != nil || !bytes.Contains(pemFile, kept) {
		t.Errorf("got bench.pem %v without the certificate, want it written again", err)
	}
	if !again.http2 {
		t.Error("got http2 off, want it as asked")
	}

	for _, tc := range []struct {
		name  string
		write func(dir string)
		want  string
	}{
		{"key alone", func(dir string) { writeFile(t, dir, benchKeyFile, []byte("x")) }, "load the bench's certificate"},
		{"expired", func(dir string) { writeCert(t, dir, time.Now().Add(-2*time.Hour), "127.0.0.1") }, "not now"},
		{"other name", func(dir string) { writeCert(t, dir, time.Now().Add(time.Hour), "example.com") }, "127.0.0.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.write(dir)
			if _, err := loadBenchTLS(dir, false); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func writeFile(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// writeCert writes an ECDSA P-256 certificate for name, valid until notAfter, as bench.crt and
// bench.key in dir.
func writeCert(t *testing.T, dir string, notAfter time.Time, name string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: notAfter.Add(-24 * time.Hour), NotAfter: notAfter,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, benchCertFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	writeFile(t, dir, benchKeyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
}
