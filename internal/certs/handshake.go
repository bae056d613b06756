package certs

import (
	"crypto/tls"
	"fmt"
	"slices"

	"github.com/caddyserver/certmagic"
	"github.com/mholt/acmez/v3/acme"
)

// acmeTLSProtocol is the ALPN name of a TLS-ALPN-01 challenge (RFC 8737).
const acmeTLSProtocol = "acme-tls/1"

// TLSConfig returns the config for the HTTPS listener: HTTP/2 and HTTP/1.1 (and acme-tls/1 for
// challenges), TLS 1.2 or later, and the certificate chosen per handshake by SNI. A name no host
// serves, or one whose certificate is not there yet (or does not name it), fails the handshake
// with the alert unrecognized_name. Session tickets are sealed with the Manager's keys (see
// TicketKeys).
func (m *Manager) TLSConfig() *tls.Config {
	cfg := &tls.Config{
		MinVersion:     tls.VersionTLS12,
		NextProtos:     []string{"h2", "http/1.1", acmeTLSProtocol},
		GetCertificate: m.getCertificate,
	}
	m.tickets.use(cfg)
	return cfg
}

// TicketKeys are the session ticket keys of the configs TLSConfig made, for the daemon that takes
// over from this one (Options.TicketKeys): its clients resume their sessions there.
func (m *Manager) TicketKeys() TicketKeys { return m.tickets.current() }

// getCertificate picks the certificate for a handshake. A handshake it cannot serve gets the TLS
// alert unrecognized_name (112): crypto/tls sends that only when GetCertificate returns neither a
// certificate nor an error (and the config has no Certificates); any error becomes internal_error
// (80), an AlertError included. Why it was refused is logged at debug level only: any client can
// cause it, so it must not fill the log.
func (m *Manager) getCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	cert, why := m.pick(hello)
	if cert == nil && why != "" {
		m.log.Debug("TLS handshake refused", "server_name", hello.ServerName,
			"remote", remoteAddr(hello), "why", why)
	}
	return cert, nil
}

// pick returns the certificate for a handshake, or nil and why there is none.
func (m *Manager) pick(hello *tls.ClientHelloInfo) (*tls.Certificate, string) {
	name := normalize(hello.ServerName)
	if slices.Contains(hello.SupportedProtos, acmeTLSProtocol) {
		return m.challengeCert(hello, name)
	}
	if name == "" {
		return nil, "no server name (SNI) in the handshake: a certificate is chosen by name"
	}
	m.mu.Lock()
	h := m.lookup(name)
	m.mu.Unlock()
	switch {
	case h == nil:
		return nil, fmt.Sprintf("no certificate for %s: no app on this server answers for it", name)
	case h.pair != nil:
		// A certificate that does not name the host is not served: browsers would refuse it
		// anyway, and it would show which other names this server holds.
		cert, why := h.pair.serving(h.name)
		if cert == nil {
			return nil, fmt.Sprintf("no certificate for %s: %s", name, why)
		}
		return cert, ""
	case h.acme != nil:
		cert, err := m.magic.GetCertificate(hello)
		if err != nil {
			return nil, err.Error()
		}
		return cert, ""
	}
	return nil, fmt.Sprintf("no certificate for %s: %s", name, h.note)
}

// challengeCert answers a TLS-ALPN-01 challenge: a CA's handshake offering acme-tls/1. certmagic
// holds the certificate, and is asked only when this process has a TLS-ALPN-01 challenge pending
// for one of its own ACME hosts; any other acme-tls/1 handshake is refused here, since certmagic
// would log each one as an error.
func (m *Manager) challengeCert(hello *tls.ClientHelloInfo, name string) (*tls.Certificate, string) {
	m.mu.Lock()
	h := m.hosts[name]
	m.mu.Unlock()
	if h == nil || h.acme == nil {
		return nil, fmt.Sprintf("acme-tls/1 for %s: not a host with ACME certificates", name)
	}
	if chal, ok := certmagic.GetACMEChallenge(name); !ok || chal.Type != acme.ChallengeTypeTLSALPN01 {
		return nil, fmt.Sprintf("acme-tls/1 for %s: no TLS-ALPN-01 challenge pending", name)
	}
	cert, err := m.magic.GetCertificate(hello)
	if err != nil {
		return nil, err.Error()
	}
	return cert, ""
}

// remoteAddr is the client's address, "" if the handshake has no connection (tests).
func remoteAddr(hello *tls.ClientHelloInfo) string {
	if hello.Conn == nil {
		return ""
	}
	return hello.Conn.RemoteAddr().String()
}
