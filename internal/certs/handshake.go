package certs

import (
	"crypto/tls"
	"fmt"
	"slices"
)

// acmeTLSProtocol is the ALPN name of a TLS-ALPN-01 challenge (RFC 8737).
const acmeTLSProtocol = "acme-tls/1"

// TLSConfig returns the config for the HTTPS listener: HTTP/2 and HTTP/1.1 (and acme-tls/1 for
// challenges), TLS 1.2 or later, and the certificate chosen per handshake by SNI. A name no host
// serves, or one whose certificate is not there yet, fails the handshake with an alert. Session
// tickets are sealed with the Manager's keys (see TicketKeys).
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

// getCertificate picks the certificate for a handshake.
func (m *Manager) getCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	if slices.Contains(hello.SupportedProtos, acmeTLSProtocol) {
		// A CA validating TLS-ALPN-01: certmagic holds the challenge certificate.
		return m.magic.GetCertificate(hello)
	}
	name := normalize(hello.ServerName)
	if name == "" {
		return nil, fmt.Errorf("no server name (SNI) in the handshake: a certificate is chosen by name")
	}
	m.mu.Lock()
	h := m.lookup(name)
	m.mu.Unlock()
	switch {
	case h == nil:
		return nil, fmt.Errorf("no certificate for %s: no app on this server answers for it", name)
	case h.pair != nil:
		if cert := h.pair.current(); cert != nil {
			return cert, nil
		}
		return nil, fmt.Errorf("no certificate for %s: its files are not usable", name)
	case h.acme != nil:
		return m.magic.GetCertificate(hello)
	}
	return nil, fmt.Errorf("no certificate for %s: %s", name, h.note)
}
