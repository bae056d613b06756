package apps

import (
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

// TestApplyHTTPS: an app redirects to HTTPS once every one of its hosts has a valid certificate,
// never when it opted out or has only the catch-all, and never without HTTPS.
func TestApplyHTTPS(t *testing.T) {
	s, _ := testSet(t, t.TempDir())
	blog, _ := s.Create("blog", Settings{Hosts: []string{"blog.test", "www.blog.test"}, HSTS: "max-age=60"})
	plain, _ := s.Create("plain", Settings{Hosts: []string{"plain.test"}, NoRedirect: true})
	other, _ := s.Create("other", Settings{Hosts: []string{"*"}})
	valid := map[string]bool{"blog.test": true, "plain.test": true}
	s.ApplyHTTPS(true, func(h string) bool { return valid[h] })
	for _, a := range []*App{blog, plain, other} {
		if redirects(a) {
			t.Errorf("%s redirects with a certificate missing, opted out, or none possible", a.Name)
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
