package proxy

import (
	"crypto/subtle"
	"net/http"
)

// A daemon that hands over to a new one at an upgrade passes the requests still coming on its
// client connections to the new daemon's plain-HTTP socket ([Proxy.HandOver]). The new daemon must
// see them as their clients sent them: one that came over TLS is an HTTPS request (not redirected
// to HTTPS again, given HSTS, X-Forwarded-Proto: https to the app), and its client is the one the
// old daemon names in X-Forwarded-For, not the old daemon. The old daemon proves who it is with a
// secret the two share, made for the upgrade and handed over with the sockets, in the
// Cutover-Handover field; the new daemon believes X-Forwarded-Proto and X-Forwarded-For only from
// a request that carries it ([Proxy.AcceptHandover]), and no app ever sees the field. A proxy of
// the user's own in front (Options.TrustedProxies, a load balancer that ends TLS) is believed the
// same way.

// handoverField carries the secret of an upgrade on the requests the old daemon passes on.
const handoverField = "Cutover-Handover"

// HandOver makes every request the proxy forwards from now on carry token in Cutover-Handover:
// for a daemon that handed over, whose requests go to the new daemon, which accepts token.
func (p *Proxy) HandOver(token string) {
	b := []byte(token)
	p.handingOver.Store(&b)
}

// AcceptHandover makes the proxy believe the X-Forwarded-Proto and X-Forwarded-For of requests
// carrying token in Cutover-Handover: those of the daemon this one took over from.
func (p *Proxy) AcceptHandover(token string) {
	b := []byte(token)
	p.handedBy.Store(&b)
}

// handedFrom reports whether a Cutover-Handover value v is the secret AcceptHandover was given.
func (p *Proxy) handedFrom(v []byte) bool {
	tok := p.handedBy.Load()
	return tok != nil && len(v) > 0 && subtle.ConstantTimeCompare(v, *tok) == 1
}

// handedRequest reports whether the general path's request r came from the daemon this one took
// over from, and whether its client sent it over TLS, as that daemon or a trusted proxy
// (Options.TrustedProxies) says in X-Forwarded-Proto.
func (p *Proxy) handedRequest(r *http.Request) (handed, secure bool) {
	values := r.Header[handoverField]
	handed = len(values) == 1 && p.handedFrom([]byte(values[0]))
	if !handed && !p.trusts(clientIP(r.RemoteAddr)) {
		return false, false
	}
	proto := r.Header["X-Forwarded-Proto"]
	return handed, len(proto) == 1 && is([]byte(proto[0]), "https")
}

// writeHandingOver adds Cutover-Handover to a request head the proxy forwards, once it handed over.
func (p *Proxy) writeHandingOver(w *writer) {
	if tok := p.handingOver.Load(); tok != nil {
		w.WriteString(handoverField + ": ")
		w.Write(*tok)
		w.WriteString("\r\n")
	}
}
