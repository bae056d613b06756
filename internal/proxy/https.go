package proxy

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
)

// acmeChallengePrefix starts the path of every ACME HTTP-01 challenge (RFC 8555 section 8.3).
const acmeChallengePrefix = "/.well-known/acme-challenge/"

// httpsPolicy is what a site asks of plain HTTP and of TLS; see [Site.SetHTTPS].
type httpsPolicy struct {
	redirect bool
	hsts     string // the Strict-Transport-Security value, "" for none
}

// SetHTTPS sets how the site treats the two schemes. With redirect, a request on a plain-HTTP
// connection is answered 301 (GET and HEAD) or 308 (other methods, which must keep their method
// and body) with Location https://HOST/TARGET, HOST being the request's Host without its port
// (and with Options.HTTPSPort when that is not 443);
// ACME HTTP-01 challenges (/.well-known/acme-challenge/) still go through, so a certificate can be
// renewed. hsts, if not "", is the Strict-Transport-Security value (such as "max-age=31536000")
// added to the site's responses on TLS connections, unless the app sent one; a value that is not
// a valid header value is ignored. The change is atomic and applies to the next request.
func (s *Site) SetHTTPS(redirect bool, hsts string) {
	if !validFieldValue(hsts) {
		s.p.log.Warn("proxy ignores an HSTS value that is not a valid header value", "site", s.Name, "hsts", hsts)
		hsts = ""
	}
	if !redirect && hsts == "" {
		s.https.Store(nil)
		return
	}
	s.https.Store(&httpsPolicy{redirect: redirect, hsts: hsts})
}

// HTTPS returns what [Site.SetHTTPS] set last.
func (s *Site) HTTPS() (redirect bool, hsts string) {
	if pol := s.https.Load(); pol != nil {
		return pol.redirect, pol.hsts
	}
	return false, ""
}

func validFieldValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if !isValueByte[v[i]] {
			return false
		}
	}
	return true
}

// isChallenge reports whether a request target's path is an ACME HTTP-01 challenge's.
func isChallenge[S string | []byte](target S) bool {
	return len(target) >= len(acmeChallengePrefix) && string(target[:len(acmeChallengePrefix)]) == acmeChallengePrefix
}

// redirects reports whether a request on a plain-HTTP connection for target (its path, or "*" for
// "OPTIONS *") with Host host is answered with a redirect to HTTPS under policy pol.
func redirects[S string | []byte](pol *httpsPolicy, host, target S) bool {
	// "OPTIONS *" asks about the server, not a resource: there is nothing to redirect to.
	return pol != nil && pol.redirect && len(host) > 0 && !isChallenge(target) && (len(target) == 0 || target[0] == '/')
}

// redirectStatus is the redirect's status for method: 301 lets a browser turn a POST into a GET,
// 308 does not.
func redirectStatus[S string | []byte](method S) int {
	if string(method) == http.MethodGet || string(method) == http.MethodHead {
		return http.StatusMovedPermanently
	}
	return http.StatusPermanentRedirect
}

// hostname is a Host header's value without its port.
func hostname[S string | []byte](host S) S {
	if len(host) > 0 && host[0] == '[' {
		for i := 0; i < len(host); i++ {
			if host[i] == ']' {
				return host[:i+1]
			}
		}
		return host
	}
	for i := len(host) - 1; i >= 0; i-- {
		if host[i] == ':' {
			return host[:i]
		}
	}
	return host
}

// writeRedirect answers the fast path's request with a redirect to HTTPS: the same host, without
// the port, and the same target.
func (c *conn) writeRedirect() {
	x, w := &c.x, c.bw.use()
	x.status = redirectStatus(c.req.method)
	if x.status == http.StatusMovedPermanently {
		w.WriteString("HTTP/1.1 301 Moved Permanently\r\n")
	} else {
		w.WriteString("HTTP/1.1 308 Permanent Redirect\r\n")
	}
	w.WriteString("Location: https://")
	w.Write(hostname(c.req.host))
	w.WriteString(c.p.httpsPort)
	w.Write(c.req.target)
	w.WriteString("\r\nContent-Length: 0\r\nX-Request-Id: ")
	w.Write(x.id)
	if x.body != bodyNone && c.br.len() >= int(c.req.length) && !c.req.chunked {
		c.br.discard(int(c.req.length)) // a short body that came with the head: read past it
		x.body = bodyNone
	}
	if x.body != bodyNone || c.p.closing.Load() || c.retired() {
		x.close = true // the rest of the body would be read as the next request
	}
	if x.close {
		w.WriteString("\r\nConnection: close")
	}
	w.WriteString("\r\n\r\n")
	w.Flush()
}

// writeHSTS adds the site's Strict-Transport-Security field to the response to a request that came
// over TLS.
func (c *conn) writeHSTS() {
	if pol := c.x.https; c.secure && pol != nil && pol.hsts != "" {
		writeField(c.bw, "Strict-Transport-Security", pol.hsts)
	}
}

// isHSTS reports whether a field name is Strict-Transport-Security.
func isHSTS(name []byte) bool {
	return len(name) == len("strict-transport-security") && is(name, "strict-transport-security")
}

// redirectGeneral answers the general path's request with a redirect to HTTPS.
func redirectGeneral(w http.ResponseWriter, r *http.Request, requestID, port string) int {
	target := r.RequestURI
	if !strings.HasPrefix(target, "/") {
		target = r.URL.RequestURI()
	}
	status := redirectStatus(r.Method)
	h := w.Header()
	h.Set("Location", "https://"+hostname(r.Host)+port+target)
	h.Set("Content-Length", "0")
	h.Set("X-Request-Id", requestID)
	w.WriteHeader(status)
	return status
}

// httpsPort is what follows the host in a redirect's Location: ":PORT", or "" for 443.
func (o Options) httpsPort() string {
	if o.HTTPSPort == 0 || o.HTTPSPort == 443 {
		return ""
	}
	return ":" + strconv.Itoa(o.HTTPSPort)
}

// challenge passes a plain-HTTP ACME challenge to Options.Challenge and reports whether it
// answered.
func (p *Proxy) challenge(w http.ResponseWriter, r *http.Request, secure bool) bool {
	return p.opts.Challenge != nil && !secure && isChallenge(r.URL.Path) && p.opts.Challenge(w, r)
}

// challengeNext reports whether the fast path's request is an ACME challenge Options.Challenge
// must see first, on the general path.
func (c *conn) challengeNext() bool {
	// The connection's own TLS, not what a proxy in front says: a CA validating HTTP-01 behind a
	// load balancer that redirects to HTTPS arrives with X-Forwarded-Proto: https.
	return !c.tls && c.p.opts.Challenge != nil && bytes.HasPrefix(c.req.target, []byte(acmeChallengePrefix))
}
