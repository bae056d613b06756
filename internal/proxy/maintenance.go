package proxy

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// DefaultMaintenanceRetryAfter is the Retry-After of a site's maintenance page when
// [Maintenance.RetryAfter] is zero.
const DefaultMaintenanceRetryAfter = 60 * time.Second

// DefaultMaintenanceMessage is said on the built-in maintenance page when [Maintenance.Message]
// is empty.
const DefaultMaintenanceMessage = "the app is down for maintenance; try again shortly"

// ErrMaintenance is observed for a request answered with a site's maintenance page.
var ErrMaintenance = errors.New("the app is in maintenance")

// Maintenance is what a site in maintenance answers, and whom it still serves.
type Maintenance struct {
	// Message is said on the built-in page; "" means DefaultMaintenanceMessage.
	Message string
	// Page, if not empty, is the HTML answered instead of the built-in page (an app's
	// public/503.html).
	Page []byte
	// Allow are the client addresses served as usual. The client is the TCP peer, or, when the
	// peer is one of Options.TrustedProxies, the address it forwarded for (the last entry of
	// X-Forwarded-For that is not a trusted proxy itself), as the forwarded headers say too.
	Allow []netip.Prefix
	// RetryAfter is the page's Retry-After (whole seconds, at least 1); zero means
	// DefaultMaintenanceRetryAfter.
	RetryAfter time.Duration
}

// maintenance is a Maintenance ready to answer.
type maintenance struct {
	page  *page
	allow []netip.Prefix
}

// SetMaintenance makes the site answer every request 503 with m's page and Retry-After, except
// the requests of clients m allows, which go on as usual; nil ends it. Requests in flight are not
// affected. Maintenance and [Site.Pause] combine: an allowed request is held while paused.
func (s *Site) SetMaintenance(m *Maintenance) {
	s.gateMu.Lock()
	defer s.gateMu.Unlock()
	g := s.gateCopy()
	g.maint = nil
	if m != nil {
		g.maint = m.ready()
	}
	s.setGate(g)
}

// InMaintenance reports whether the site is in maintenance.
func (s *Site) InMaintenance() bool {
	g := s.gate.Load()
	return g != nil && g.maint != nil
}

func (m *Maintenance) ready() *maintenance {
	retry := m.RetryAfter
	if retry <= 0 {
		retry = DefaultMaintenanceRetryAfter
	}
	var pg *page
	if len(m.Page) > 0 {
		status := http.StatusServiceUnavailable
		pg = &page{status: status, body: append([]byte(nil), m.Page...), length: strconv.Itoa(len(m.Page)),
			statusLine: fmt.Sprintf("HTTP/1.1 %d %s\r\n", status, http.StatusText(status))}
	} else {
		msg := m.Message
		if msg == "" {
			msg = DefaultMaintenanceMessage
		}
		pg = newPage(http.StatusServiceUnavailable, msg)
	}
	pg.retryAfter = strconv.Itoa(max(1, int(math.Ceil(retry.Seconds()))))
	return &maintenance{page: pg, allow: append([]netip.Prefix(nil), m.Allow...)}
}

// allows reports whether the client at addr is served as usual.
func (m *maintenance) allows(addr netip.Addr) bool {
	if !addr.IsValid() {
		return false
	}
	addr = addr.Unmap()
	for _, pfx := range m.allow {
		if pfx.Contains(addr) {
			return true
		}
	}
	return false
}

// clientAddr is the address of the client of a request from peer (the TCP peer's address), with
// the X-Forwarded-For values xff: the peer, or, when the peer is a trusted proxy, the last address
// in xff that is not one (the first, if all are). An entry that is not an address ends the walk
// there: what is left of it cannot be believed. The zero Addr means none is known.
func (p *Proxy) clientAddr(peer string, trusted bool, xff []string) netip.Addr {
	addr, _ := netip.ParseAddr(peer)
	if !trusted {
		return addr
	}
	for i := len(xff) - 1; i >= 0; i-- {
		list := xff[i]
		for list != "" {
			var entry string
			if j := strings.LastIndexByte(list, ','); j >= 0 {
				list, entry = list[:j], list[j+1:]
			} else {
				list, entry = "", list
			}
			entry = strings.TrimSpace(entry)
			if entry == "" {
				continue
			}
			a, err := netip.ParseAddr(entry)
			if err != nil {
				return netip.Addr{}
			}
			addr = a
			if !p.trusts(entry) {
				return addr
			}
		}
	}
	return addr
}
