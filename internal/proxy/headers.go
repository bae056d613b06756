package proxy

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
)

// maxRequestIDLen bounds an incoming X-Request-Id that is kept.
const maxRequestIDLen = 128

// rewrite points the outbound request at the flight's backend and sets the forwarding headers.
// ReverseProxy has already removed hop-by-hop headers and the client's X-Forwarded-* and Forwarded
// headers from it. The Host header is kept as the client sent it, so the app sees its own name.
func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	f := pr.In.Context().(*flight)
	out := pr.Out
	out.URL.Scheme = "http"
	out.URL.Host = f.pool.backends[f.backend].Addr
	setForwarded(out.Header, pr.In, f.trusted, f.handed)
	if tok := f.pool.handover; tok != nil {
		out.Header[handoverField] = []string{string(tok)}
	}
	delete(out.Header, "Expect") // answered here: see newTransport
	if cs := out.Header["Cookie"]; cs != nil {
		if cs = withoutPrivateCookie(cs); cs == nil {
			delete(out.Header, "Cookie")
		} else {
			out.Header["Cookie"] = cs
		}
	}
	f.requestID = requestID(pr.In.Header)
	out.Header["X-Request-Id"] = []string{f.requestID}
	if out.Body != nil {
		f.body.rc = out.Body
		out.Body = &f.body
	}
}

// setForwarded sets X-Forwarded-For (the client's address, after the client's own list when it is
// a trusted proxy; the list alone when the daemon before handed the request over), X-Forwarded-Proto
// and X-Forwarded-Host on h from the inbound request in, and drops the forwarding headers an app
// may trust that only a proxy should set (spoofable), and Cutover-Handover.
func setForwarded(h http.Header, in *http.Request, trusted, handed bool) {
	for name := range h {
		if k := kindOf([]byte(name)); k == kindSpoofable || k == kindHandover {
			delete(h, name)
		}
	}
	if prior := in.Header["X-Forwarded-For"]; handed && len(prior) > 0 {
		h["X-Forwarded-For"] = []string{strings.Join(prior, ", ")}
	} else if ip := clientIP(in.RemoteAddr); ip != "" {
		xff := ip
		if prior := in.Header["X-Forwarded-For"]; len(prior) > 0 && trusted {
			xff = strings.Join(prior, ", ") + ", " + ip
		}
		h["X-Forwarded-For"] = []string{xff}
	}
	if in.TLS != nil {
		h["X-Forwarded-Proto"] = protoHTTPS
	} else {
		h["X-Forwarded-Proto"] = protoHTTP
	}
	if in.Host != "" {
		h["X-Forwarded-Host"] = []string{in.Host}
	}
}

// Shared, never modified: the transport only reads outbound headers.
var (
	protoHTTP  = []string{"http"}
	protoHTTPS = []string{"https"}
)

// trusts reports whether ip is one of Options.TrustedProxies.
func (p *Proxy) trusts(ip string) bool {
	if len(p.opts.TrustedProxies) == 0 {
		return false
	}
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	for _, pfx := range p.opts.TrustedProxies {
		if pfx.Contains(addr) {
			return true
		}
	}
	return false
}

// clientIP returns the host part of a RemoteAddr, or "" if there is none.
func clientIP(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return ""
	}
	return host
}

// requestID returns the request's X-Request-Id if it has exactly one valid one, else a new id.
func requestID(h http.Header) string {
	if ids := h["X-Request-Id"]; len(ids) == 1 && validRequestID(ids[0]) {
		return ids[0]
	}
	return newRequestID()
}

// validRequestID reports whether id is 1 to maxRequestIDLen characters of letters, digits and
// "-_.:+/=@", which covers UUIDs, Heroku's and Rails' ids and base64, and nothing a log or header
// parser could trip on.
func validRequestID[S string | []byte](id S) bool {
	if len(id) == 0 || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-_.:+/=@", c) >= 0:
		default:
			return false
		}
	}
	return true
}

var (
	// idPrefix makes ids unique across processes; the counter makes them unique within one
	// without asking for randomness per request.
	idPrefix  = newIDPrefix()
	idCounter atomic.Uint64
)

func newIDPrefix() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24
	return hex.EncodeToString(b[:]) + "-"
}

// newRequestID returns a process-wide unique id such as "9f86d081884c7d65-1a".
func newRequestID() string {
	var buf [40]byte
	return string(appendRequestID(buf[:0]))
}

// appendRequestID appends a new id, as newRequestID returns, to b.
func appendRequestID(b []byte) []byte {
	b = append(b, idPrefix...)
	return strconv.AppendUint(b, idCounter.Add(1), 36)
}

// modifyResponse notes the backend's status and hands the request id back to the client. On a
// protocol switch it stops the framing check of the client connection, which is no longer HTTP.
func (p *Proxy) modifyResponse(res *http.Response) error {
	f := flightOf(res.Request.Context())
	if f == nil {
		return nil
	}
	f.status = res.StatusCode
	f.responding.Store(true)
	if _, ok := res.Header["X-Request-Id"]; !ok {
		res.Header["X-Request-Id"] = []string{f.requestID}
	}
	if _, ok := res.Header["Strict-Transport-Security"]; !ok && f.hsts != "" {
		res.Header["Strict-Transport-Security"] = []string{f.hsts}
	}
	if f.setCookie != "" {
		res.Header["Set-Cookie"] = append(res.Header["Set-Cookie"], f.setCookie)
	}
	if res.StatusCode == http.StatusSwitchingProtocols && f.conn != nil {
		f.conn.stopFraming()
	}
	return nil
}
