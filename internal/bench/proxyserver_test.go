package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

func TestServeProxy(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "hello")
	}))
	t.Cleanup(backend.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeProxy(ctx, ln, backend.Listener.Addr().String(), 1, nil, nil, nil) }()
	t.Cleanup(cancel)

	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "hello" {
		t.Errorf("got %s %q through the proxy, want 200 \"hello\"", resp.Status, body)
	}

	stopServing(t, cancel, done)
}

// TestServeProxyApps: with apps, the proxy routes by Host: every app's host reaches the backend
// through its own site, and a host no app has gets 404.
func TestServeProxyApps(t *testing.T) {
	const apps = 3
	var mu sync.Mutex
	seen := map[string]int{}
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.Host]++
		mu.Unlock()
		fmt.Fprint(w, "hello")
	}))
	t.Cleanup(backend.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeProxy(ctx, ln, backend.Listener.Addr().String(), apps, nil, nil, nil) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})

	addr := ln.Addr().String()
	r, err := driveLoad(context.Background(), load{addr: addr, path: "/", hosts: appHosts(apps)}, 2, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests < apps || r.Errors != 0 {
		t.Fatalf("got %d requests, %d errors (%v), want at least %d and no errors", r.Requests, r.Errors, r.FirstErr, apps)
	}
	mu.Lock()
	for i := 1; i <= apps; i++ {
		if seen[AppHost(i)] == 0 {
			t.Errorf("the backend saw no request for %s (saw %v), want some", AppHost(i), seen)
		}
	}
	mu.Unlock()

	req, err := http.NewRequest(http.MethodGet, "http://"+addr+"/", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "nobody.test"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("got %s for a host no app has, want 404", resp.Status)
	}
}

// stopServing ends ServeProxy's context and wants it to return cleanly, in time.
func stopServing(t *testing.T, cancel context.CancelFunc, done <-chan error) {
	t.Helper()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("got %v when the context ended, want a clean stop", err)
		}
	case <-time.After(DefaultProxyShutdownTimeout + DefaultStartTimeout):
		t.Fatal("ServeProxy did not return after its context ended")
	}
}
