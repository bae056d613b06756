package apps

import (
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
// (tls_cert and tls_key), else the ACME CA when acme is on. The catch-all gets none, and a host
// that two apps share by path prefix the first app's, by name.
func (s *Set) CertSources(acme bool) map[string]certs.Source {
	out := map[string]certs.Source{}
	for _, a := range s.All() {
		st := a.Settings()
		src := certs.Source{ACME: acme}
		if st.TLSCert != "" {
			src = certs.Source{CertFile: st.TLSCert, KeyFile: st.TLSKey}
		} else if !acme {
			continue
		}
		for _, r := range st.Hosts {
			if h := CertHost(r); h != "" {
				if _, taken := out[h]; !taken {
					out[h] = src
				}
			}
		}
	}
	return out
}

// ApplyHTTPS sets each app's part of the proxy to redirect plain HTTP to HTTPS once every host of
// it that can have a certificate has a valid one (valid says), unless the app opted out; so a
// certificate that cannot be had never makes an app unreachable. HSTS goes with HTTPS responses
// as the app's settings say. https says whether the daemon serves HTTPS at all.
func (s *Set) ApplyHTTPS(https bool, valid func(host string) bool) {
	for _, a := range s.All() {
		st := a.Settings()
		redirect := https && !st.NoRedirect
		any := false
		for _, r := range st.Hosts {
			h := CertHost(r)
			if h == "" {
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
