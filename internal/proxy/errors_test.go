package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cutover-dev/cutover/internal/report"
)

func TestErrorPages(t *testing.T) {
	hang := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // until the body is read, net/http cannot see the proxy hang up
		<-r.Context().Done()
	})
	tests := []struct {
		name       string
		pool       func(t *testing.T) *Pool // nil: no pool switched in
		method     string
		wantStatus int
		wantText   string
	}{
		{"no pool", nil, http.MethodGet, 502, "502 Bad Gateway — no release is serving yet"},
		{"no pool HEAD", nil, http.MethodHead, 502, ""},
		{"dead backends", func(t *testing.T) *Pool {
			return NewPool("v1", []Backend{deadBackend(t, "web.1"), deadBackend(t, "web.2")})
		}, http.MethodPost, 502, "502 Bad Gateway — the app did not answer"},
		{"no backends", func(t *testing.T) *Pool {
			return NewPool("v1", nil)
		}, http.MethodGet, 502, "502 Bad Gateway — the app did not answer"},
		{"backend timeout", func(t *testing.T) *Pool {
			return NewPool("v1", []Backend{startBackend(t, "web.1", hang)})
		}, http.MethodGet, 504, "504 Gateway Timeout — the app did not answer in time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, url := startProxy(t, Options{ResponseHeaderTimeout: 100 * time.Millisecond})
			if tt.pool != nil {
				p.Switch(tt.pool(t))
			}
			req, _ := http.NewRequest(tt.method, url+"/", strings.NewReader("body"))
			res, err := newClient(t).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.wantStatus {
				t.Errorf("got status %d, want %d", res.StatusCode, tt.wantStatus)
			}
			if !strings.Contains(string(body), tt.wantText) || (tt.wantText == "") != (len(body) == 0) {
				t.Errorf("got body %q, want it to contain %q", body, tt.wantText)
			}
			if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("got Content-Type %q, want text/html; charset=utf-8", ct)
			}
			if id := res.Header.Get("X-Request-Id"); !validRequestID(id) {
				t.Errorf("got X-Request-Id %q, want a valid id", id)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	in, _ := http.NewRequest(http.MethodGet, "/", nil)
	tests := []struct {
		err  error
		want *page
	}{
		{ErrNoRelease, pageNoRelease},
		{ErrAmbiguousLength, pageAmbiguous},
		{errors.New("connection reset by peer"), pageNoAnswer},
		{timeoutError{}, pageTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			f := &flight{in: in}
			got, err := f.classify(tt.err)
			if got != tt.want {
				t.Errorf("got page %d %q, want %d %q", got.status, got.body, tt.want.status, tt.want.body)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("got err %v, want it to wrap %v", err, tt.err)
			}
		})
	}
}

type timeoutError struct{}

func (timeoutError) Error() string   { return "timeout awaiting response headers" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

func TestResultOutcome(t *testing.T) {
	tests := []struct {
		res  Result
		want report.Outcome
	}{
		{Result{Status: 200}, report.OK},
		{Result{Status: 404}, report.OK},
		{Result{Status: 503}, report.AppError},
		{Result{Status: 502, Err: errNoBackends}, report.ProxyError},
		{Result{Status: 502, Err: ErrNoRelease}, report.ProxyError},
		{Result{Status: 200, Err: fmt.Errorf("%w: %w", errAborted, io.ErrUnexpectedEOF)}, report.ProxyError},
		{Result{Status: 504, Err: context.DeadlineExceeded}, report.Timeout},
		{Result{Status: StatusClientClosedRequest, Err: context.Canceled}, report.ClientGone},
		{Result{Status: 200, Err: fmt.Errorf("%w: broken pipe", ErrClientGone)}, report.ClientGone},
		{Result{Status: 400, Err: ErrAmbiguousLength}, report.Refused},
		{Result{Status: 505, Err: ErrMalformedRequest}, report.Refused},
	}
	for _, tt := range tests {
		if got := tt.res.Outcome(); got != tt.want {
			t.Errorf("%+v: got outcome %d, want %d", tt.res, got, tt.want)
		}
	}
}
