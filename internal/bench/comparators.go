package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// The proxies "cutover bench proxy" knows how to start by name.
const (
	Nginx   = "nginx"
	HAProxy = "haproxy"
)

// DefaultCompare is the comparators of "cutover bench proxy" when none are named.
const DefaultCompare = Nginx + "," + HAProxy

// DefaultURLReadyTimeout bounds how long a comparator given as a URL may answer with an error
// status (its proxy not yet seeing the backend healthy) before it is reported missing.
const DefaultURLReadyTimeout = 10 * time.Second

// DefaultUpstreamKeepalive is how many idle keep-alive connections to the backend nginx and
// HAProxy keep, as many as cutover's proxy keeps (proxy.DefaultMaxIdleConnsPerBackend).
const DefaultUpstreamKeepalive = 256

// sbinDirs are searched after PATH: nginx and HAProxy install into /usr/sbin, which is not on an
// ordinary user's PATH on Debian.
var sbinDirs = []string{"/usr/sbin", "/usr/local/sbin", "/sbin"}

// installHints say how to get a comparator that is not installed.
var installHints = map[string]string{
	Nginx:      "apt-get install nginx-light (or nginx)",
	HAProxy:    "apt-get install haproxy",
	KamalProxy: "it is not in Debian: build it from github.com/basecamp/kamal-proxy",
}

// Missing is a comparator that could not be measured, and why.
type Missing struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
}

// comparator is a proxy to measure beside cutover's: nginx or HAProxy, which the bench starts in
// front of the backend, or a URL, which it drives as it is.
type comparator struct {
	name string
	url  *url.URL // nil for nginx and HAProxy
}

// parseCompare reads the --compare list: "nginx", "haproxy", a URL such as
// http://127.0.0.1:9000/ (or https://, for a TLS bench), or NAME=URL to give a URL a short name
// in the table.
func parseCompare(list []string) ([]comparator, error) {
	var out []comparator
	seen := map[string]bool{}
	for _, item := range list {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		c, err := parseComparator(item)
		if err != nil {
			return nil, err
		}
		if seen[c.name] {
			return nil, fmt.Errorf("--compare names %q twice; give each comparator once", c.name)
		}
		seen[c.name] = true
		out = append(out, c)
	}
	return out, nil
}

func parseComparator(item string) (comparator, error) {
	if item == Nginx || item == HAProxy || item == KamalProxy {
		return comparator{name: item}, nil
	}
	name, raw, named := strings.Cut(item, "=")
	if !named || strings.Contains(name, "/") {
		name, raw = item, item
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return comparator{}, fmt.Errorf("--compare %q: give nginx, haproxy, kamal-proxy, or an http:// or https:// URL on 127.0.0.1 (optionally as NAME=URL)", item)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return comparator{}, fmt.Errorf("--compare %q: only http:// and https:// URLs can be driven", item)
	}
	if !isLoopback(u.Hostname()) {
		return comparator{}, fmt.Errorf("--compare %q: the bench only sends load to this machine; give a URL on 127.0.0.1, [::1] or localhost", item)
	}
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		u.Host = net.JoinHostPort(u.Hostname(), port)
	}
	return comparator{name: name, url: u}, nil
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return strings.EqualFold(host, "localhost") || ip != nil && ip.IsLoopback()
}

// urlTarget checks that the comparator given as a URL answers, and returns it as a target: over
// TLS with the bench's certificate (sec), verified for the URL's host name, when it is an https://
// URL; sec is nil unless the bench drives TLS.
func urlTarget(ctx context.Context, c comparator, sec *benchTLS) (*target, *child, error) {
	t := &target{name: c.name, addr: c.url.Host, path: c.url.RequestURI()}
	if c.url.Scheme != "https" {
		if err := waitURL(ctx, nil, c.url.String()); err != nil {
			return nil, nil, fmt.Errorf("did not answer: %w", err)
		}
		return t, nil, nil
	}
	if sec == nil {
		return nil, nil, fmt.Errorf("%s is an https:// URL; drive it with TLS on", c.url)
	}
	t.sec, t.serverName = sec, c.url.Hostname()
	if err := waitURL(ctx, sec.probeClient(t.serverName), c.url.String()); err != nil {
		return nil, nil, fmt.Errorf("did not answer over TLS with the bench's certificate (serve %s and %s; see --cert-dir): %w",
			sec.certFile, sec.keyFile, err)
	}
	if err := sec.check(ctx, t.addr, t.serverName); err != nil {
		return nil, nil, err
	}
	return t, nil, nil
}

// waitURL probes url through client (nil for http.DefaultClient) until it answers 2xx. A proxy
// that answers another status may not have seen the backend healthy yet, so it is asked again,
// for up to DefaultURLReadyTimeout; one that does not answer at all fails at once.
func waitURL(ctx context.Context, client *http.Client, url string) error {
	ctx, cancel := context.WithTimeout(ctx, DefaultURLReadyTimeout)
	defer cancel()
	for {
		err := probeWith(ctx, client, url, "")
		if err == nil || !errors.Is(err, errNotOK) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pollInterval):
		}
	}
}

// lookTool finds a comparator's binary on PATH, then in the sbin directories.
func lookTool(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range sbinDirs {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found on PATH or in %s", name, strings.Join(sbinDirs, ", "))
}

// errNotInstalled marks a comparator whose binary was not found.
var errNotInstalled = errors.New("not installed")

// startComparator starts nginx or HAProxy on listen in front of backend, with its configuration
// and files in dir, serving TLS with sec's certificate unless sec is nil, and waits until it
// answers through to the backend.
func startComparator(ctx context.Context, c comparator, lookPath func(string) (string, error), dir, listen, backend string, sec *benchTLS) (*child, error) {
	bin, err := lookPath(c.name)
	if err != nil {
		return nil, fmt.Errorf("%w (%s, or pass its URL in --compare)", errNotInstalled, installHints[c.name])
	}
	dir = filepath.Join(dir, c.name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var argv []string
	var ch *child
	switch c.name {
	case Nginx:
		conf := filepath.Join(dir, "nginx.conf")
		if err := os.WriteFile(conf, []byte(nginxConfig(dir, listen, backend, sec)), 0o644); err != nil {
			return nil, err
		}
		// -e: nginx opens its default error log before it reads the configuration.
		argv = []string{bin, "-p", dir, "-c", conf, "-e", filepath.Join(dir, "error.log")}
	case HAProxy:
		conf := filepath.Join(dir, "haproxy.cfg")
		if err := os.WriteFile(conf, []byte(haproxyConfig(listen, backend, sec)), 0o644); err != nil {
			return nil, err
		}
		argv = []string{bin, "-db", "-f", conf}
	case KamalProxy:
		if ch, err = startKamal(ctx, bin, dir, listen, backend, sec); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("cutover cannot start %q; pass its URL in --compare", c.name)
	}
	if ch == nil {
		if ch, err = startChild(c.name, dir, argv, nil); err != nil {
			return nil, err
		}
	}
	if err := ch.answering(ctx, listen, sec); err != nil {
		return nil, err
	}
	return ch, nil
}

// answering waits until the comparator ch answers on listen, over TLS trusting the bench's
// certificate with sec; it stops ch if it does not.
func (ch *child) answering(ctx context.Context, listen string, sec *benchTLS) error {
	if sec != nil {
		ch.client = sec.probeClient("")
	}
	if err := ch.waitAnswering(ctx, targetURL(listen, sec)); err != nil {
		ch.stop(DefaultStopTimeout)
		return err
	}
	return nil
}

// nginxConfig is nginx as a reverse proxy on listen to backend, set up the way one would for
// production on this machine: a worker per core, no access log, HTTP/1.1 keep-alive to the backend
// with a pool of idle connections, and no cap on requests per keep-alive connection (nginx closes
// client and upstream connections after 1000 requests by default, which neither cutover nor
// HAProxy does). It passes the app the headers cutover's proxy passes: X-Forwarded-For, -Proto and
// -Host, and the client's X-Request-Id or a new one. With sec it serves TLS as every target of a TLS
// bench does (see benchTLS), without session resumption, and HTTP/2 when the driver speaks it.
func nginxConfig(dir, listen, backend string, sec *benchTLS) string {
	listenOpts, tlsConf := "", ""
	if sec != nil {
		listenOpts = " ssl"
		if sec.http2 {
			listenOpts += " http2" // nginx 1.22 (Debian 12); from 1.25.1 on, "http2 on;"
		}
		tlsConf = fmt.Sprintf(`
        ssl_certificate %s;
        ssl_certificate_key %s;
        ssl_protocols %s;
        ssl_ecdh_curve %s;
        ssl_conf_command Ciphersuites %s;
        ssl_session_tickets off;
        ssl_session_cache off;`, sec.certFile, sec.keyFile, benchTLSVersion, benchCurve, benchCipherSuite)
	}
	return fmt.Sprintf(`# Written by cutover bench proxy.
daemon off;
master_process on;
worker_processes auto;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;

events {
    worker_connections 16384;
}

http {
    access_log off;
    client_body_temp_path %[1]s/client_body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    keepalive_requests 1000000;
    keepalive_timeout 75s;

    map $http_x_request_id $cutover_request_id {
        default $http_x_request_id;
        ""      $request_id;
    }

    upstream backend {
        server %[3]s;
        keepalive %[4]d;
        keepalive_requests 1000000;
    }

    server {
        listen %[2]s%[5]s;%[6]s
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Host $http_host;
            proxy_set_header X-Request-Id $cutover_request_id;
        }
    }
}
`, dir, listen, backend, DefaultUpstreamKeepalive, listenOpts, tlsConf)
}

// haproxyConfig is HAProxy in HTTP mode on listen to backend: a thread per core (its default),
// keep-alive on both sides and idle backend connections shared between clients, no logging, and the
// headers cutover's proxy passes the app: X-Forwarded-For, -Proto and -Host, and the client's
// X-Request-Id or a new one. With sec it serves TLS as every target of a TLS bench does (see
// benchTLS), without session tickets, and HTTP/2 when the driver speaks it.
func haproxyConfig(listen, backend string, sec *benchTLS) string {
	bindOpts, proto := "", "http"
	if sec != nil {
		alpn := "http/1.1"
		if sec.http2 {
			alpn = "h2,http/1.1"
		}
		bindOpts = fmt.Sprintf(" ssl crt %s alpn %s ssl-min-ver %s curves %s ciphersuites %s no-tls-tickets",
			sec.pemFile, alpn, benchTLSVersion, benchCurve, benchCipherSuite)
		proto = "https"
	}
	return fmt.Sprintf(`# Written by cutover bench proxy.
defaults
    mode http
    timeout connect 5s
    timeout client 75s
    timeout server 60s
    timeout http-keep-alive 75s

frontend bench
    bind %s%s
    option forwardfor
    http-request set-header X-Forwarded-Proto %s
    http-request set-header X-Forwarded-Host %%[req.hdr(host)]
    unique-id-format %%{+X}o\ %%ci:%%cp_%%fi:%%fp_%%Ts_%%rt:%%pid
    http-request set-header X-Request-Id %%[unique-id] unless { req.hdr(x-request-id) -m found }
    default_backend app

backend app
    http-reuse always
    server app %s pool-max-conn %d
`, listen, bindOpts, proto, backend, DefaultUpstreamKeepalive)
}

// targetURL is the URL of a target listening on addr, https when it serves sec's certificate.
func targetURL(addr string, sec *benchTLS) string {
	if sec != nil {
		return "https://" + addr + "/"
	}
	return "http://" + addr + "/"
}
