package apps

import (
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/proxy"
)

// MaintenancePage is the page of a release answered during maintenance, when it has one, instead
// of the built-in page.
const MaintenancePage = "public/503.html"

// MaxMaintenancePageBytes bounds a release's maintenance page: a larger one is not used.
const MaxMaintenancePageBytes = 512 << 10

// ErrSocketMode refuses pause and maintenance for an app whose processes accept on the public
// socket themselves: its requests do not pass through the proxy.
var ErrSocketMode = errors.New("the app serves in socket mode: its requests do not pass through cutover's proxy, which cannot hold or answer them")

// Pause is an app's pause, as saved in its settings.
type Pause struct {
	Timeout config.Duration `json:"timeout"`
	Since   time.Time       `json:"since"`
}

// Maintenance is an app's maintenance, as saved in its settings.
type Maintenance struct {
	Message string    `json:"message,omitempty"`
	Allow   []string  `json:"allow,omitempty"`
	Since   time.Time `json:"since"`
}

// Pause holds the app's new requests (see proxy.Site.Pause), each for up to req.Timeout (zero:
// proxy.DefaultPauseTimeout), saved (see changeTraffic). Pausing a paused app sets the timeout.
func (a *App) Pause(req control.PauseRequest) (control.Traffic, error) {
	timeout := time.Duration(req.Timeout)
	if timeout < 0 {
		return control.Traffic{}, fmt.Errorf("pause timeout %s: give a positive duration, such as 30s", timeout)
	}
	if timeout == 0 {
		timeout = proxy.DefaultPauseTimeout
	}
	_, unsaved, err := a.changeTraffic(func(st *Settings) {
		since := time.Now().UTC()
		if st.Paused != nil {
			since = st.Paused.Since
		}
		st.Paused = &Pause{Timeout: config.Duration(timeout), Since: since}
	})
	if err != nil {
		return control.Traffic{}, err
	}
	a.logger.Info("app paused: new requests are held", "timeout", timeout)
	return a.traffic(unsaved), nil
}

// Resume lets the app's held requests go on, in arrival order, saved (see changeTraffic).
func (a *App) Resume() (control.Traffic, error) {
	released, unsaved, err := a.changeTraffic(func(st *Settings) { st.Paused = nil })
	if err != nil {
		return control.Traffic{}, err
	}
	a.logger.Info("app resumed", "released", released)
	t := a.traffic(unsaved)
	t.Released = released
	return t, nil
}

// Maintenance turns the app's maintenance on or off, saved (see changeTraffic).
func (a *App) Maintenance(req control.MaintenanceRequest) (control.Traffic, error) {
	var m *Maintenance
	if req.On {
		allow, err := ParseAllow(req.Allow)
		if err != nil {
			return control.Traffic{}, err
		}
		m = &Maintenance{Message: req.Message, Allow: allow, Since: time.Now().UTC()}
	}
	_, unsaved, err := a.changeTraffic(func(st *Settings) {
		if m != nil && st.Maintenance != nil {
			m.Since = st.Maintenance.Since
		}
		st.Maintenance = m
	})
	if err != nil {
		return control.Traffic{}, err
	}
	if m != nil {
		a.logger.Info("app in maintenance", "allow", m.Allow)
	} else {
		a.logger.Info("app out of maintenance")
	}
	return a.traffic(unsaved), nil
}

// traffic is Traffic, saying why the change it answers could not be saved, if it could not.
func (a *App) traffic(unsaved error) control.Traffic {
	t := a.Traffic()
	if unsaved != nil {
		t.Unsaved = unsaved.Error()
	}
	return t
}

// changeTraffic changes the app's saved pause or maintenance by change and applies it, and returns
// how many held requests that let go. A change that cannot be saved (a full disk, when maintenance
// is wanted most) is applied all the same, and unsaved says why it was not saved. It is serialized
// with the set's changes, and refused once a new daemon took over, which reads the settings as
// they were saved.
func (a *App) changeTraffic(change func(st *Settings)) (released int, unsaved, err error) {
	if live := a.Live(); live != nil && live.Config.Mode == config.ModeSocket {
		return 0, nil, ErrSocketMode
	}
	s := a.set
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.upgradedErr(); err != nil {
		return 0, nil, err
	}
	if s.apps[a.Name] != a {
		return 0, nil, fmt.Errorf("%w %q: it was destroyed", ErrNoApp, a.Name)
	}
	a.trafficMu.Lock()
	defer a.trafficMu.Unlock()
	st := a.Settings()
	change(&st)
	if unsaved = a.save(st); unsaved != nil {
		a.logger.Warn("traffic change applied, but not saved: a restart forgets it", "err", unsaved)
		a.mu.Lock()
		a.settings = st
		a.mu.Unlock()
	}
	return a.applyTraffic(st), unsaved, nil
}

// applyTraffic gives the app's part of the proxy the pause and maintenance of st, as when the app
// is opened, and returns how many held requests that let go.
func (a *App) applyTraffic(st Settings) (released int) {
	if p := st.Paused; p != nil {
		a.site.Pause(time.Duration(p.Timeout))
	} else {
		released = a.site.Resume()
	}
	a.applyMaintenance(st.Maintenance)
	return released
}

// reapplyMaintenance gives the proxy the app's maintenance again, if it is in maintenance, after a
// deploy made another release live, whose page may differ.
func (a *App) reapplyMaintenance() {
	a.trafficMu.Lock()
	defer a.trafficMu.Unlock()
	if m := a.Settings().Maintenance; m != nil {
		a.applyMaintenance(m)
	}
}

// applyMaintenance gives the app's part of the proxy its maintenance m (nil: none), with the page
// of the live release if it has one.
func (a *App) applyMaintenance(m *Maintenance) {
	if m == nil {
		a.site.SetMaintenance(nil)
		return
	}
	allow, err := parsePrefixes(m.Allow)
	if err != nil {
		// Saved only once checked: a damaged app.json allows no one rather than everyone.
		a.logger.Warn("maintenance: allowed addresses left out", "err", err)
	}
	page, _ := a.maintenancePage()
	a.site.SetMaintenance(&proxy.Maintenance{Message: m.Message, Page: page, Allow: allow})
}

// maintenancePage reads the live release's MaintenancePage, and returns its path; nil when it has
// none, or none that can be used (too large, unreadable: logged).
func (a *App) maintenancePage() ([]byte, string) {
	rel, err := a.store.Live()
	if err != nil || rel == nil || rel.Dir == "" {
		return nil, ""
	}
	path := filepath.Join(rel.Dir, MaintenancePage)
	f, err := os.Open(path)
	if err != nil {
		if !errors.Is(err, os.ErrNotExist) {
			a.logger.Warn("maintenance: the release's page cannot be read, the built-in one is used", "err", err)
		}
		return nil, ""
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxMaintenancePageBytes+1))
	switch {
	case err != nil:
		a.logger.Warn("maintenance: the release's page cannot be read, the built-in one is used", "err", err)
		return nil, ""
	case len(b) > MaxMaintenancePageBytes:
		a.logger.Warn("maintenance: the release's page is too large, the built-in one is used", "page", path, "max_bytes", MaxMaintenancePageBytes)
		return nil, ""
	}
	return b, path
}

// Traffic says whether the app is paused or in maintenance, as its settings and proxy say.
func (a *App) Traffic() control.Traffic {
	st := a.Settings()
	var t control.Traffic
	if p := st.Paused; p != nil {
		_, held := a.site.Paused()
		t.Paused, t.PausedSince, t.PauseTimeout, t.Held = true, p.Since, p.Timeout, held
	}
	if m := st.Maintenance; m != nil {
		t.Maintenance, t.MaintenanceSince, t.Message, t.Allow = true, m.Since, m.Message, m.Allow
		t.Page = "built-in"
		if _, path := a.maintenancePage(); path != "" {
			t.Page = path
		}
	}
	return t
}

// ParseAllow checks addresses ("203.0.113.7") and networks ("10.0.0.0/8") a user typed and
// returns them as networks, as saved.
func ParseAllow(allow []string) ([]string, error) {
	out := make([]string, 0, len(allow))
	for _, s := range allow {
		for _, s := range strings.Split(s, ",") {
			if s = strings.TrimSpace(s); s == "" {
				continue
			}
			pfx, err := parsePrefix(s)
			if err != nil {
				return nil, err
			}
			out = append(out, pfx.String())
		}
	}
	return out, nil
}

func parsePrefixes(allow []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(allow))
	var errs []error
	for _, s := range allow {
		pfx, err := parsePrefix(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, pfx)
	}
	return out, errors.Join(errs...)
}

func parsePrefix(s string) (netip.Prefix, error) {
	if addr, err := netip.ParseAddr(s); err == nil {
		addr = addr.Unmap()
		return netip.PrefixFrom(addr, addr.BitLen()), nil
	}
	pfx, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("allow %q: not an address or network: give one such as 203.0.113.7 or 10.0.0.0/8", s)
	}
	if pfx.Addr().Is4In6() {
		pfx = netip.PrefixFrom(pfx.Addr().Unmap(), pfx.Bits()-96)
	}
	return pfx.Masked(), nil
}
