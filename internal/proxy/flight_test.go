package proxy

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestFlightOf(t *testing.T) {
	in := httptest.NewRequest(http.MethodGet, "/", nil)
	f := &flight{in: in, pool: NewPool("v1", nil)}
	f.attach()
	defer f.cancel(nil)
	type key struct{}
	derived := context.WithValue(f, key{}, "v")
	tests := []struct {
		name string
		ctx  context.Context
		want *flight
	}{
		{"the flight itself", f, f},
		{"derived", derived, f},
		{"unrelated", context.Background(), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := flightOf(tt.ctx); got != tt.want {
				t.Errorf("got %p, want %p", got, tt.want)
			}
		})
	}
	if got := derived.Value(key{}); got != "v" {
		t.Errorf("derived Value: got %v, want v", got)
	}
}

func TestFlightCutCancelsAndFinishStopsIt(t *testing.T) {
	pool := NewPool("v1", nil)
	pool.bind()
	f := &flight{proxy: New(Options{}), in: httptest.NewRequest(http.MethodGet, "/", nil),
		w: httptest.NewRecorder(), pool: pool, backend: -1}
	f.attach()
	pool.cancelCut(ErrCut)
	<-f.Done()
	if got := context.Cause(f); got != ErrCut {
		t.Errorf("cause after the cut: got %v, want ErrCut", got)
	}
	f.finish()
	if !errors.Is(f.err, ErrCut) {
		t.Errorf("err after finish: got %v, want ErrCut", f.err)
	}
	if n := pool.InFlight(); n != 0 {
		t.Errorf("InFlight after finish: got %d, want 0", n)
	}
}

func TestFinishReportsAbortAndRepanics(t *testing.T) {
	var got Result
	p := New(Options{Observe: func(r Result) { got = r }})
	pool := NewPool("v1", []Backend{{Addr: "127.0.0.1:1", Name: "web.1"}})
	pool.bind()
	f := &flight{proxy: p, in: httptest.NewRequest(http.MethodGet, "/", nil),
		w: httptest.NewRecorder(), pool: pool, backend: 0, status: http.StatusOK}
	f.attach()
	func() {
		defer func() {
			if v := recover(); v != http.ErrAbortHandler {
				t.Errorf("recovered %v, want http.ErrAbortHandler re-raised", v)
			}
		}()
		defer f.finish()
		panic(http.ErrAbortHandler)
	}()
	if got.Status != http.StatusOK || got.Backend != "web.1" || got.Release != "v1" ||
		got.Err == nil || !strings.Contains(got.Err.Error(), "aborted") {
		t.Errorf("got %+v, want status 200 from web.1 of v1 with an abort error", got)
	}
	if n := pool.InFlight(); n != 0 {
		t.Errorf("InFlight after finish: got %d, want 0", n)
	}
}
