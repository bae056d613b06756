package proxy

import (
	"bytes"
	"context"
	"net/http"
	"sync/atomic"
)

// CanaryCookie is the cookie that keeps a client on one release while a site has a canary: its
// value names the release the client was given. A client without it, or with one naming a release
// that does not serve now, is given a release and the cookie with its answer. A site with a name
// (an app) uses CanaryCookie + "_" + its name, so that apps that share a host name (by path) keep
// their clients' releases apart: release ids are numbered per app.
const CanaryCookie = "cutover_release"

// CanaryCookie is the name of the site's canary cookie (see the constant CanaryCookie).
func (s *Site) CanaryCookie() string {
	if s.Name == "" {
		return CanaryCookie
	}
	return CanaryCookie + "_" + s.Name
}

// canaryScale is the resolution of a canary's share: 10000 parts, so 0.01%.
const canaryScale = 10000

// canary is a site's split: share parts in canaryScale of new clients go to pool, the others to
// the site's current pool.
type canary struct {
	pool   *Pool
	share  uint32
	cookie string        // the site's CanaryCookie()
	drawn  atomic.Uint64 // new clients drawn so far
}

// draw tells whether the next new client goes to the canary. Of every canaryScale new clients
// exactly share do, spread evenly (the n-th goes when n×share crosses a multiple of canaryScale), so
// the share holds within one client over a few hundred clients as well as over many, as a random
// draw would not.
func (c *canary) draw() bool {
	n := c.drawn.Add(1)
	return n*uint64(c.share)/canaryScale != (n-1)*uint64(c.share)/canaryScale
}

// SetCanary makes the site send share (0 to 1) of its new clients to pool, sticky by
// [CanaryCookie], and the others to its current pool; a nil pool ends the split, after which every
// request goes to the current pool. Like Switch it is atomic: a request reads one split. Requests
// already bound to a pool stay there; drain the pool to wait for them. A site with no canary
// costs one atomic load more per request.
func (s *Site) SetCanary(pool *Pool, share float64) {
	if pool == nil {
		s.canary.Store(nil)
		return
	}
	p := s.p
	context.AfterFunc(pool.cut, func() { p.cutConns(pool) })
	s.canary.Store(&canary{pool: pool, share: uint32(min(max(share, 0), 1) * canaryScale), cookie: s.CanaryCookie()})
}

// Canary returns the site's canary pool and its share, nil when it has none.
func (s *Site) Canary() (*Pool, float64) {
	c := s.canary.Load()
	if c == nil {
		return nil, 0
	}
	return c.pool, float64(c.share) / canaryScale
}

// bindCanary binds a request of a site with canary c to a pool: the one its cookie value names,
// else one drawn by c's share. setCookie is the Set-Cookie value to answer with, "" when the
// client keeps its cookie.
func (s *Site) bindCanary(c *canary, cookie []byte) (pool *Pool, setCookie string) {
	toCanary := string(cookie) == c.pool.release
	sticky := toCanary
	if !toCanary {
		cur := s.current.Load()
		sticky = cur != nil && len(cookie) > 0 && string(cookie) == cur.release
		toCanary = !sticky && c.draw()
	}
	if toCanary {
		c.pool.bind()
		// As in bind: a split ended between the load and the count must not reach the drained pool.
		if s.canary.Load() == c {
			c.pool.noteFirst()
			pool = c.pool
		} else {
			c.pool.unbind()
		}
	}
	if pool == nil {
		if pool = s.bind(); pool == nil {
			return nil, ""
		}
	}
	if sticky && string(cookie) == pool.release {
		return pool, ""
	}
	return pool, c.cookie + "=" + pool.release + "; Path=/; HttpOnly; SameSite=Lax"
}

// bindSite binds a fast-path request to its site's pool, through the canary if the site has one.
func (c *conn) bindSite(site *Site) (*Pool, string) {
	if ca := site.canary.Load(); ca != nil {
		return site.bindCanary(ca, cookieValue(c.req.fields, ca.cookie))
	}
	return site.bind(), ""
}

// bindSite binds a general-path request to its site's pool, through the canary if the site has
// one.
func (f *flight) bindSite(site *Site, r *http.Request) *Pool {
	ca := site.canary.Load()
	if ca == nil {
		return site.bind()
	}
	var value []byte
	if ck, err := r.Cookie(ca.cookie); err == nil {
		value = []byte(ck.Value)
	}
	pool, set := site.bindCanary(ca, value)
	f.setCookie = set
	return pool
}

// cookieValue is the value of the cookie name in the Cookie fields of a request, nil if none.
func cookieValue(fields []field, name string) []byte {
	for i := range fields {
		if !bytes.EqualFold(fields[i].name, []byte("cookie")) {
			continue
		}
		for pair := range bytes.SplitSeq(fields[i].value, []byte(";")) {
			k, v, ok := bytes.Cut(bytes.TrimSpace(pair), []byte("="))
			if ok && string(k) == name {
				return bytes.Trim(v, `"`)
			}
		}
	}
	return nil
}
