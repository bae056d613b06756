package dashboard

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/cutover-dev/cutover/internal/control"
)

// CookieName is the cookie that proves the dashboard token after it was given once as ?token=. Its
// value is an HMAC of the token, not the token. Browsers send a host's cookies to all its ports, so
// the proxy takes this one out of every request before it reaches an app (proxy.PrivateCookie, the
// same name): it opens the dashboard as the token does.
const CookieName = "cutover_dashboard"

//go:embed templates/*.html static/*
var assets embed.FS

// Source is what the dashboard reads and does; control.Service offers it.
type Source interface {
	// Apps lists the apps, sorted by name.
	Apps(ctx context.Context) []control.AppInfo
	// App returns the app named name; the error wraps control.ErrNoApp when there is none.
	App(name string) (control.AppService, error)
}

// Options configure a Server. Source is required.
type Options struct {
	Source Source
	// Metrics is served at /metrics when set (the Prometheus handler).
	Metrics http.Handler
	// Gatherer is the registry the app pages chart their last hour from (sampled by Run); nil
	// charts nothing.
	Gatherer prometheus.Gatherer
	// SampleInterval is how often Run samples Gatherer; zero means DefaultSampleInterval.
	SampleInterval time.Duration
	// Token, when set, must come with every request: as ?token= once (then a cookie), or as an
	// Authorization bearer header. "" serves anyone who can connect (a loopback address).
	Token string
	// Addr is the address the dashboard listens on; without a Token, requests must name it, or
	// localhost, 127.0.0.1 or [::1], as their Host (against DNS rebinding).
	Addr string
	// WriteTimeout bounds sending one event of a stream; zero means DefaultWriteTimeout.
	WriteTimeout time.Duration
	// StatusTTL is how long an app's status serves all its pages and streams; zero means
	// DefaultStatusTTL.
	StatusTTL time.Duration
	Logger    *slog.Logger
}

// Server serves the dashboard; it is an http.Handler.
type Server struct {
	opts    Options
	hist    *history
	csrf    string
	status  *statusCache
	cookie  string // the value of CookieName: an HMAC of opts.Token
	pages   *template.Template
	mux     *http.ServeMux
	handler http.Handler // mux, refusing state-changing requests from other origins
}

// New returns a dashboard server for opts.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.SampleInterval <= 0 {
		opts.SampleInterval = DefaultSampleInterval
	}
	if opts.WriteTimeout <= 0 {
		opts.WriteTimeout = DefaultWriteTimeout
	}
	if opts.StatusTTL <= 0 {
		opts.StatusTTL = DefaultStatusTTL
	}
	s := &Server{opts: opts, csrf: randomToken(), status: newStatusCache(opts.StatusTTL), mux: http.NewServeMux()}
	if opts.Gatherer != nil {
		s.hist = newHistory(opts.Gatherer, opts.SampleInterval)
	}
	s.pages = template.Must(template.New("").Funcs(funcs).ParseFS(assets, "templates/*.html"))
	static, _ := fs.Sub(assets, "static")
	s.mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	s.mux.HandleFunc("GET /{$}", s.appsPage)
	s.mux.HandleFunc("GET /apps/{app}", s.appPage)
	s.mux.HandleFunc("GET /apps/{app}/events", s.statusEvents)
	s.mux.HandleFunc("GET /apps/{app}/logs", s.logEvents)
	s.mux.HandleFunc("GET /apps/{app}/releases/{id}", s.releasePage)
	s.mux.HandleFunc("GET /apps/{app}/releases/{id}/chart.svg", s.releaseChart)
	s.mux.HandleFunc("POST /apps/{app}/releases/{id}/rollback", s.rollback)
	if opts.Metrics != nil {
		s.mux.Handle("GET /metrics", opts.Metrics)
	}
	s.handler = http.NewCrossOriginProtection().Handler(s.mux)
	if opts.Token != "" {
		s.cookie = cookieValue(opts.Token)
	}
	return s
}

// cookieValue is the value of CookieName for token.
func cookieValue(token string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("cutover dashboard cookie"))
	return hex.EncodeToString(m.Sum(nil))
}

// Run samples the metrics into the app pages' history until ctx ends; without a Gatherer it
// returns at once.
func (s *Server) Run(ctx context.Context) {
	if s.hist != nil {
		s.hist.run(ctx, s.opts.SampleInterval)
	}
}

// RandomToken returns a new secret of 32 hex digits, for a dashboard token.
func RandomToken() string { return randomToken() }

func randomToken() string {
	b := make([]byte, 16)
	rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

// ServeHTTP checks the token (without one, the Host), then serves the page.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'")
	w.Header().Set("X-Frame-Options", "DENY")
	if s.opts.Token == "" {
		if !s.hostOK(r.Host) {
			http.Error(w, "the dashboard answers only to its own address, localhost, 127.0.0.1 or [::1]: open one of those", http.StatusForbidden)
			return
		}
		s.handler.ServeHTTP(w, r)
		return
	}
	if q := r.URL.Query().Get("token"); q != "" && s.tokenOK(q) {
		http.SetCookie(w, &http.Cookie{Name: CookieName, Value: s.cookie, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
		u := *r.URL
		v := u.Query()
		v.Del("token")
		u.RawQuery = v.Encode()
		http.Redirect(w, r, u.RequestURI(), http.StatusSeeOther)
		return
	}
	if c, err := r.Cookie(CookieName); err == nil && subtle.ConstantTimeCompare([]byte(c.Value), []byte(s.cookie)) == 1 {
		s.handler.ServeHTTP(w, r)
		return
	}
	if b, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && s.tokenOK(b) {
		s.handler.ServeHTTP(w, r)
		return
	}
	http.Error(w, "the dashboard needs its token: open the URL `cutover serve` printed (with ?token=), or send Authorization: Bearer TOKEN; the token is in the state directory's dashboard-token file", http.StatusUnauthorized)
}

func (s *Server) tokenOK(t string) bool {
	return subtle.ConstantTimeCompare([]byte(t), []byte(s.opts.Token)) == 1
}

// hostOK reports whether host (a request's Host) names this machine's loopback or the listen
// address: a page of another site that rebinds its name to 127.0.0.1 sends its own name.
func (s *Server) hostOK(host string) bool {
	if host == s.opts.Addr && host != "" {
		return true
	}
	name := host
	if h, _, err := net.SplitHostPort(host); err == nil {
		name = h
	}
	switch strings.ToLower(strings.TrimSuffix(name, ".")) {
	case "localhost", "127.0.0.1", "::1", "[::1]":
		return true
	}
	return false
}
