package deploy

import (
	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/proxy"
)

// Buffering is what the proxy buffers for a release booted with cfg (its buffer_requests,
// buffer_responses and max_body). Whatever puts a release's pool in front of its site (a switch, a
// bake's switch back, the adoption of an upgrade) sets it with the pool, so the site buffers as the
// release that serves asks.
func Buffering(cfg config.Config) proxy.Buffering {
	req, res, maxBody := cfg.Buffering()
	return proxy.Buffering{Requests: req, Responses: res, MaxBody: maxBody}
}
