package certs

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"
)

// Session tickets let a client that connected before resume its TLS session with a short
// handshake: no certificate sent, no signature made. Go's TLS server seals them with keys of its
// own, made at random per process; cutover's are the Manager's instead, so that a daemon that takes
// over at an upgrade opens the tickets its predecessor sealed (see [Manager.TicketKeys]) and its
// clients do not all come back for a full handshake at once. A resumed session skips the choice of
// a certificate: a host removed less than a ticket's life ago still resumes with a client that had
// a session with it, as it would with Go's own keys.
const (
	// DefaultTicketRotation is how long one key seals new tickets before a new key does.
	DefaultTicketRotation = 24 * time.Hour
	// DefaultTicketKeys is how many keys are kept to open tickets, the newest first: a ticket is
	// good for at most this many rotations (a week), as with Go's own keys.
	DefaultTicketKeys = 7
)

// TicketKeys are the keys session tickets are sealed with, the newest first; Made is when the
// newest was made. A daemon hands them to the one that takes over from it through a file in memory,
// never one on disk.
type TicketKeys struct {
	Made time.Time  `json:"made"`
	Keys [][32]byte `json:"keys"`
}

// ReadTicketKeys reads keys as WriteTo wrote them.
func ReadTicketKeys(r io.Reader) (TicketKeys, error) {
	var k TicketKeys
	if err := json.NewDecoder(r).Decode(&k); err != nil {
		return TicketKeys{}, fmt.Errorf("read the TLS session ticket keys: %w", err)
	}
	return k, nil
}

// WriteTo writes the keys to w, for ReadTicketKeys.
func (k TicketKeys) WriteTo(w io.Writer) (int64, error) {
	b, err := json.Marshal(k)
	if err != nil {
		return 0, fmt.Errorf("encode the TLS session ticket keys: %w", err)
	}
	n, err := w.Write(b)
	return int64(n), err
}

// tickets holds the keys and the TLS configs that seal and open tickets with them.
type tickets struct {
	mu   sync.Mutex
	keys TicketKeys
	cfgs []*tls.Config
}

// newTickets keeps the keys from (a predecessor's), at most DefaultTicketKeys of them, or makes a
// first one at now. A newest key made after now (the clock was set back) counts as made now, so
// that rotation does not wait for the clock to catch up.
func newTickets(from TicketKeys, now time.Time) (*tickets, error) {
	keys := from.Keys[:min(len(from.Keys), DefaultTicketKeys)]
	t := &tickets{keys: TicketKeys{Made: from.Made, Keys: append([][32]byte(nil), keys...)}}
	if t.keys.Made.After(now) {
		t.keys.Made = now
	}
	if len(t.keys.Keys) == 0 {
		if err := t.add(now); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// add makes a new key at now, the newest, and forgets the oldest past DefaultTicketKeys; t.mu is
// held, or t is not shared yet.
func (t *tickets) add(now time.Time) error {
	var key [32]byte
	if _, err := rand.Read(key[:]); err != nil {
		return fmt.Errorf("make a TLS session ticket key: %w", err)
	}
	t.keys.Keys = append([][32]byte{key}, t.keys.Keys...)
	t.keys.Keys = t.keys.Keys[:min(len(t.keys.Keys), DefaultTicketKeys)]
	t.keys.Made = now
	return nil
}

// use makes cfg seal and open tickets with the keys, from now and after each rotation.
func (t *tickets) use(cfg *tls.Config) {
	t.mu.Lock()
	defer t.mu.Unlock()
	cfg.SetSessionTicketKeys(t.keys.Keys)
	t.cfgs = append(t.cfgs, cfg)
}

// rotate makes a new key when the newest is DefaultTicketRotation old at now, and reports whether
// it did.
func (t *tickets) rotate(now time.Time) (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.Sub(t.keys.Made) < DefaultTicketRotation {
		return false, nil
	}
	if err := t.add(now); err != nil {
		return false, err
	}
	for _, cfg := range t.cfgs {
		cfg.SetSessionTicketKeys(t.keys.Keys)
	}
	return true, nil
}

// current is a copy of the keys.
func (t *tickets) current() TicketKeys {
	t.mu.Lock()
	defer t.mu.Unlock()
	return TicketKeys{Made: t.keys.Made, Keys: append([][32]byte(nil), t.keys.Keys...)}
}
