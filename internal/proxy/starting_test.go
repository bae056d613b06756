package proxy

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestStartingPage: while a release is starting and none serves, both paths answer 503 with the
// message and Retry-After; once it is cleared, or a pool serves, the 503 page is gone.
func TestStartingPage(t *testing.T) {
	p, url := startProxy(t, Options{})
	const msg = "the app is starting: v3 is booting, attempt 2"
	p.SetStarting(msg, 1500*time.Millisecond)

	general := func() (int, http.Header, string) {
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		return rec.Code, rec.Header(), rec.Body.String()
	}
	fast := func() (int, http.Header, string) {
		res, err := newClient(t).Get(url + "/")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header, string(b)
	}
	for name, get := range map[string]func() (int, http.Header, string){"fast path": fast, "general path": general} {
		t.Run(name, func(t *testing.T) {
			status, h, body := get()
			if status != http.StatusServiceUnavailable || h.Get("Retry-After") != "2" || !strings.Contains(body, msg) {
				t.Errorf("starting: got %d, Retry-After %q, body %q; want 503, 2 and %q", status, h.Get("Retry-After"), body, msg)
			}
		})
	}
	p.SetStarting("", 0)
	for name, get := range map[string]func() (int, http.Header, string){"fast path": fast, "general path": general} {
		if status, h, _ := get(); status != http.StatusBadGateway || h.Get("Retry-After") != "" {
			t.Errorf("%s, cleared: got %d with Retry-After %q, want 502 without", name, status, h.Get("Retry-After"))
		}
	}
	p.SetStarting(msg, time.Second)
	p.Switch(NewPool("v3", []Backend{startBackend(t, "web.1", echoHandler("web.1"))}))
	if status, _, _ := fast(); status != http.StatusOK {
		t.Errorf("with a pool: got %d, want 200 from the app", status)
	}
}
