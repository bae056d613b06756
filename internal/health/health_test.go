package health

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func server(t *testing.T, status func(n int64) int) string {
	t.Helper()
	var calls atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status(calls.Add(1)))
	}))
	t.Cleanup(s.Close)
	return s.URL + "/up"
}

func TestWait(t *testing.T) {
	tests := []struct {
		name   string
		status func(n int64) int
		want   string // "" = healthy
	}{
		{"healthy at once", func(int64) int { return 200 }, ""},
		{"healthy after booting", func(n int64) int {
			if n < 5 {
				return 503
			}
			return 204
		}, ""},
		{"never healthy", func(int64) int { return 500 }, "never passed (last: 500"},
		{"flapping", func(n int64) int { return []int{200, 503}[n%2] }, "is flapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
			defer cancel()
			err := Check{URL: server(t, tt.status), Interval: 5 * time.Millisecond}.Wait(ctx, nil)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("got %v, want healthy", err)
				}
				return
			}
			var ue *UnhealthyError
			if !errors.As(err, &ue) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("got %v, want an *UnhealthyError wrapping the deadline", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestWaitNothingListening(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err = Check{URL: "http://" + addr + "/up", Interval: 5 * time.Millisecond}.Wait(ctx, nil)
	if err == nil || !strings.Contains(err.Error(), "never answered") {
		t.Errorf("got %v, want a never-answered error", err)
	}
}

func TestWaitExited(t *testing.T) {
	exited := make(chan struct{})
	close(exited)
	err := Check{URL: server(t, func(int64) int { return 503 }), Interval: 5 * time.Millisecond}.Wait(context.Background(), exited)
	if !errors.Is(err, ErrExited) {
		t.Errorf("got %v, want ErrExited", err)
	}
}

// A Rails app with force_ssl redirects its health path to https: the check says so, with the
// Location and how to exempt the path, instead of asking whether the app listens.
func TestWaitRedirectToHTTPS(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "https://"+r.Host+r.URL.Path, http.StatusMovedPermanently)
	}))
	t.Cleanup(s.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := Check{URL: s.URL + "/up", Interval: 5 * time.Millisecond}.Wait(ctx, nil)
	if err == nil {
		t.Fatal("got healthy, want a redirect error")
	}
	for _, want := range []string{"redirected", "301 Moved Permanently", "Location: https://" + strings.TrimPrefix(s.URL, "http://") + "/up",
		`request.path == "/up"`, "config.ssl_options"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("got %q, want it to contain %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "listening on $PORT") {
		t.Errorf("got %q, want no question whether the app listens", err)
	}
}
