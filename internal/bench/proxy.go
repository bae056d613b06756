package bench

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

// Defaults of "cutover bench proxy"; each is also its flag's default.
const (
	// DefaultProxyDuration is how long each target is measured in all, split over the rounds.
	DefaultProxyDuration = 10 * time.Second
	// DefaultConnections is how many keep-alive connections drive each target at once.
	DefaultConnections = 50
	// DefaultRounds is how many times the targets are measured in turn.
	DefaultRounds = 3
	// DefaultWarmup is how long each target is driven, unmeasured, before the first round.
	DefaultWarmup = time.Second
	// MaxRounds is the most rounds RunProxy accepts.
	MaxRounds = 100
	// MaxProxyDuration is the longest measuring time per target RunProxy accepts.
	MaxProxyDuration = 10 * time.Minute
)

// The names of the two targets every proxy bench measures.
const (
	TargetBackend = "backend"
	TargetCutover = "cutover"
)

// ProxyOptions configure RunProxy. The zero value of a field means its default.
type ProxyOptions struct {
	// Exe is the cutover binary, which runs the backend ("cutover sample-app") and cutover's
	// proxy ("cutover bench proxy-server"). Required.
	Exe string
	// Duration is how long each target is measured in all, split evenly over Rounds; 0 means
	// DefaultProxyDuration.
	Duration time.Duration
	// Connections is the number of keep-alive connections; 0 means DefaultConnections.
	Connections int
	// Rounds is how many times the targets are measured in turn; 0 means DefaultRounds.
	Rounds int
	// Warmup is how long each target is driven before the first round; 0 means DefaultWarmup.
	Warmup time.Duration
	// Compare lists the comparators: Nginx, HAProxy, or URLs (NAME=URL to name one). Nil means
	// none.
	Compare []string
	// BackendPort is the backend's port on 127.0.0.1, so that a proxy given as a URL can be
	// pointed at it beforehand; 0 means any free port.
	BackendPort int
	// LookPath finds a comparator's binary; nil means PATH, then /usr/sbin and the like.
	LookPath func(name string) (string, error)
	// Progress, if not nil, gets a line as each target is started and each round ends.
	Progress io.Writer
	// TLS drives cutover's proxy, nginx and HAProxy over TLS 1.3, all with one self-signed
	// certificate (see benchTLS), and also with a new connection per request, which measures TLS
	// handshakes per second. Comparators given as https:// URLs are driven the same way and must
	// serve that certificate: the driver trusts it alone, and does not skip verification (see
	// CertDir). The backend alone, the base of the ratios, stays plain HTTP, as do comparators
	// given as http:// URLs. False means plain HTTP everywhere, and no https:// URL.
	TLS bool
	// HTTP2 drives the TLS targets over HTTP/2; it implies TLS.
	HTTP2 bool
	// Observed measures cutover's proxy a second time, as TargetObserved, observed as "cutover
	// serve --dashboard" observes it: every request counted into the metrics, the dashboard
	// served, and Tabs dashboard tabs holding the app's status stream open throughout. False
	// measures it once, without them.
	Observed bool
	// Tabs is how many dashboard tabs the observed target has open; 0 means DefaultTabs.
	Tabs int
	// CertDir, if not empty, is where the TLS certificate lives between runs, so that a proxy
	// given as an https:// URL can be set up beforehand to serve it: bench.crt and bench.key (PEM)
	// there are used if they exist, else made there. "" makes a new one in a temporary directory.
	CertDir string
	// Apps is how many apps cutover's proxy routes among; 0 means DefaultApps. With more than one,
	// cutover is measured twice in each round: as one app (its own site, unrouted), and as the
	// target CutoverApps(Apps), routing each request by its Host among Apps sites of the backend.
	// Every target then gets requests whose Host headers go through AppHost(1) … AppHost(Apps)
	// in turn; the others ignore them, a proxy given as a URL must answer for them.
	Apps int
}

func (o ProxyOptions) withDefaults() (ProxyOptions, error) {
	if o.Exe == "" {
		return o, errors.New("the cutover binary to run the backend and the proxy is not known")
	}
	o.Duration = cmp.Or(o.Duration, DefaultProxyDuration)
	o.Connections = cmp.Or(o.Connections, DefaultConnections)
	o.Rounds = cmp.Or(o.Rounds, DefaultRounds)
	o.Warmup = cmp.Or(o.Warmup, DefaultWarmup)
	o.Tabs = cmp.Or(o.Tabs, DefaultTabs)
	o.Apps = cmp.Or(o.Apps, DefaultApps)
	o.TLS = o.TLS || o.HTTP2
	switch {
	case o.Duration < 0 || o.Duration > MaxProxyDuration:
		return o, fmt.Errorf("duration %v is out of bounds; give up to %v", o.Duration, MaxProxyDuration)
	case o.Connections < 0 || o.Connections > MaxConnections:
		return o, fmt.Errorf("connections %d is out of bounds; give 1 to %d", o.Connections, MaxConnections)
	case o.Rounds < 0 || o.Rounds > MaxRounds:
		return o, fmt.Errorf("rounds %d is out of bounds; give 1 to %d", o.Rounds, MaxRounds)
	case o.Warmup < 0 || o.Warmup > MaxProxyDuration:
		return o, fmt.Errorf("warmup %v is out of bounds; give up to %v", o.Warmup, MaxProxyDuration)
	case o.Tabs < 0 || o.Tabs > MaxTabs:
		return o, fmt.Errorf("tabs %d is out of bounds; give 1 to %d", o.Tabs, MaxTabs)
	case o.BackendPort < 0 || o.BackendPort > 65535:
		return o, fmt.Errorf("backend port %d is not a TCP port", o.BackendPort)
	case o.Apps < 0 || o.Apps > MaxApps:
		return o, fmt.Errorf("apps %d is out of bounds; give 1 to %d", o.Apps, MaxApps)
	}
	if o.LookPath == nil {
		o.LookPath = lookTool
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	return o, nil
}

// target is one server the proxy bench drives.
type target struct {
	name, addr, path string
	hosts            []string  // the Host headers to spread the requests over; nil for addr
	apps             int       // how many apps cutover's proxy routes among; 0 for other targets
	sec              *benchTLS // the TLS it serves, nil for plain HTTP
	serverName       string    // the name to verify its certificate for; "" for 127.0.0.1
	total            round
	rounds           []float64 // requests per second of each round
	handshakes       round     // requests on a new TLS connection each
	cpu, hsCPU       cpuMeter  // what its processes spent on total, on handshakes
}

// measuredAs gives t the process group of the child that serves it, whose CPU time is measured.
func (t *target) measuredAs(ch *child) *target {
	t.cpu.pgid = ch.cmd.Process.Pid
	t.hsCPU.pgid = t.cpu.pgid
	return t
}

// load is how the driver drives t: on keep-alive connections, or with a new connection (and TLS
// handshake) per request when fresh.
func (t *target) load(fresh bool) load {
	l := load{addr: t.addr, path: t.path, hosts: t.hosts}
	if t.sec != nil {
		l.tls, l.http2, l.fresh = t.sec.client(t.serverName), t.sec.http2, fresh
		if fresh {
			l.tls.NextProtos = []string{"http/1.1"} // one request per connection: HTTP/1.1 will do
		}
	}
	return l
}

// RunProxy measures the backend alone, cutover's proxy in front of it (as one app, and routing
// among ProxyOptions.Apps apps when there are more) and each comparator that can be found, in
// turn, round after round, with the same closed-loop load, and reports the figures. A comparator
// that is not installed or does not answer is listed in ProxyReport.Missing instead of failing
// the bench.
func RunProxy(ctx context.Context, opts ProxyOptions) (*ProxyReport, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	comps, err := parseCompare(o.Compare)
	if err != nil {
		return nil, err
	}
	for _, c := range comps {
		if c.url != nil && c.url.Scheme == "https" && !o.TLS {
			return nil, fmt.Errorf("--compare %s is an https:// URL; add --tls to drive it over TLS beside the others", c.url)
		}
	}
	dir, err := os.MkdirTemp("", "cutover-bench-proxy-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var children []*child
	defer func() {
		for i := len(children) - 1; i >= 0; i-- {
			children[i].stop(DefaultStopTimeout)
		}
	}()
	rep := &ProxyReport{Connections: o.Connections, Rounds: o.Rounds, RoundDuration: o.Duration / time.Duration(o.Rounds), Apps: o.Apps, Missing: []Missing{}}
	var sec *benchTLS
	if o.TLS {
		if sec, err = loadBenchTLS(cmp.Or(o.CertDir, dir), o.HTTP2); err != nil {
			return nil, err
		}
		rep.TLS = sec.protocol()
	}
	var tb *tabs
	defer func() {
		if tb != nil {
			tb.close()
		}
	}()
	targets, err := startTargets(ctx, o, comps, dir, sec, rep, &children, &tb)
	if err != nil {
		return nil, err
	}
	hosts := appHosts(o.Apps)
	for _, t := range targets {
		t.hosts = hosts
	}
	if err := measure(ctx, o, targets, rep.RoundDuration); err != nil {
		return nil, err
	}
	rep.Targets = results(targets)
	if tb != nil {
		tb.close()
		rep.Observed, tb = tb.report(), nil
	}
	return rep, nil
}

// startTargets starts the backend, cutover's proxy (twice with o.Observed, the second time with
// the tabs it sets *tb to) and the comparators it finds, and returns what to drive. Comparators it
// cannot start go into rep.Missing.
func startTargets(ctx context.Context, o ProxyOptions, comps []comparator, dir string, sec *benchTLS, rep *ProxyReport, children *[]*child, tb **tabs) ([]*target, error) {
	backend := "127.0.0.1:" + strconv.Itoa(o.BackendPort)
	if o.BackendPort == 0 {
		var err error
		if backend, err = freeAddr(); err != nil {
			return nil, err
		}
	}
	rep.Backend = backend
	fmt.Fprintf(o.Progress, "starting the backend (cutover sample-app) on %s\n", backend)
	be, err := startChild(TargetBackend, dir, []string{o.Exe, "sample-app", "--version", "v1", "--port", addrPort(backend)}, nil)
	if err != nil {
		return nil, err
	}
	*children = append(*children, be)
	if err := be.waitAnswering(ctx, "http://"+backend+"/"); err != nil {
		return nil, err
	}
	targets := []*target{(&target{name: TargetBackend, addr: backend, path: "/"}).measuredAs(be)}

	apps := []int{1}
	if o.Apps > 1 {
		apps = append(apps, o.Apps)
	}
	for _, n := range apps {
		t, err := startCutover(ctx, o, n, dir, backend, sec, children)
		if err != nil {
			return nil, err
		}
		targets = append(targets, t)
	}
	if o.Observed {
		t, ch, opened, err := startObservedTarget(ctx, o, dir, backend, sec)
		if err != nil {
			return nil, err
		}
		*children, *tb = append(*children, ch), opened
		targets = append(targets, t)
	}

	for _, c := range comps {
		t, ch, err := startComparatorTarget(ctx, o, c, dir, backend, sec)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			fmt.Fprintf(o.Progress, "not measuring %s: %v\n", c.name, err)
			rep.Missing = append(rep.Missing, Missing{Name: c.name, Reason: err.Error()})
			continue
		}
		if ch != nil {
			*children = append(*children, ch)
		}
		targets = append(targets, t)
	}
	return targets, nil
}

// startCutover starts cutover's proxy in front of backend, routing among apps apps, and waits until
// it answers (and, over TLS, agrees on the bench's TLS parameters).
func startCutover(ctx context.Context, o ProxyOptions, apps int, dir, backend string, sec *benchTLS, children *[]*child) (*target, error) {
	name, host := TargetCutover, ""
	if apps > 1 {
		name, host = CutoverApps(apps), AppHost(1)
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(o.Progress, "starting %s on %s\n", name, addr)
	argv := []string{o.Exe, "bench", "proxy-server", "--listen", addr, "--backend", backend, "--apps", strconv.Itoa(apps), "--log-level", "warn"}
	if sec != nil {
		argv = append(argv, "--tls-cert", sec.certFile, "--tls-key", sec.keyFile)
	}
	px, err := startChild(name, dir, argv, nil)
	if err != nil {
		return nil, err
	}
	*children = append(*children, px)
	if sec != nil {
		px.client = sec.probeClient("")
	}
	px.host = host
	if err := px.waitAnswering(ctx, targetURL(addr, sec)); err != nil {
		return nil, err
	}
	if sec != nil {
		if err := sec.check(ctx, addr, ""); err != nil {
			return nil, err
		}
	}
	return (&target{name: name, addr: addr, path: "/", sec: sec, apps: apps}).measuredAs(px), nil
}

// startComparatorTarget starts nginx or HAProxy, or checks that a URL answers: over TLS, trusting
// the bench's certificate alone, when it is an https:// URL.
func startComparatorTarget(ctx context.Context, o ProxyOptions, c comparator, dir, backend string, sec *benchTLS) (*target, *child, error) {
	if c.url != nil {
		return urlTarget(ctx, c, sec)
	}
	listen, err := freeAddr()
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintf(o.Progress, "starting %s on %s\n", c.name, listen)
	ch, err := startComparator(ctx, c, o.LookPath, dir, listen, backend, sec)
	if err != nil {
		return nil, nil, err
	}
	if sec != nil {
		if err := sec.check(ctx, listen, ""); err != nil {
			ch.stop(DefaultStopTimeout)
			return nil, nil, err
		}
	}
	return (&target{name: c.name, addr: listen, path: "/", sec: sec}).measuredAs(ch), ch, nil
}

// measure warms every target up, then drives each in turn for one round, rounds times, so that
// whatever else the machine does is spread over all of them.
func measure(ctx context.Context, o ProxyOptions, targets []*target, each time.Duration) error {
	for _, t := range targets {
		if _, err := driveLoad(ctx, t.load(false), o.Connections, o.Warmup); err != nil {
			return stopped(err)
		}
	}
	for i := range o.Rounds {
		for _, t := range targets {
			t.cpu.start()
			r, err := driveLoad(ctx, t.load(false), o.Connections, each)
			t.cpu.stop()
			if err != nil {
				return stopped(err)
			}
			rps := float64(r.Requests) / r.Elapsed.Seconds()
			t.total.merge(r)
			t.total.Elapsed += r.Elapsed
			t.rounds = append(t.rounds, rps)
			fmt.Fprintf(o.Progress, "round %d/%d %-10s %8.0f req/s, %d errors\n", i+1, o.Rounds, t.name, rps, r.Errors)
			if t.sec == nil {
				continue
			}
			t.hsCPU.start()
			hs, err := driveLoad(ctx, t.load(true), o.Connections, each)
			t.hsCPU.stop()
			if err != nil {
				return stopped(err)
			}
			t.handshakes.merge(hs)
			t.handshakes.Elapsed += hs.Elapsed
			fmt.Fprintf(o.Progress, "round %d/%d %-10s %8.0f TLS handshakes/s, %d errors\n", i+1, o.Rounds, t.name, float64(hs.Requests)/hs.Elapsed.Seconds(), hs.Errors)
		}
	}
	return nil
}

// errStopped reports that a bench was cut short by its context.
var errStopped = errors.New("bench stopped before it finished")

func stopped(err error) error { return fmt.Errorf("%w: %w", errStopped, err) }
