package certs

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"testing"
	"time"
)

// ticketServer serves one TLS connection at a time on loopback with cfg: a handshake and one byte,
// which carries the session ticket to the client.
func ticketServer(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			tc := tls.Server(c, cfg)
			tc.SetDeadline(time.Now().Add(10 * time.Second))
			tc.Write([]byte("x"))
			tc.Close()
		}
	}()
	return ln.Addr().String()
}

// resumes connects to addr with the client's session cache and reports whether the session was
// resumed.
func resumes(t *testing.T, addr string, client *tls.Config) bool {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 10 * time.Second}, "tcp", addr, client)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadFull(c, make([]byte, 1)); err != nil { // reads the ticket too
		t.Fatal(err)
	}
	return c.ConnectionState().DidResume
}

// TestTicketsAcrossManagers: a session made with one daemon's keys resumes with the next daemon's
// config made from them (an upgrade), not with unrelated keys; after a rotation old tickets still
// open, and after DefaultTicketKeys rotations they no longer do.
func TestTicketsAcrossManagers(t *testing.T) {
	certPEM, keyPEM, leaf, err := SelfSigned([]string{"blog.test"}, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	server := func(tk *tickets) string {
		cfg := &tls.Config{Certificates: []tls.Certificate{pair}}
		tk.use(cfg)
		return ticketServer(t, cfg)
	}
	newClient := func() *tls.Config {
		return &tls.Config{RootCAs: roots, ServerName: "blog.test", ClientSessionCache: &firstTicket{}}
	}
	now := time.Now()
	first, err := newTickets(TicketKeys{}, now)
	if err != nil {
		t.Fatal(err)
	}
	client := newClient()
	if resumes(t, server(first), client) {
		t.Fatal("the first connection resumed a session")
	}

	// The next daemon, from the keys handed over through their encoding.
	var handed bytes.Buffer
	if _, err := first.current().WriteTo(&handed); err != nil {
		t.Fatal(err)
	}
	keys, err := ReadTicketKeys(&handed)
	if err != nil {
		t.Fatal(err)
	}
	next, err := newTickets(keys, now)
	if err != nil {
		t.Fatal(err)
	}
	if !resumes(t, server(next), client) {
		t.Error("the next daemon, with the keys handed over, did not resume the session")
	}
	other, err := newTickets(TicketKeys{}, now)
	if err != nil {
		t.Fatal(err)
	}
	if resumes(t, server(other), client) {
		t.Error("a daemon with keys of its own resumed a session it never made")
	}

	// Rotations: a ticket sealed before one still opens; DefaultTicketKeys later it does not.
	client = newClient()
	addr := server(next)
	resumes(t, addr, client) // a ticket sealed with the current key
	at := now
	for i := range DefaultTicketKeys {
		if rotated, err := next.rotate(at.Add(time.Minute)); err != nil || rotated {
			t.Fatalf("rotated %v (%v) before DefaultTicketRotation passed", rotated, err)
		}
		at = at.Add(DefaultTicketRotation)
		if rotated, err := next.rotate(at); err != nil || !rotated {
			t.Fatalf("rotation %d: rotated %v (%v), want a new key", i+1, rotated, err)
		}
		if i == 0 && !resumes(t, addr, client) {
			t.Error("after one rotation, a ticket sealed with the key before did not open")
		}
	}
	if got := len(next.current().Keys); got != DefaultTicketKeys {
		t.Errorf("kept %d keys, want %d", got, DefaultTicketKeys)
	}
	if resumes(t, addr, client) {
		t.Errorf("a ticket sealed %d rotations ago still opened", DefaultTicketKeys)
	}
}

// firstTicket is a client's session cache that keeps the first ticket it is given: a resumed
// session brings a new ticket, sealed with the newest key, which would hide whether the first
// still opens.
type firstTicket struct{ s *tls.ClientSessionState }

func (f *firstTicket) Get(string) (*tls.ClientSessionState, bool) { return f.s, f.s != nil }

func (f *firstTicket) Put(_ string, s *tls.ClientSessionState) {
	if f.s == nil {
		f.s = s
	}
}

// TestTicketsFromTheFuture: keys handed over with a newest key made "later" (a clock set back) rotate
// from now on, and no more than DefaultTicketKeys are kept.
func TestTicketsFromTheFuture(t *testing.T) {
	now := time.Now()
	keys := TicketKeys{Made: now.Add(48 * time.Hour), Keys: make([][32]byte, DefaultTicketKeys+3)}
	tk, err := newTickets(keys, now)
	if err != nil {
		t.Fatal(err)
	}
	if got := tk.current(); !got.Made.Equal(now) || len(got.Keys) != DefaultTicketKeys {
		t.Fatalf("made %v, %d keys; want now, %d", got.Made, len(got.Keys), DefaultTicketKeys)
	}
	if rotated, err := tk.rotate(now.Add(DefaultTicketRotation)); err != nil || !rotated {
		t.Errorf("a day later: rotated %v (%v), want a new key", rotated, err)
	}
}
