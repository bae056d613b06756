package proxy

import (
	"net/http"
	"net/netip"
)

// gate is what stands between a site's requests and its pool while the site is paused, in
// maintenance, or both. A gate is replaced whole, never changed, but for its hold's queue; a site
// with neither has none.
type gate struct {
	hold  *hold        // nil: not paused
	maint *maintenance // nil: not in maintenance
}

// gateCopy returns a copy of the site's gate, to change and set; s.gateMu is held.
func (s *Site) gateCopy() gate {
	if g := s.gate.Load(); g != nil {
		return *g
	}
	return gate{}
}

// setGate installs g, or no gate when it holds nothing; s.gateMu is held.
func (s *Site) setGate(g gate) {
	if g.hold == nil && g.maint == nil {
		s.gate.Store(nil)
		return
	}
	s.gate.Store(&g)
}

// admit passes a request of site through the site's gate g, for both paths: client is the
// client's address (needed only in maintenance), gone is closed when the client leaves (nil for
// never). It returns the site whose pool the request goes to, with the pool when it bound the
// request already (a held request, bound in arrival order), or the maintenance page to answer, or
// the error to fail it with: ErrPaused when it was held too long or the proxy stopped,
// ErrClientGone when its client left while it was held.
func (p *Proxy) admit(site *Site, g *gate, client netip.Addr, gone <-chan struct{}) (*Site, *Pool, *page, error) {
	if g.maint != nil && !g.maint.allows(client) {
		return nil, nil, g.maint.page, nil
	}
	if g.hold == nil {
		return site, nil, nil, nil
	}
	var pool *Pool
	switch g.hold.wait(p, gone, func() { pool = site.bind() }) {
	case heldReleased:
		return site, pool, nil, nil
	case heldDetour:
		return p.site, nil, nil, nil
	case heldGone:
		return nil, nil, nil, ErrClientGone
	}
	return nil, nil, nil, ErrPaused
}

// admit is Proxy.admit for a request on the fast path. Nothing tells it of a client that leaves
// while its request is held: that request goes on when resumed, as if it had just come.
func (c *conn) admit(site *Site, g *gate) (*Site, *Pool, *page, error) {
	var client netip.Addr
	if g.maint != nil {
		var xff []string
		if c.trusted || c.handed {
			for i := range c.req.fields {
				if f := &c.req.fields[i]; f.kind == kindForwardedFor {
					xff = append(xff, string(f.value))
				}
			}
		}
		client = c.p.clientAddr(c.ip, c.trusted || c.handed, xff)
	}
	return c.p.admit(site, g, client, nil)
}

// answer answers the request with pg, which is not a failure of the proxy's (the maintenance
// page), and observes err.
func (c *conn) answer(pg *page, err error) {
	x := &c.x
	x.status, x.err = pg.status, err
	if c.p.closing.Load() || c.retired() {
		x.close = true
	}
	c.skipShortBody()
	c.writePage(pg)
}

// admit is Proxy.admit for a request on the general path.
func (f *flight) admit(site *Site, g *gate) (*Site, *Pool, *page, error) {
	var client netip.Addr
	if g.maint != nil {
		client = f.proxy.clientAddr(clientIP(f.in.RemoteAddr), f.trusted || f.handed, f.in.Header.Values("X-Forwarded-For"))
	}
	return f.proxy.admit(site, g, client, f.in.Context().Done())
}

// answer answers the request with pg, which is not a failure of the proxy's (the maintenance
// page), and observes err.
func (f *flight) answer(pg *page, err error) {
	f.status, f.err = pg.status, err
	if f.requestID == "" {
		f.requestID = requestID(f.in.Header)
	}
	f.writePage(pg)
}

// writePage writes pg as the general path's response.
func (f *flight) writePage(pg *page) {
	h := f.w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", pg.length)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Request-Id", f.requestID)
	if f.hsts != "" {
		h.Set("Strict-Transport-Security", f.hsts)
	}
	if pg.retryAfter != "" {
		h.Set("Retry-After", pg.retryAfter)
	}
	if pg == pageAmbiguous || pg == pageMalformed || pg == pageTooLarge || pg == pageLineTooLong {
		// The body's end is unknowable, so the connection cannot carry another request; and a
		// refused head closes the connection on the fast path too.
		h.Set("Connection", "close")
	}
	f.w.WriteHeader(pg.status)
	if f.in.Method != http.MethodHead {
		_, _ = f.w.Write(pg.body)
	}
}
