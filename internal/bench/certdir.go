package bench

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// loadBenchTLS is the bench's certificate kept in dir: the one in bench.crt and bench.key if both
// are there, else a new one written there (newBenchTLS). A kept certificate must be what every
// target of the bench serves, an ECDSA P-256 certificate for benchServerName, valid now; bench.pem
// (for HAProxy) is written again from it.
func loadBenchTLS(dir string, http2 bool) (*benchTLS, error) {
	certFile, keyFile := filepath.Join(dir, benchCertFile), filepath.Join(dir, benchKeyFile)
	_, errCert := os.Stat(certFile)
	_, errKey := os.Stat(keyFile)
	if errors.Is(errCert, fs.ErrNotExist) && errors.Is(errKey, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("make the directory of the bench's certificate: %w", err)
		}
		return newBenchTLS(dir, http2)
	}
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("load the bench's certificate from %s (remove %s and %s there to make a new one): %w", dir, benchCertFile, benchKeyFile, err)
	}
	leaf := pair.Leaf
	key, ok := leaf.PublicKey.(*ecdsa.PublicKey)
	now := time.Now()
	switch {
	case !ok || key.Curve != elliptic.P256():
		return nil, fmt.Errorf("the certificate in %s is not ECDSA P-256, which every target of the bench serves; remove %s and %s there to make one", certFile, benchCertFile, benchKeyFile)
	case now.Before(leaf.NotBefore) || now.After(leaf.NotAfter):
		return nil, fmt.Errorf("the certificate in %s is valid from %s to %s, not now; remove %s and %s there to make a new one",
			certFile, leaf.NotBefore.Format(time.RFC3339), leaf.NotAfter.Format(time.RFC3339), benchCertFile, benchKeyFile)
	}
	if err := leaf.VerifyHostname(benchServerName); err != nil {
		return nil, fmt.Errorf("the certificate in %s: %w; remove %s and %s there to make one", certFile, err, benchCertFile, benchKeyFile)
	}
	b := newBenchFiles(dir, leaf, http2)
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fmt.Errorf("read the bench's certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fmt.Errorf("read the bench's key: %w", err)
	}
	if err := os.WriteFile(b.pemFile, append(append(certPEM, '\n'), keyPEM...), 0o600); err != nil {
		return nil, fmt.Errorf("write the bench's TLS files: %w", err)
	}
	return b, nil
}
