package capture

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cutover-dev/cutover/internal/pgtest"
)

// tlsCluster starts a cluster of its own with ssl on, a self-signed certificate for 127.0.0.1 and
// a role that must give its password (SCRAM), and returns its postgres database's URL as that role
// and the certificate's file.
func tlsCluster(t *testing.T) (string, string) {
	t.Helper()
	c := pgtest.Start(t)
	admin := c.URL("postgres")
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var data, hba string
	if err := conn.QueryRow(ctx, "SELECT current_setting('data_directory'), current_setting('hba_file')").Scan(&data, &hba); err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM := selfSigned(t)
	fi, err := os.Stat(data)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	for name, content := range map[string][]byte{"server.crt": certPEM, "server.key": keyPEM} {
		p := filepath.Join(data, name)
		if err := os.WriteFile(p, content, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, int(st.Uid), int(st.Gid)); err != nil {
			t.Fatal(err)
		}
	}
	old, err := os.ReadFile(hba)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(hba, append([]byte("hostssl all "+checkRole+" 127.0.0.1/32 scram-sha-256\n"), old...), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		"SET password_encryption = 'scram-sha-256'",
		"CREATE ROLE " + checkRole + " LOGIN PASSWORD '" + checkPassword + "'",
		"ALTER SYSTEM SET ssl = on",
		"SELECT pg_reload_conf()",
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	certFile := filepath.Join(t.TempDir(), "root.crt")
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(admin)
	u.User = url.UserPassword(checkRole, checkPassword)
	return u.String(), certFile
}

func selfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}

// With sslmode require or verify-full in the upstream's URL, the proxy speaks TLS to the server
// (the server's pg_stat_ssl says so) while the local client speaks plain, and SCRAM passes through.
func TestRecorderTLSToUpstream(t *testing.T) {
	server, cert := tlsCluster(t)
	for _, mode := range []string{"sslmode=require", "sslmode=verify-full&sslrootcert=" + url.QueryEscape(cert)} {
		t.Run(mode, func(t *testing.T) {
			rec, err := NewRecorder(strings.Replace(server, "sslmode=disable", mode, 1), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer rec.Close()
			out, err := psqlThrough(rec, "postgres", checkPassword, "SELECT 'ssl=' || ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
			if err != nil || !strings.Contains(out, "ssl=t") {
				t.Errorf("got %v, %q; want the server to see TLS", err, out)
			}
		})
	}
}
