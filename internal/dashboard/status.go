package dashboard

import (
	"context"
	"sync"
	"time"

	"github.com/cutover-dev/cutover/internal/control"
)

// DefaultStatusTTL is how long an app's status, once asked for, serves every page and stream of
// that app: asking health-probes each web process, which twenty open tabs must not multiply.
const DefaultStatusTTL = time.Second

// statusCache keeps each app's last status for a while; the callers who ask while it is being
// fetched wait for that one fetch.
type statusCache struct {
	ttl  time.Duration
	mu   sync.Mutex
	apps map[string]*cachedStatus
}

type cachedStatus struct {
	mu sync.Mutex // held while fetching
	at time.Time  // when st was fetched; zero before the first fetch
	st control.Status
}

func newStatusCache(ttl time.Duration) *statusCache {
	return &statusCache{ttl: ttl, apps: make(map[string]*cachedStatus)}
}

// get returns the status of app (named name), fetched at most ttl ago.
func (c *statusCache) get(ctx context.Context, name string, app control.AppService) control.Status {
	c.mu.Lock()
	e := c.apps[name]
	if e == nil {
		e = &cachedStatus{}
		c.apps[name] = e
	}
	c.mu.Unlock()
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.at.IsZero() || time.Since(e.at) >= c.ttl {
		e.st, e.at = app.Status(ctx), time.Now()
	}
	return e.st
}

// forget drops the apps not in keep (deleted ones).
func (c *statusCache) forget(keep func(name string) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for name := range c.apps {
		if !keep(name) {
			delete(c.apps, name)
		}
	}
}
