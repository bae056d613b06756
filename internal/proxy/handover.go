package proxy

import (
	"crypto/subtle"
	"net/http"
	"net/netip"
	"time"
)

// A daemon that hands over to a new one at an upgrade passes the requests still coming on its
// client connections to the new daemon's plain-HTTP socket ([NewHandoverPool]). The new daemon must
// see them as their clients sent them: one that came over TLS is an HTTPS request (not redirected
// to HTTPS again, given HSTS, X-Forwarded-Proto: https to the app), and its client is the one the
// old daemon names in X-Forwarded-For, not the old daemon. The old daemon proves who it is with a
// secret the two share, made for the upgrade and handed over with the sockets, in the
// Cutover-Handover field of the requests of that pool alone (those still bound to an app's pool
// never carry it); the new daemon believes X-Forwarded-Proto and X-Forwarded-For only from a
// loopback client with that secret, for as long as [Proxy.AcceptHandover] says, and never passes
// the field on. A proxy of the user's own in front (Options.TrustedProxies, a load balancer that
// ends TLS) is believed the same way.

// handoverField carries the secret of an upgrade on the requests the old daemon passes on.
const handoverField = "Cutover-Handover"

// NewHandoverPool is the pool of a daemon that handed over: its one backend is the new daemon at
// addr, and its requests carry token in Cutover-Handover.
func NewHandoverPool(addr, token string) *Pool {
	p := NewPool("handed over", []Backend{{Name: "new daemon", Addr: addr}})
	p.handover = []byte(token)
	return p
}

// AcceptHandover makes the proxy believe the X-Forwarded-Proto and X-Forwarded-For of requests
// from loopback carrying token in Cutover-Handover, those of the daemon this one took over from,
// until for has passed (past the longest that daemon serves on).
func (p *Proxy) AcceptHandover(token string, until time.Duration) {
	b := []byte(token)
	p.handedBy.Store(&b)
	time.AfterFunc(until, func() { p.handedBy.CompareAndSwap(&b, nil) })
}

// handedFrom reports whether a Cutover-Handover value v from the client at ip is the secret
// AcceptHandover was given.
func (p *Proxy) handedFrom(v []byte, ip string) bool {
	tok := p.handedBy.Load()
	return tok != nil && len(v) > 0 && subtle.ConstantTimeCompare(v, *tok) == 1 && isLoopback(ip)
}

// isLoopback reports whether ip (as clientIP gives it) is a loopback address.
func isLoopback(ip string) bool {
	a, err := netip.ParseAddr(ip)
	return err == nil && a.Unmap().IsLoopback()
}

// handedRequest reports whether the general path's request r, from the client at ip (a trusted
// proxy, Options.TrustedProxies, if trusted), came from the daemon this one took over from, and
// whether its client sent it over TLS, as that daemon or the trusted proxy says in
// X-Forwarded-Proto.
func (p *Proxy) handedRequest(r *http.Request, ip string, trusted bool) (handed, secure bool) {
	values := r.Header[handoverField]
	handed = len(values) == 1 && p.handedFrom([]byte(values[0]), ip)
	if !handed && !trusted {
		return false, false
	}
	proto := r.Header["X-Forwarded-Proto"]
	return handed, len(proto) == 1 && is([]byte(proto[0]), "https")
}

// writeHandover adds Cutover-Handover to the head of a request bound to pool, if pool is a
// handover pool.
func writeHandover(w *writer, pool *Pool) {
	if pool != nil && pool.handover != nil {
		w.WriteString(handoverField + ": ")
		w.Write(pool.handover)
		w.WriteString("\r\n")
	}
}
