package certs

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/caddyserver/certmagic"
)

// DefaultFileCheckInterval is how often the user's certificate files are checked for a change.
const DefaultFileCheckInterval = 30 * time.Second

// DefaultRenewCheckInterval is how often ACME certificates are checked for renewal (certmagic's
// default).
const DefaultRenewCheckInterval = certmagic.DefaultRenewCheckInterval

// DefaultRenewalWindowRatio is the part of a certificate's lifetime left when renewal starts: a third
// (certmagic's default). A CA's renewal info (ARI) can ask for an earlier renewal.
const DefaultRenewalWindowRatio = certmagic.DefaultRenewalWindowRatio

// DefaultRenewTimeout bounds one Renew call, issuance included.
const DefaultRenewTimeout = 2 * time.Minute

// Challenge names, for Options.Challenges.
const (
	ChallengeHTTP    = "http-01"
	ChallengeTLSALPN = "tls-alpn-01"
)

// Source says where one host's certificate comes from.
type Source struct {
	// ACME: from the CA in Options. Otherwise from CertFile and KeyFile.
	ACME bool
	// CertFile and KeyFile are the user's PEM files (certificate chain, private key).
	CertFile, KeyFile string
}

// Options configures a Manager. Every zero value has a meaning.
type Options struct {
	// Dir is certmagic's storage, usually <state>/certs; created 0700.
	Dir string
	// Email is the ACME account's contact, "" for none. Using ACME is agreeing to the CA's terms.
	Email string
	// CA is the ACME directory URL; "" means Let's Encrypt production, "staging" its staging CA.
	CA string
	// CARoots is a PEM file of roots to trust for the CA's own API (Pebble's minica); "" trusts
	// the system roots.
	CARoots string
	// Challenges lists the challenges to use ("http-01", "tls-alpn-01"); nil means both.
	Challenges []string
	// HTTPPort and TLSPort are the ports of the daemon's own listeners (0 = 80 and 443). certmagic
	// tries to bind them for a challenge and, finding them taken, leaves the answer to
	// ServeChallenge and TLSConfig.
	HTTPPort, TLSPort int
	// RenewalWindowRatio is the part of the lifetime left when renewal starts; 0 means
	// DefaultRenewalWindowRatio.
	RenewalWindowRatio float64
	// RenewCheckInterval: 0 means DefaultRenewCheckInterval.
	RenewCheckInterval time.Duration
	// FileCheckInterval: 0 means DefaultFileCheckInterval.
	FileCheckInterval time.Duration
	// OnChange, if set, is called (without locks held, from any goroutine) after a host's state
	// changed: obtained, failed, files reloaded. It should return quickly.
	OnChange func()
	// Logger receives the manager's and certmagic's logs; nil means slog.Default().
	Logger *slog.Logger
	// TicketKeys are the session ticket keys to go on with, those of the daemon this one took
	// over from; none means a first new one (see DefaultTicketRotation).
	TicketKeys TicketKeys
}

// State is what one host's certificate looks like now, for `cutover apps`.
type State struct {
	Host string
	// Source is "acme" or "files".
	Source string
	// Status is one of none, obtaining, valid, renewing, failing, expired, files, files-invalid.
	// files-invalid: the app's own files give no certificate that serves the host (unreadable,
	// not a pair, or naming other hosts); LastError says which.
	Status string
	// NotAfter, Issuer and Serial describe the certificate served, if any.
	NotAfter time.Time
	Issuer   string
	Serial   string
	// LastError says in plain words what went wrong last, "" if nothing did.
	LastError string
	// NextAttempt is when ACME is tried again after a failure (about), zero if nothing is pending.
	NextAttempt time.Time
}

// Statuses.
const (
	StatusNone         = "none"
	StatusObtaining    = "obtaining"
	StatusValid        = "valid"
	StatusRenewing     = "renewing"
	StatusFailing      = "failing"
	StatusExpired      = "expired"
	StatusFiles        = "files"
	StatusFilesInvalid = "files-invalid"
)

// ErrUnknownHost is returned by Renew for a host that is not in the set or not an ACME host.
var ErrUnknownHost = errors.New("no ACME host by that name")

// Manager holds the certificates of a set of hosts. Its methods are safe for concurrent use.
type Manager struct {
	opts   Options
	log    *slog.Logger
	cache  *certmagic.Cache
	magic  *certmagic.Config
	issuer *certmagic.ACMEIssuer

	mu    sync.Mutex
	hosts map[string]*host
	pairs map[[2]string]*filePair // the user's files, shared by the hosts that name them

	tickets *tickets // the session ticket keys of every config TLSConfig made

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// host is one host of the desired set.
type host struct {
	name string
	src  Source
	acme *acmeState // nil for files
	pair *filePair  // nil for ACME
	note string     // why this host gets no certificate at all (wildcard over ACME)
}

// New makes a Manager with no hosts. It fails only on a bad Options (unknown challenge, unreadable
// CARoots, storage dir that cannot be made), never over a host.
func New(opts Options) (*Manager, error) {
	if opts.FileCheckInterval <= 0 {
		opts.FileCheckInterval = DefaultFileCheckInterval
	}
	if opts.RenewCheckInterval <= 0 {
		opts.RenewCheckInterval = DefaultRenewCheckInterval
	}
	if opts.RenewalWindowRatio <= 0 {
		opts.RenewalWindowRatio = DefaultRenewalWindowRatio
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Dir == "" {
		return nil, errors.New("certs: Options.Dir is empty: give the directory that stores certificates")
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("certs: making the certificate store: %w", err)
	}
	// It holds private keys: only the daemon's user reads it, even if it existed before.
	if err := os.Chmod(opts.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("certs: making the certificate store private: %w", err)
	}
	tickets, err := newTickets(opts.TicketKeys, time.Now())
	if err != nil {
		return nil, fmt.Errorf("certs: %w", err)
	}
	m := &Manager{
		opts:    opts,
		log:     opts.Logger,
		hosts:   map[string]*host{},
		pairs:   map[[2]string]*filePair{},
		tickets: tickets,
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	if err := m.setupACME(); err != nil {
		return nil, err
	}
	go m.watchFiles()
	return m, nil
}

// Set makes hosts the whole desired set. New ACME hosts start issuance in the background, removed
// ones stop being managed, files hosts load their pair now. A host whose certificate cannot be had
// only shows that in its State.
func (m *Manager) Set(hosts map[string]Source) {
	want := make(map[string]Source, len(hosts))
	for name, src := range hosts {
		if name = normalize(name); name != "" && name != "*" {
			want[name] = src
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for name, h := range m.hosts {
		if src, ok := want[name]; !ok || src != h.src {
			m.remove(h)
		}
	}
	for name, src := range want {
		if _, ok := m.hosts[name]; ok {
			continue
		}
		h := &host{name: name, src: src}
		m.hosts[name] = h
		switch {
		case !src.ACME:
			h.pair = m.pairFor(src)
			if why := h.pair.nameProblem(name); why != "" {
				m.log.Warn("certificate files do not name the host: no HTTPS for it", "host", name, "err", why)
			}
		case strings.HasPrefix(name, "*."):
			h.note = fmt.Sprintf("%s is a wildcard: a CA cannot prove it over HTTP-01 or TLS-ALPN-01, "+
				"so it needs the app's own certificate files", name)
		default:
			m.manage(h)
		}
	}
	for key, p := range m.pairs {
		if !m.pairUsed(p) {
			delete(m.pairs, key)
		}
	}
}

// remove drops h from the set. Called with m.mu held.
func (m *Manager) remove(h *host) {
	delete(m.hosts, h.name)
	if h.acme != nil {
		m.unmanage(h)
	}
}

func (m *Manager) pairUsed(p *filePair) bool {
	for _, h := range m.hosts {
		if h.pair == p {
			return true
		}
	}
	return false
}

// lookup finds the host that serves name: exact, then a one-label wildcard. Called with m.mu held.
func (m *Manager) lookup(name string) *host {
	if h := m.hosts[name]; h != nil {
		return h
	}
	if i := strings.IndexByte(name, '.'); i > 0 {
		return m.hosts["*"+name[i:]]
	}
	return nil
}

// States returns every host's state, sorted by host.
func (m *Manager) States() []State {
	now := time.Now()
	m.mu.Lock()
	hosts := make([]*host, 0, len(m.hosts))
	for _, h := range m.hosts {
		hosts = append(hosts, h)
	}
	m.mu.Unlock()
	states := make([]State, 0, len(hosts))
	for _, h := range hosts {
		states = append(states, m.state(h, now))
	}
	slices.SortFunc(states, func(a, b State) int { return strings.Compare(a.Host, b.Host) })
	return states
}

// state computes one host's State.
func (m *Manager) state(h *host, now time.Time) State {
	switch {
	case h.pair != nil:
		return h.pair.state(h.name, now)
	case h.acme != nil:
		return m.acmeStateOf(h, now)
	}
	return State{Host: h.name, Source: "acme", Status: StatusNone, LastError: h.note}
}

// Valid reports whether host has a certificate that serves now and names it; the daemon
// redirects HTTP to HTTPS only then, so a failed issuance, or the app's own files made for another
// name, never makes a site unreachable.
func (m *Manager) Valid(name string) bool {
	name = normalize(name)
	m.mu.Lock()
	h := m.hosts[name]
	m.mu.Unlock()
	if h == nil {
		return false
	}
	now := time.Now()
	var cert *tls.Certificate
	switch {
	case h.pair != nil:
		cert, _ = h.pair.serving(h.name)
	case h.acme != nil:
		cert = m.cached(h.name)
	}
	return cert != nil && cert.Leaf != nil && !now.Before(cert.Leaf.NotBefore) && now.Before(cert.Leaf.NotAfter)
}

// Close stops renewal, file checks and background issuance. The certificates stay on disk.
func (m *Manager) Close() {
	m.closeOnce.Do(func() {
		close(m.stop)
		<-m.done
		m.mu.Lock()
		for _, h := range m.hosts {
			if h.acme != nil {
				h.acme.cancel()
			}
		}
		m.mu.Unlock()
		m.cache.Stop()
	})
}

// changed tells the daemon that a state changed. Never called with m.mu held.
func (m *Manager) changed() {
	if m.opts.OnChange != nil {
		m.opts.OnChange()
	}
}

// normalize lowercases a host name and drops a trailing dot.
func normalize(name string) string {
	return strings.ToLower(strings.TrimSuffix(name, "."))
}
