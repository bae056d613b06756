package certs

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/caddyserver/certmagic"
)

// acmeState is what the certmagic events told about one ACME host. Guarded by Manager.mu.
type acmeState struct {
	ctx    context.Context // ends when the host leaves the set or Renew restarts its issuance
	cancel context.CancelFunc

	busy        string // StatusObtaining or StatusRenewing while an attempt runs, else ""
	failed      bool   // the last attempt failed
	lastErr     string
	nextAttempt time.Time
	renewFails  int           // renewal failures in a row, to tell the next attempt
	outcome     chan struct{} // closed and replaced when an attempt ends or a certificate is cached
}

// setupACME builds certmagic's cache, config and ACME issuer from m.opts.
func (m *Manager) setupACME() error {
	ca := m.opts.CA
	switch ca {
	case "":
		ca = certmagic.LetsEncryptProductionCA
	case "staging":
		ca = certmagic.LetsEncryptStagingCA
	}
	var roots *x509.CertPool
	if m.opts.CARoots != "" {
		pem, err := os.ReadFile(m.opts.CARoots)
		if err != nil {
			return fmt.Errorf("certs: reading the CA roots: %w", err)
		}
		roots = x509.NewCertPool()
		if !roots.AppendCertsFromPEM(pem) {
			return fmt.Errorf("certs: %s holds no PEM certificate: give the CA's root certificate", m.opts.CARoots)
		}
	}
	httpOn, tlsOn := true, true
	if m.opts.Challenges != nil {
		httpOn, tlsOn = false, false
		for _, c := range m.opts.Challenges {
			switch c {
			case ChallengeHTTP:
				httpOn = true
			case ChallengeTLSALPN:
				tlsOn = true
			default:
				return fmt.Errorf("certs: unknown challenge %q: use %q or %q", c, ChallengeHTTP, ChallengeTLSALPN)
			}
		}
		if !httpOn && !tlsOn {
			return fmt.Errorf("certs: no challenge enabled: use %q, %q or both", ChallengeHTTP, ChallengeTLSALPN)
		}
	}
	zl := zapLogger(m.log)
	m.cache = certmagic.NewCache(certmagic.CacheOptions{
		GetConfigForCert:   func(certmagic.Certificate) (*certmagic.Config, error) { return m.magic, nil },
		RenewCheckInterval: m.opts.RenewCheckInterval,
		Logger:             zl,
	})
	m.magic = certmagic.New(m.cache, certmagic.Config{
		RenewalWindowRatio: m.opts.RenewalWindowRatio,
		OnEvent:            m.onEvent,
		Storage:            &certmagic.FileStorage{Path: m.opts.Dir},
		Logger:             zl,
	})
	httpPort, tlsPort := m.opts.HTTPPort, m.opts.TLSPort
	if httpPort == 0 {
		httpPort = certmagic.HTTPChallengePort
	}
	if tlsPort == 0 {
		tlsPort = certmagic.TLSALPNChallengePort
	}
	m.issuer = certmagic.NewACMEIssuer(m.magic, certmagic.ACMEIssuer{
		CA:                      ca,
		Email:                   m.opts.Email,
		Agreed:                  true,
		DisableHTTPChallenge:    !httpOn,
		DisableTLSALPNChallenge: !tlsOn,
		AltHTTPPort:             httpPort,
		AltTLSALPNPort:          tlsPort,
		TrustedRoots:            roots,
		Logger:                  zl,
	})
	m.magic.Issuers = []certmagic.Issuer{m.issuer}
	return nil
}

// manage starts issuance (or loads what storage has) for h in the background. Called with m.mu held.
func (m *Manager) manage(h *host) {
	ctx, cancel := context.WithCancel(context.Background())
	if h.acme == nil {
		h.acme = &acmeState{outcome: make(chan struct{})}
	}
	h.acme.ctx, h.acme.cancel = ctx, cancel
	if m.cached(h.name) == nil {
		h.acme.busy = StatusObtaining
	}
	m.dropUnreadable(ctx, h.name)
	if err := m.magic.ManageAsync(ctx, []string{h.name}); err != nil {
		// ManageAsync fails only before any ACME work starts; say so in the state.
		h.acme.failed, h.acme.busy, h.acme.lastErr = true, "", err.Error()
	}
}

// unmanage stops issuance and renewal for h. Called with m.mu held.
func (m *Manager) unmanage(h *host) {
	h.acme.cancel()
	m.cache.RemoveManaged([]certmagic.SubjectIssuer{{Subject: h.name}})
}

// dropUnreadable removes a stored certificate for name that certmagic could not load: left there,
// it would stop management of the host ("caching certificate: ..."), so it is issued again instead.
func (m *Manager) dropUnreadable(ctx context.Context, name string) {
	iss := m.issuer.IssuerKey()
	st := m.magic.Storage
	certPEM, errCert := st.Load(ctx, certmagic.StorageKeys.SiteCert(iss, name))
	keyPEM, errKey := st.Load(ctx, certmagic.StorageKeys.SitePrivateKey(iss, name))
	meta, errMeta := st.Load(ctx, certmagic.StorageKeys.SiteMeta(iss, name))
	if errors.Is(errCert, fs.ErrNotExist) && errors.Is(errKey, fs.ErrNotExist) && errors.Is(errMeta, fs.ErrNotExist) {
		return
	}
	var why error
	switch {
	case errors.Join(errCert, errKey, errMeta) != nil:
		why = errors.Join(errCert, errKey, errMeta)
	case !json.Valid(meta):
		why = errors.New("its metadata is not JSON")
	default:
		if _, err := tls.X509KeyPair(certPEM, keyPEM); err != nil {
			why = err
		}
	}
	if why == nil {
		return
	}
	m.log.Warn("stored certificate unreadable; obtaining a new one", "host", name, "err", why)
	if err := st.Delete(ctx, certmagic.StorageKeys.CertsSitePrefix(iss, name)); err != nil {
		m.log.Error("removing unreadable certificate", "host", name, "err", err)
	}
}

// cached returns the certificate certmagic serves for name, nil if none.
func (m *Manager) cached(name string) *tls.Certificate {
	var best *tls.Certificate
	for _, c := range m.cache.AllMatchingCertificates(name) {
		if c.Leaf == nil || slices.Index(c.Names, name) < 0 {
			continue
		}
		if best == nil || c.Leaf.NotAfter.After(best.Leaf.NotAfter) {
			best = &c.Certificate
		}
	}
	return best
}

// onEvent turns certmagic's events into host state.
func (m *Manager) onEvent(ctx context.Context, event string, data map[string]any) error {
	var names []string
	switch event {
	case "cert_obtaining", "cert_obtained", "cert_failed":
		if name, ok := data["identifier"].(string); ok {
			names = []string{name}
		}
	case "cached_managed_cert":
		names, _ = data["sans"].([]string)
	default:
		return nil
	}
	if ctx.Err() != nil {
		// An attempt for a host that left the set, or that Renew restarted: not news.
		return nil
	}
	renewal, _ := data["renewal"].(bool)
	now := time.Now()
	touched := false
	m.mu.Lock()
	for _, name := range names {
		h := m.hosts[name]
		if h == nil || h.acme == nil {
			continue
		}
		a := h.acme
		touched = true
		switch event {
		case "cert_obtaining":
			a.busy = StatusObtaining
			if renewal {
				a.busy = StatusRenewing
			}
		case "cert_failed":
			var wait time.Duration
			if renewal {
				wait = retryWait(a.renewFails)
				a.renewFails++
			} else if n, ok := ctx.Value(certmagic.AttemptsCtxKey).(*int); ok {
				wait = retryWait(*n)
			}
			err, _ := data["error"].(error)
			a.busy, a.failed = "", true
			a.nextAttempt = now.Add(wait)
			a.lastErr = explain(err, name, m.issuer.CA, a.nextAttempt)
			a.signal()
		case "cert_obtained":
			a.busy, a.failed, a.lastErr, a.nextAttempt, a.renewFails = "", false, "", time.Time{}, 0
		case "cached_managed_cert":
			// Renew waits for this, not cert_obtained: only now does the certificate serve.
			a.busy, a.failed, a.lastErr, a.nextAttempt = "", false, "", time.Time{}
			a.signal()
		}
	}
	m.mu.Unlock()
	if touched {
		m.log.Info("certificate event", "event", event, "hosts", names)
		m.changed()
	}
	return nil
}

// signal wakes whoever waits for an attempt's outcome. Called with Manager.mu held.
func (a *acmeState) signal() {
	close(a.outcome)
	a.outcome = make(chan struct{})
}

// retryWait is how long certmagic waits after failed attempt n (0 first), following its backoff
// (certmagic async.go retryIntervals: 1, 2, 2, 5, 10 minutes, ... then every 6 hours).
func retryWait(n int) time.Duration {
	schedule := []time.Duration{time.Minute, 2 * time.Minute, 2 * time.Minute, 5 * time.Minute,
		10 * time.Minute, 10 * time.Minute, 10 * time.Minute, 20 * time.Minute, 20 * time.Minute,
		20 * time.Minute, 20 * time.Minute, 30 * time.Minute, 30 * time.Minute, 30 * time.Minute,
		30 * time.Minute, 30 * time.Minute, 30 * time.Minute, time.Hour, time.Hour, time.Hour,
		2 * time.Hour, 2 * time.Hour, 3 * time.Hour, 3 * time.Hour, 6 * time.Hour}
	return schedule[min(n, len(schedule)-1)]
}

// acmeStateOf combines what the events said with the certificate in certmagic's cache.
func (m *Manager) acmeStateOf(h *host, now time.Time) State {
	m.mu.Lock()
	a := *h.acme
	m.mu.Unlock()
	st := State{Host: h.name, Source: "acme", LastError: a.lastErr, NextAttempt: a.nextAttempt}
	cert := m.cached(h.name)
	if cert != nil {
		st.NotAfter, st.Issuer, st.Serial = describe(cert.Leaf)
	}
	switch {
	case cert != nil && !now.Before(cert.Leaf.NotAfter):
		st.Status = StatusExpired
	case cert != nil && (a.busy != "" || a.failed):
		st.Status = StatusRenewing
	case cert != nil:
		st.Status = StatusValid
	case a.failed && a.busy == "":
		st.Status = StatusFailing
	default:
		st.Status = StatusObtaining
	}
	return st
}

// describe returns what State shows of a certificate.
func describe(leaf *x509.Certificate) (notAfter time.Time, issuer, serial string) {
	issuer = leaf.Issuer.CommonName
	if issuer == "" && len(leaf.Issuer.Organization) > 0 {
		issuer = leaf.Issuer.Organization[0]
	}
	return leaf.NotAfter, issuer, fmt.Sprintf("%x", leaf.SerialNumber)
}

// ServeChallenge answers an ACME HTTP-01 challenge request on the plain HTTP listener. It reports
// whether it answered; if not, the request is the caller's to serve.
func (m *Manager) ServeChallenge(w http.ResponseWriter, r *http.Request) bool {
	return m.issuer.HandleHTTPChallenge(w, r)
}

// Renew tries the ACME host again now, after the user fixed DNS or the CA is back, and waits for
// the outcome (at most DefaultRenewTimeout). A host with a certificate gets a new one; a host
// without starts issuance again, its backoff reset. The error says what went wrong in plain words.
func (m *Manager) Renew(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(ctx, DefaultRenewTimeout)
	defer cancel()
	name = normalize(name)
	m.mu.Lock()
	h := m.hosts[name]
	if h == nil || h.acme == nil {
		m.mu.Unlock()
		return fmt.Errorf("renewing %s: %w: add the host to an app, with ACME certificates", name, ErrUnknownHost)
	}
	if m.cached(name) != nil {
		m.mu.Unlock()
		return m.renewNow(ctx, name)
	}
	h.acme.cancel()
	h.acme.failed, h.acme.lastErr, h.acme.nextAttempt = false, "", time.Time{}
	wait := h.acme.outcome
	m.manage(h)
	m.mu.Unlock()
	m.changed()

	select {
	case <-wait:
	case <-ctx.Done():
		return fmt.Errorf("renewing %s: no answer from the CA yet (%w); it keeps trying in the background", name, ctx.Err())
	}
	if m.cached(name) != nil {
		return nil
	}
	st := m.acmeStateOf(h, time.Now())
	return fmt.Errorf("renewing %s: %s", name, st.LastError)
}

// renewNow replaces the certificate of a host that has one.
func (m *Manager) renewNow(ctx context.Context, name string) error {
	old := m.cache.AllMatchingCertificates(name)
	if err := m.magic.RenewCertSync(ctx, name, true); err != nil {
		return fmt.Errorf("renewing %s: %s", name, explain(err, name, m.issuer.CA, time.Time{}))
	}
	cert, err := m.magic.CacheManagedCertificate(ctx, name)
	if err != nil {
		return fmt.Errorf("renewing %s: loading the new certificate: %w", name, err)
	}
	var stale []string
	for _, c := range old {
		if c.Hash() != cert.Hash() && slices.Contains(c.Names, name) {
			stale = append(stale, c.Hash())
		}
	}
	m.cache.Remove(stale)
	return nil
}
