package bench

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestChildStop(t *testing.T) {
	tests := []struct {
		name       string
		script     string
		wantKilled bool
	}{
		{"stops on SIGTERM", "echo started; exec sleep 60", false},
		{"killed when it ignores SIGTERM", "trap '' TERM; echo started; sleep 60 & wait; sleep 60", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := startChild("sh", t.TempDir(), []string{"/bin/sh", "-c", tt.script}, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { c.stop(time.Millisecond) })
			waitUntil(t, "the child to print", func() bool { return strings.Contains(c.logTail(), "started") })
			err = c.stop(200 * time.Millisecond)
			if killed := err != nil; killed != tt.wantKilled {
				t.Errorf("got stop error %v, want killed: %v", err, tt.wantKilled)
			}
			if !c.exited() {
				t.Error("got the child running after stop, want it gone")
			}
		})
	}
}

func TestWaitAnswering(t *testing.T) {
	t.Run("exits first", func(t *testing.T) {
		c, err := startChild("sh", t.TempDir(), []string{"/bin/sh", "-c", "echo cannot start; exit 3"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = c.waitAnswering(context.Background(), "http://127.0.0.1:1/")
		if err == nil || !strings.Contains(err.Error(), "cannot start") {
			t.Errorf("got %v, want an error quoting the child's output", err)
		}
	})
	t.Run("answers", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
		t.Cleanup(srv.Close)
		c, err := startChild("sh", t.TempDir(), []string{"/bin/sh", "-c", "exec sleep 60"}, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.stop(DefaultStopTimeout) })
		if err := c.waitAnswering(context.Background(), srv.URL); err != nil {
			t.Error(err)
		}
	})
}

func TestProbe(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/bad" {
			w.WriteHeader(http.StatusBadGateway)
		}
	}))
	t.Cleanup(srv.Close)
	tests := []struct {
		path    string
		wantErr bool
	}{{"/", false}, {"/bad", true}}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if err := probe(context.Background(), srv.URL+tt.path); (err != nil) != tt.wantErr {
				t.Errorf("got %v, want error: %v", err, tt.wantErr)
			}
		})
	}
}

func TestFreeAddr(t *testing.T) {
	addr, err := freeAddr()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen on the free address %s: %v", addr, err)
	}
	defer ln.Close()
	if !dialable(addr) {
		t.Errorf("got %s not dialable while listening, want dialable", addr)
	}
	if got := addrPort(addr); got == "" || got == "0" {
		t.Errorf("got port %q of %s, want a real port", got, addr)
	}
}

// waitUntil polls cond until it holds, failing the test after a generous bound.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(DefaultStartTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(pollInterval)
	}
}
