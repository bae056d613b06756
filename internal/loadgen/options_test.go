package loadgen

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestOptionsBounds(t *testing.T) {
	ok := Options{URL: "http://127.0.0.1:1/", Duration: time.Second}
	with := func(f func(*Options)) Options {
		o := ok
		f(&o)
		return o
	}
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{"loopback v4", ok, ""},
		{"localhost", with(func(o *Options) { o.URL = "http://localhost:8080/up" }), ""},
		{"loopback v6", with(func(o *Options) { o.URL = "http://[::1]:8080/" }), ""},
		{"public host", with(func(o *Options) { o.URL = "http://example.com/" }), ErrNotLoopback.Error()},
		{"private address", with(func(o *Options) { o.URL = "http://10.0.0.1:80/" }), ErrNotLoopback.Error()},
		{"localhost lookalike", with(func(o *Options) { o.URL = "http://localhost.example.com/" }), ErrNotLoopback.Error()},
		{"other scheme", with(func(o *Options) { o.URL = "ftp://127.0.0.1/" }), "scheme must be http or https"},
		{"no duration", with(func(o *Options) { o.Duration = 0 }), "duration 0s is out of bounds"},
		{"too long", with(func(o *Options) { o.Duration = 11 * time.Minute }), "duration 11m0s is out of bounds"},
		{"negative rate", with(func(o *Options) { o.Rate = -1 }), "rate -1 is out of bounds"},
		{"rate too high", with(func(o *Options) { o.Rate = MaxRate + 1 }), "is out of bounds"},
		{"too many workers", with(func(o *Options) { o.Concurrency = MaxConcurrency + 1 }), "concurrency"},
		{"negative max requests", with(func(o *Options) { o.MaxRequests = -1 }), "max requests -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.opts.withDefaults()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("got error %v, want none", err)
				}
				if got.Concurrency != DefaultConcurrency || got.Timeout != DefaultRequestTimeout || got.Method != "GET" {
					t.Errorf("defaults: got concurrency %d timeout %v method %q, want %d %v GET",
						got.Concurrency, got.Timeout, got.Method, DefaultConcurrency, DefaultRequestTimeout)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestRunRefusesBadOptions(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		wantIs  error
		wantMsg string
	}{
		{"not loopback", Options{URL: "http://192.0.2.1/", Duration: time.Second}, ErrNotLoopback, "192.0.2.1"},
		{"bad method", Options{URL: "http://127.0.0.1:1/", Method: "NOT VALID", Duration: time.Second}, nil, "build request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Run(context.Background(), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) || tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("got %v, want an error containing %q (is %v)", err, tt.wantMsg, tt.wantIs)
			}
			if res != nil {
				t.Errorf("got a result %v, want none", res)
			}
		})
	}
}
