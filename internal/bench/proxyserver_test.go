package bench

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
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
	go func() { done <- ServeProxy(ctx, ln, backend.Listener.Addr().String(), 1, nil, nil) }()
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
