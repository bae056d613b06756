package apps

import (
	"slices"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/certs"
)

// TestCertSources: an app's own files win over ACME for its hosts; without ACME, apps without
// files get none; the catch-all never has one, and a path prefix shares its host's.
func TestCertSources(t *testing.T) {
	s, _ := testSet(t, t.TempDir())
	for name, st := range map[string]Settings{
		"blog": {Hosts: []string{"blog.test", "example.test/blog"}},
		"api":  {Hosts: []string{"api.test", "*"}, TLSCert: "/c.pem", TLSKey: "/k.pem"},
	} {
		if _, err := s.Create(name, st); err != nil {
			t.Fatal(err)
		}
	}
	got := s.CertSources(true)
	want := map[string]certs.Source{
		"blog.test": {ACME: true}, "example.test": {ACME: true}, "api.test": {CertFile: "/c.pem", KeyFile: "/k.pem"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for h, w := range want {
		if got[h] != w {
			t.Errorf("%s: got %+v, want %+v", h, got[h], w)
		}
	}
	if got := s.CertSources(false); len(got) != 1 || got["api.test"].CertFile != "/c.pem" {
		t.Errorf("without ACME: %v", got)
	}
}

// TestCertSourcesPrefixedHost: a host an app has whole gets that app's certificate, even when an
// app before it by name serves a path prefix of it (a hostile probe found the first app's served).
func TestCertSourcesPrefixedHost(t *testing.T) {
	s, _ := testSet(t, t.TempDir())
	for name, st := range map[string]Settings{
		"api":  {Hosts: []string{"api.test", "blog.test/api"}, TLSCert: "/api.pem", TLSKey: "/api.key"},
		"blog": {Hosts: []string{"blog.test"}, TLSCert: "/blog.pem", TLSKey: "/blog.key"},
		"docs": {Hosts: []string{"docs.test/v1"}, TLSCert: "/docs.pem", TLSKey: "/docs.key"},
	} {
		if _, err := s.Create(name, st); err != nil {
			t.Fatal(err)
		}
	}
	got := s.CertSources(false)
	for host, want := range map[string]string{"blog.test": "/blog.pem", "api.test": "/api.pem", "docs.test": "/docs.pem"} {
		if got[host].CertFile != want {
			t.Errorf("%s: got %+v, want %s", host, got[host], want)
		}
	}
}

// TestOwnCertNeedsAHost: an app's own certificate is refused when the app has no host to serve it
// for (the catch-all gets none), when made and when its hosts change.
func TestOwnCertNeedsAHost(t *testing.T) {
	s, _ := testSet(t, t.TempDir())
	own := Settings{Hosts: []string{"*"}, TLSCert: "/c.pem", TLSKey: "/k.pem"}
	if _, err := s.Create("def", own); err == nil || !strings.Contains(err.Error(), "needs a host name") {
		t.Fatalf("an own certificate for the catch-all alone: got %v, want it refused", err)
	}
	own.Hosts = []string{"blog.test", "*"}
	if _, err := s.Create("def", own); err != nil {
		t.Fatal(err)
	}
	_, err := s.SetHosts("def", func([]string) ([]string, error) { return []string{"*"}, nil })
	if err == nil || !strings.Contains(err.Error(), "needs a host name") {
		t.Errorf("removing the last host name of an app with its own certificate: got %v, want it refused", err)
	}
}

// TestApplyHTTPS: an app redirects to HTTPS once every one of its hosts has a valid certificate,
// never when it opted out or has only the catch-all, and never without HTTPS.
func TestApplyHTTPS(t *testing.T) {
	s, _ := testSet(t, t.TempDir())
	blog, _ := s.Create("blog", Settings{Hosts: []string{"blog.test", "www.blog.test"}, HSTS: "max-age=60"})
	plain, _ := s.Create("plain", Settings{Hosts: []string{"plain.test"}, NoRedirect: true})
	other, _ := s.Create("other", Settings{Hosts: []string{"other.test/x", "*"}}) // the catch-all is one app's
	fallback, _ := s.Create("fallback", Settings{Hosts: []string{"fallback.test"}})
	valid := map[string]bool{"blog.test": true, "plain.test": true, "other.test": true}
	s.ApplyHTTPS(true, func(h string) bool { return valid[h] })
	for _, a := range []*App{blog, plain, other, fallback} { // other: all named hosts valid, but the catch-all
		if redirects(a) {
			t.Errorf("%s redirects with a certificate missing, opted out, or the catch-all's impossible", a.Name)
		}
	}
	valid["www.blog.test"] = true
	s.ApplyHTTPS(true, func(h string) bool { return valid[h] })
	if !redirects(blog) {
		t.Error("blog does not redirect with every certificate valid")
	}
	s.ApplyHTTPS(false, func(string) bool { return true })
	if redirects(blog) {
		t.Error("blog redirects on a daemon without HTTPS")
	}
}

func redirects(a *App) bool {
	r, _ := a.site.HTTPS()
	return r
}

// TestChangeHTTPS: an app's HTTPS settings change after it was made, are written for a new daemon,
// leave its hosts as they are, and a change that cannot serve is refused with nothing changed.
func TestChangeHTTPS(t *testing.T) {
	state := t.TempDir()
	s, _ := testSet(t, state)
	if _, err := s.Create("shop", Settings{Hosts: []string{"shop.test"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create("any", Settings{Hosts: []string{"*"}}); err != nil {
		t.Fatal(err)
	}
	_, err := s.ChangeHTTPS("shop", func(st Settings) Settings {
		st.TLSCert, st.TLSKey, st.HSTS, st.NoRedirect = "/c.pem", "/k.pem", "max-age=60", true
		st.Hosts = []string{"other.test"} // not a change ChangeHTTPS makes
		return st
	})
	if err != nil {
		t.Fatal(err)
	}
	s2, _ := testSet(t, state)
	a, err := s2.Get("shop")
	if err != nil {
		t.Fatal(err)
	}
	if st := a.Settings(); st.TLSCert != "/c.pem" || st.TLSKey != "/k.pem" || st.HSTS != "max-age=60" || !st.NoRedirect || !slices.Equal(st.Hosts, []string{"shop.test"}) {
		t.Errorf("reopened: got %+v, want the files, HSTS, no redirect and the same host", st)
	}
	for _, tc := range []struct {
		app    string
		change func(Settings) Settings
		want   string
	}{
		{"shop", func(st Settings) Settings { st.TLSKey = ""; return st }, "together"},
		{"any", func(st Settings) Settings { st.TLSCert, st.TLSKey = "/c.pem", "/k.pem"; return st }, "needs a host name"},
		{"nope", func(st Settings) Settings { return st }, `no such app "nope"`},
	} {
		if _, err := s.ChangeHTTPS(tc.app, tc.change); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ChangeHTTPS(%s): got %v, want %q", tc.app, err, tc.want)
		}
	}
	if a, _ := s.Get("shop"); a.Settings().TLSKey != "/k.pem" {
		t.Errorf("after a refused change: got %+v, want it unchanged", a.Settings())
	}
}
