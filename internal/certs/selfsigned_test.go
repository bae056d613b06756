package certs

import (
	"crypto/tls"
	"testing"
	"time"
)

// TestSelfSigned: the pair loads, matches, and names every host and address given.
func TestSelfSigned(t *testing.T) {
	now := time.Now()
	certPEM, keyPEM, cert, err := SelfSigned([]string{"blog.test", "127.0.0.1"}, now.Add(-time.Minute), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
		t.Fatalf("the pair does not load: %v", err)
	}
	if err := cert.VerifyHostname("blog.test"); err != nil {
		t.Error(err)
	}
	if err := cert.VerifyHostname("127.0.0.1"); err != nil {
		t.Error(err)
	}
	if !cert.NotAfter.After(now) {
		t.Errorf("NotAfter %v", cert.NotAfter)
	}
}
