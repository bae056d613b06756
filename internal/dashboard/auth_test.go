package dashboard

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/cutover-dev/cutover/internal/control"
)

// noApps is a daemon with no app: enough for what the dashboard checks before it asks for one.
type noApps struct{}

func (noApps) Apps(context.Context) []control.AppInfo { return nil }
func (noApps) App(name string) (control.AppService, error) {
	return nil, control.ErrNoApp
}

func TestToken(t *testing.T) {
	s := New(Options{Source: noApps{}, Token: "secret"})
	tests := []struct {
		name     string
		target   string
		header   string
		cookie   string
		want     int
		location string
	}{
		{"none", "/", "", "", http.StatusUnauthorized, ""},
		{"wrong", "/?token=nope", "", "", http.StatusUnauthorized, ""},
		{"query once", "/apps/x?token=secret&a=1", "", "", http.StatusSeeOther, "/apps/x?a=1"},
		{"cookie", "/", "", cookieValue("secret"), http.StatusOK, ""},
		{"token as cookie", "/", "", "secret", http.StatusUnauthorized, ""},
		{"bearer", "/", "Bearer secret", "", http.StatusOK, ""},
		{"wrong bearer", "/", "Bearer nope", "", http.StatusUnauthorized, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", tt.target, nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			if tt.cookie != "" {
				r.AddCookie(&http.Cookie{Name: CookieName, Value: tt.cookie})
			}
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("got %d, want %d: %s", w.Code, tt.want, w.Body)
			}
			if got := w.Header().Get("Location"); got != tt.location {
				t.Errorf("got Location %q, want %q", got, tt.location)
			}
			if c := w.Header().Get("Set-Cookie"); tt.want == http.StatusSeeOther && (!strings.Contains(c, "HttpOnly") || strings.Contains(c, "secret")) {
				t.Errorf("got Set-Cookie %q, want an HttpOnly cookie without the token", c)
			}
		})
	}
}

func TestRollbackNeedsCSRF(t *testing.T) {
	s := New(Options{Source: noApps{}})
	tests := []struct {
		name string
		form url.Values
		want int
	}{
		{"no token", url.Values{"confirm": {"yes"}}, http.StatusForbidden},
		{"wrong token", url.Values{"csrf": {"x"}, "confirm": {"yes"}}, http.StatusForbidden},
		{"not confirmed, no app", url.Values{"csrf": {s.csrf}}, http.StatusNotFound},
		{"right token, no app", url.Values{"csrf": {s.csrf}, "confirm": {"yes"}}, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "http://127.0.0.1:8080/apps/x/releases/v1/rollback", strings.NewReader(tt.form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Errorf("got %d, want %d: %s", w.Code, tt.want, w.Body)
			}
		})
	}
}

func TestBars(t *testing.T) {
	if got := bars(nil); got != nil {
		t.Errorf("got %v for no steps, want nil", got)
	}
}

func TestHost(t *testing.T) {
	s := New(Options{Source: noApps{}, Addr: "192.168.1.5:9000"})
	tests := []struct {
		host string
		want int
	}{
		{"127.0.0.1:9000", http.StatusOK},
		{"localhost:1234", http.StatusOK},
		{"LOCALHOST", http.StatusOK},
		{"[::1]:9000", http.StatusOK},
		{"192.168.1.5:9000", http.StatusOK},
		{"evil.example:9000", http.StatusForbidden},
		{"127.0.0.1.evil.example", http.StatusForbidden},
		{"192.168.1.5:9001", http.StatusForbidden},
		{"", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.Host = tt.host
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Errorf("got %d, want %d: %s", w.Code, tt.want, w.Body)
			}
		})
	}
}

func TestCrossOrigin(t *testing.T) {
	s := New(Options{Source: noApps{}})
	tests := []struct {
		name   string
		header string
		value  string
		want   int
	}{
		{"same origin", "Sec-Fetch-Site", "same-origin", http.StatusForbidden}, // no csrf field: the handler's own 403
		{"cross site", "Sec-Fetch-Site", "cross-site", http.StatusForbidden},
		{"other origin", "Origin", "http://evil.example", http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			form := url.Values{"csrf": {s.csrf}, "confirm": {"yes"}}
			r := httptest.NewRequest("POST", "http://127.0.0.1:8080/apps/x/releases/v1/rollback", strings.NewReader(form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.Header.Set(tt.header, tt.value)
			w := httptest.NewRecorder()
			s.ServeHTTP(w, r)
			if tt.name == "same origin" {
				tt.want = http.StatusNotFound // passes the origin check, and finds no app
			}
			if w.Code != tt.want {
				t.Errorf("got %d, want %d: %s", w.Code, tt.want, w.Body)
			}
		})
	}
}
