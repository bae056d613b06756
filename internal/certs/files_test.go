package certs

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFilesReload swaps the user's files under a running server: a good pair is served from the
// next check on, a bad one is not and the state says why.
func TestFilesReload(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	const host = "files.test"
	certFile, keyFile, first := selfSigned(t, dir, "site", host, now.Add(-time.Hour), now.Add(time.Hour))
	m := newManager(t, Options{CA: "https://127.0.0.1:1/dir", FileCheckInterval: 10 * time.Millisecond})
	m.Set(map[string]Source{host: {CertFile: certFile, KeyFile: keyFile},
		"broken.test": {CertFile: filepath.Join(dir, "missing.crt"), KeyFile: keyFile}})
	fd := listen(t)
	fd.use(t, m)
	roots := x509.NewCertPool()
	roots.AddCert(first)
	served := func() string {
		t.Helper()
		leaf, err := fd.fetch(host, roots)
		if err != nil {
			t.Fatalf("fetching %s: %v", host, err)
		}
		return serial(leaf)
	}

	if got := served(); got != serial(first) {
		t.Fatalf("serial: got %s, want %s", got, serial(first))
	}
	st := stateOf(m, host)
	if st.Status != StatusFiles || st.Serial != serial(first) || st.LastError != "" {
		t.Errorf("state: got %+v, want files, serial %s, no error", st, serial(first))
	}

	// A new good pair replaces the served one.
	other := t.TempDir()
	newCert, newKey, second := selfSigned(t, other, "site", host, now.Add(-time.Hour), now.Add(2*time.Hour))
	roots.AddCert(second)
	swap(t, newCert, certFile)
	swap(t, newKey, keyFile)
	waitState(t, m, host, func(st State) bool { return st.Serial == serial(second) })
	if got := served(); got != serial(second) {
		t.Fatalf("after swap: got serial %s, want %s", got, serial(second))
	}

	bad := []struct {
		name    string
		make    func() (certFile, keyFile string)
		wantErr string
	}{
		{"key of another certificate", func() (string, string) {
			c, _, _ := selfSigned(t, t.TempDir(), "x", host, now.Add(-time.Hour), now.Add(time.Hour))
			_, k, _ := selfSigned(t, t.TempDir(), "y", host, now.Add(-time.Hour), now.Add(time.Hour))
			return c, k
		}, "private key does not match"},
		{"expired", func() (string, string) {
			c, k, _ := selfSigned(t, t.TempDir(), "z", host, now.Add(-2*time.Hour), now.Add(-time.Hour))
			return c, k
		}, "expired on"},
		{"not PEM", func() (string, string) {
			d := t.TempDir()
			c, k := filepath.Join(d, "c"), filepath.Join(d, "k")
			writeFile(t, c, []byte("garbage"))
			writeFile(t, k, []byte("garbage"))
			return c, k
		}, "not a certificate and its key"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			c, k := tt.make()
			swap(t, c, certFile)
			swap(t, k, keyFile)
			st := waitState(t, m, host, func(st State) bool { return strings.Contains(st.LastError, tt.wantErr) })
			if st.Status != StatusFiles || st.Serial != serial(second) {
				t.Errorf("state: got %+v, want files still serving %s", st, serial(second))
			}
			if got := served(); got != serial(second) {
				t.Errorf("served: got %s, want the last good %s", got, serial(second))
			}
		})
	}

	st = stateOf(m, "broken.test")
	if st.Status != StatusFilesInvalid || !strings.Contains(st.LastError, "missing.crt") {
		t.Errorf("broken.test: got %+v, want files-invalid naming missing.crt", st)
	}
	if m.Valid("broken.test") {
		t.Error("Valid(broken.test): got true, want false")
	}
	if _, err := fd.fetch("broken.test", roots); err == nil {
		t.Error("broken.test: got a handshake, want a TLS alert")
	}
}

// swap puts src's content at dst with a new inode, as a deploy tool would.
func swap(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dst, data)
}

// TestFilesReloadOtherName: files replaced by a pair for another name do not take the host off
// HTTPS: the last good pair that names it serves on, and the state says why the files are not
// used, as for broken or missing files, until a pair naming the host is back.
func TestFilesReloadOtherName(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	const host = "shop.test"
	certFile, keyFile, first := selfSigned(t, dir, "site", host, now.Add(-time.Hour), now.Add(time.Hour))
	m := newManager(t, Options{CA: "https://127.0.0.1:1/dir", FileCheckInterval: 10 * time.Millisecond})
	m.Set(map[string]Source{host: {CertFile: certFile, KeyFile: keyFile}})
	fd := listen(t)
	fd.use(t, m)
	if !m.Valid(host) {
		t.Fatalf("Valid(%s): got false, want true", host)
	}

	otherCert, otherKey, _ := selfSigned(t, t.TempDir(), "other", "blog.test", now.Add(-time.Hour), now.Add(time.Hour))
	swap(t, otherCert, certFile)
	swap(t, otherKey, keyFile)
	st := waitState(t, m, host, func(st State) bool { return st.LastError != "" })
	want := "the certificate in " + certFile + " names blog.test, not shop.test: get one that names shop.test; the pair before, which names it, serves on"
	if st.Status != StatusFiles || st.Serial != serial(first) || st.LastError != want {
		t.Errorf("state: got %+v, want files, the first serial, saying %q", st, want)
	}
	if !m.Valid(host) {
		t.Errorf("Valid(%s): got false, want true: the first pair serves on", host)
	}
	if leaf, err := fd.handshake(host); err != nil || serial(leaf) != serial(first) {
		t.Errorf("handshake: got %v, want the first pair (serial %s)", err, serial(first))
	}

	// Files gone: the state says so, not the name of the pair they last held.
	os.Remove(certFile)
	st = waitState(t, m, host, func(st State) bool { return strings.Contains(st.LastError, "reading the certificate") })
	if st.Status != StatusFiles || !m.Valid(host) {
		t.Errorf("files removed: got %+v, Valid %v; want the first pair serving on", st, m.Valid(host))
	}

	backCert, backKey, back := selfSigned(t, t.TempDir(), "back", host, now.Add(-time.Hour), now.Add(time.Hour))
	swap(t, backCert, certFile)
	swap(t, backKey, keyFile)
	st = waitState(t, m, host, func(st State) bool { return st.Serial == serial(back) })
	if st.Status != StatusFiles || st.LastError != "" || !m.Valid(host) {
		t.Errorf("after a pair naming %s is back: got %+v, Valid %v; want files, no error, valid", host, st, m.Valid(host))
	}
	if leaf, err := fd.handshake(host); err != nil || serial(leaf) != serial(back) {
		t.Errorf("handshake: got %v, want serial %s", err, serial(back))
	}
}

// TestFilesFirstPairOtherName: a host whose files never named it gets no HTTPS: there is no pair
// before to serve it.
func TestFilesFirstPairOtherName(t *testing.T) {
	now := time.Now()
	certFile, keyFile, _ := selfSigned(t, t.TempDir(), "other", "blog.test", now.Add(-time.Hour), now.Add(time.Hour))
	m := newManager(t, Options{CA: "https://127.0.0.1:1/dir", FileCheckInterval: 10 * time.Millisecond})
	m.Set(map[string]Source{"shop.test": {CertFile: certFile, KeyFile: keyFile}})
	fd := listen(t)
	fd.use(t, m)
	st := waitState(t, m, "shop.test", func(st State) bool { return st.LastError != "" })
	if st.Status != StatusFilesInvalid || m.Valid("shop.test") {
		t.Errorf("got %+v, Valid %v; want files-invalid, not valid", st, m.Valid("shop.test"))
	}
	if _, err := fd.handshake("shop.test"); err == nil || !strings.Contains(err.Error(), unrecognizedName) {
		t.Errorf("handshake: got %v, want %q", err, unrecognizedName)
	}
}
