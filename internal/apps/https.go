package apps

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cutover-dev/cutover/internal/certs"
	"github.com/cutover-dev/cutover/internal/router"
)

// CertHost is the host name of a route, for its certificate: "example.com/api" is example.com's;
// "" for the catch-all, which has none.
func CertHost(route string) string {
	if route == router.AnyHost {
		return ""
	}
	host, _, _ := strings.Cut(route, "/")
	return host
}

// CertSources is where the certificate of each host of every app comes from: the app's own files
// (tls_cert and tls_key), else the ACME CA when acme is on. The catch-all gets none. A host that
// apps share by path prefix gets the source of the app that has the host itself (no prefix), whose
// name it is; failing that, the first app's by name.
func (s *Set) CertSources(acme bool) map[string]certs.Source {
	out := map[string]certs.Source{}
	for _, whole := range []bool{true, false} { // first the hosts apps have whole, then prefixes
		for _, a := range s.All() {
			st := a.Settings()
			src := certs.Source{ACME: acme}
			if st.TLSCert != "" {
				src = certs.Source{CertFile: st.TLSCert, KeyFile: st.TLSKey}
			} else if !acme {
				continue
			}
			for _, r := range st.Hosts {
				h := CertHost(r)
				if _, taken := out[h]; h == "" || taken || whole != (h == r) {
					continue
				}
				out[h] = src
			}
		}
	}
	return out
}

// checkCertHosts refuses an app's own certificate without its key (or a key alone), and one none
// of its hosts could be served: the catch-all gets no certificate, since TLS clients are answered
// by the name they ask for (SNI).
func checkCertHosts(st Settings, hosts []string) error {
	if (st.TLSCert == "") != (st.TLSKey == "") {
		return errors.New("give the certificate and its key together (--tls-cert and --tls-key)")
	}
	if st.TLSCert == "" {
		return nil
	}
	for _, r := range hosts {
		if CertHost(r) != "" {
			return nil
		}
	}
	return fmt.Errorf("a certificate of its own (--tls-cert) needs a host name to serve it for: the catch-all %s gets none, "+
		"since TLS clients are answered by the name they ask for; add a host (--host NAME)", router.AnyHost)
}

// ApplyHTTPS sets each app's part of the proxy to redirect plain HTTP to HTTPS once every host of
// it has a valid certificate (valid says), unless the app opted out; so a certificate that cannot
// be had never makes an app unreachable. An app with the catch-all host is never redirected. HSTS goes with HTTPS responses
// as the app's settings say. https says whether the daemon serves HTTPS at all.
func (s *Set) ApplyHTTPS(https bool, valid func(host string) bool) {
	for _, a := range s.All() {
		st := a.Settings()
		redirect := https && !st.NoRedirect
		any := false
		for _, r := range st.Hosts {
			h := CertHost(r)
			if h == "" {
				// The catch-all: a request that reaches the app by it names a host that has no
				// certificate here (or any host at all), which a redirect would send the client to.
				redirect = false
				continue
			}
			any = true
			if !valid(h) {
				redirect = false
			}
		}
		a.site.SetHTTPS(redirect && any, st.HSTS)
	}
}

// changed tells the daemon the set changed (an app made, re-hosted or destroyed); s.mu is not held.
func (s *Set) changed() {
	if s.rt.OnChange != nil {
		s.rt.OnChange()
	}
}

// ChangeHTTPS changes an app's HTTPS settings by change, which gets its settings and returns them
// changed (its hosts and the rest stay as they were): own certificate files or ACME, HSTS, the
// redirect. The certificates and redirects follow at once, through the change hook.
func (s *Set) ChangeHTTPS(name string, change func(st Settings) Settings) (*App, error) {
	s.mu.Lock()
	a, err := s.changeHTTPSLocked(name, change)
	s.mu.Unlock()
	if err == nil {
		s.changed()
	}
	return a, err
}

func (s *Set) changeHTTPSLocked(name string, change func(st Settings) Settings) (*App, error) {
	a, err := s.changingLocked(name)
	if err != nil {
		return nil, err
	}
	st := a.Settings()
	next := change(st)
	st.TLSCert, st.TLSKey, st.HSTS, st.NoRedirect = next.TLSCert, next.TLSKey, next.HSTS, next.NoRedirect
	if err := checkCertHosts(st, st.Hosts); err != nil {
		return nil, err
	}
	if err := a.save(st); err != nil {
		return nil, err
	}
	s.rt.Logger.Info("app's HTTPS settings changed", "app", name, "tls_cert", st.TLSCert, "hsts", st.HSTS, "no_redirect", st.NoRedirect)
	return a, nil
}
