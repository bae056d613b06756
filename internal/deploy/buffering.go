package deploy

import (
	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/proxy"
)

// Buffering is what the proxy buffers for a release booted with cfg (its buffer_requests,
// buffer_responses, max_body and max_buffered_response).
func Buffering(cfg config.Config) proxy.Buffering {
	req, res, maxBody := cfg.Buffering()
	return proxy.Buffering{Requests: req, Responses: res, MaxBody: maxBody, ResponseLimit: cfg.MaxBufferedResponseBytes()}
}

// Serve puts pool, of a release booted with cfg, in front of site with the buffering that release
// asks for, and returns the pool that served before. Every move of traffic goes through it (a
// deploy's switch, a bake's switch back, a scale, the adoption after an upgrade), so none can leave
// the site buffering as another release asked.
func Serve(site *proxy.Site, pool *proxy.Pool, cfg config.Config) (prev *proxy.Pool) {
	site.SetBuffering(Buffering(cfg))
	return site.Switch(pool)
}
