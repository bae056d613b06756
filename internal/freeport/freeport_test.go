package freeport

import (
	"net"
	"strconv"
	"sync"
	"testing"
)

func TestPickBelowTheEphemeralRange(t *testing.T) {
	lo, hi := window()
	if hi-lo < attempts {
		t.Skipf("the ephemeral range starts at %d: no room below it", hi)
	}
	for range 20 {
		port, err := Pick()
		if err != nil {
			t.Fatal(err)
		}
		if port < lo || port >= hi {
			t.Errorf("got port %d, want one in [%d, %d)", port, lo, hi)
		}
		// It is free: a server can bind it.
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			t.Fatalf("bind the port picked: %v", err)
		}
		ln.Close()
	}
}

func TestPickSkipsBusyAndHandedPorts(t *testing.T) {
	var mu sync.Mutex
	seen := map[int]bool{}
	var wg sync.WaitGroup
	var held []net.Listener
	for range 8 {
		wg.Go(func() {
			for range 10 {
				port, err := Pick()
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[port] {
					t.Errorf("port %d handed out twice", port)
				}
				seen[port] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	// A port something listens on is never picked: hold some and pick past them.
	for port := range seen {
		if ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err == nil {
			held = append(held, ln)
		}
	}
	defer func() {
		for _, ln := range held {
			ln.Close()
		}
	}()
	for range 10 {
		addr, err := Addr()
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Errorf("got %s, which cannot be bound: %v", addr, err)
			continue
		}
		ln.Close()
	}
}

func TestRemember(t *testing.T) {
	mu.Lock()
	defer mu.Unlock()
	saved, savedOrder := handed, order
	defer func() { handed, order = saved, savedOrder }()
	handed, order = map[int]bool{}, nil
	for p := range recent + 1 {
		remember(p)
	}
	if handed[0] || !handed[recent] || len(order) != recent {
		t.Errorf("got %d remembered (0: %v, %d: %v), want the last %d", len(order), handed[0], recent, handed[recent], recent)
	}
}

func TestForTest(t *testing.T) {
	addr := ForTest(t)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("bind %s, the address ForTest gave: %v", addr, err)
	}
	ln.Close()
}
