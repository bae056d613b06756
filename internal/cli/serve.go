package cli

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/internal/applog"
	"github.com/cutover-dev/cutover/internal/daemon"
	"github.com/cutover-dev/cutover/internal/gcfloor"
	"github.com/cutover-dev/cutover/internal/metrics"
	"github.com/cutover-dev/cutover/internal/release"
)

func newServeCmd(g *globals) *cobra.Command {
	var listen, https, metricsAddr, dashboardAddr string
	var acme daemon.ACME
	var keep, marginMiB, logMiB, logKeep int
	var cgroups bool
	var trusted []string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the daemon: serve the live release behind the proxy and accept deploys",
		Long: `serve runs the daemon for the apps of a state directory. It boots the release of each app that
was live when it last stopped, proxies --listen (and --https) to them by host name, and takes deploys
from the CLI over a unix socket in the state directory. Stop it with SIGTERM or Ctrl-C: in-flight
requests finish, then the apps are stopped gracefully.

HTTPS: --https :443 serves each app's hosts with the app's own certificate files (cutover apps
create --tls-cert/--tls-key), or, with --acme-email (or --acme-ca), with certificates from Let's
Encrypt (or that CA) that renew themselves. Plain HTTP redirects to HTTPS once an app's
certificates are valid (unless the app was created with --no-redirect).

Metrics: --metrics 127.0.0.1:9180 serves Prometheus metrics at /metrics there: requests, latency
and in-flight per app and release, deploys, restarts, certificates (see README, "Prometheus
metrics"). Keep it on a private address: it names the apps and their hosts.

Dashboard: --dashboard 127.0.0.1:9190 serves a web dashboard there (apps, processes, releases,
deploys live, logs, rollback) and /metrics beside it. Bound beyond loopback it asks for the token of
STATE/dashboard-token; serve logs the URL with it (see docs/dashboard.md).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFreshListen(g.state, listen); err != nil {
				return err
			}
			prefixes, err := parsePrefixes(trusted)
			if err != nil {
				return err
			}
			margin := int64(marginMiB) << 20
			if marginMiB == 0 {
				margin = -1 // none asked for; zero would mean the default
			}
			if acme.On() && https == "" {
				return errors.New("--acme-email and --acme-ca get certificates for HTTPS: give --https too (such as --https :443)")
			}
			if acme.CARoots != "" {
				if acme.CARoots, err = filepath.Abs(acme.CARoots); err != nil {
					return err
				}
			}
			defer gcfloor.Start(gcfloor.DefaultHeadroom).Stop()
			d, err := daemon.New(daemon.Options{StateDir: g.state, Listen: listen, Version: Version, KeepReleases: keep, FreeSpaceMargin: margin, NoCgroups: !cgroups,
				LogMaxBytes: int64(logMiB) << 20, LogKeep: logKeep, TrustedProxies: prefixes, HTTPS: https, ACME: acme,
				Metrics: metricsAddr, Dashboard: dashboardAddr,
			})
			if err != nil {
				return err
			}
			return d.Run(cmd.Context(), func(addr net.Addr) {})
		},
	}
	cmd.Flags().StringVar(&listen, "listen", daemon.DefaultListen, "public plain-HTTP address to proxy (also --http)")
	cmd.Flags().StringVar(&listen, "http", daemon.DefaultListen, "the same as --listen")
	cmd.Flags().StringVar(&https, "https", "", "HTTPS address to serve, such as :443 (HTTP/2 and HTTP/1.1)")
	cmd.Flags().StringVar(&metricsAddr, "metrics", "", "address to serve Prometheus metrics on at "+metrics.DefaultPath+", such as 127.0.0.1:9180 (off by default)")
	cmd.Flags().StringVar(&dashboardAddr, "dashboard", "", "address to serve the web dashboard on, such as 127.0.0.1:9190 (off by default; beyond loopback it asks for a token)")
	cmd.Flags().StringVar(&acme.Email, "acme-email", "", "get certificates from Let's Encrypt (or --acme-ca) with this contact, agreeing to the CA's terms")
	cmd.Flags().StringVar(&acme.CA, "acme-ca", "", "ACME directory URL of another CA; \"staging\" for Let's Encrypt's staging CA")
	cmd.Flags().StringVar(&acme.CARoots, "acme-ca-root", "", "PEM file of roots to trust for the ACME CA's own API (a private CA)")
	cmd.Flags().StringSliceVar(&acme.Challenges, "acme-challenges", nil, "ACME challenges to use: http-01, tls-alpn-01 (default both)")
	cmd.Flags().IntVar(&keep, "keep-releases", release.DefaultKeepReleases, "releases kept on disk after each deploy, besides the live one and its rollback target")
	cmd.Flags().IntVar(&marginMiB, "free-space-margin", release.DefaultFreeSpaceMargin>>20, "MiB a deploy needs free in the state dir beyond the app's size, or it is refused")
	cmd.Flags().IntVar(&logMiB, "log-max-size", applog.DefaultFileMaxBytes>>20, "MiB at which the app log (logs/app.log) is rotated")
	cmd.Flags().IntVar(&logKeep, "log-keep", applog.DefaultFileKeep, "rotated app logs kept (app.log.1 is the newest)")
	cmd.Flags().StringSliceVar(&trusted, "trusted-proxy", nil, "address or CIDR of a proxy in front of cutover (a load balancer) whose X-Forwarded-For is kept and whose X-Forwarded-Proto: https is believed; repeat or comma-separate; by default a client's X-Forwarded-For is replaced")
	cmd.Flags().BoolVar(&cgroups, "cgroups", true, "put each app process in a cgroup of its own where cgroup v2 is writable (false: process groups only)")
	return cmd
}

// checkFreshListen tries the public address before a first start creates the state directory, so
// that a busy port leaves no stray directory behind. A daemon whose state exists may be taking its
// socket over from an older one (an upgrade, systemd's socket): it is not probed.
func checkFreshListen(state, listen string) error {
	if _, err := os.Stat(state); !errors.Is(err, os.ErrNotExist) || os.Getenv("LISTEN_FDS") != "" {
		return nil
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return fmt.Errorf("cannot listen on %s (%w): another server uses it; stop it or pick another address with --listen (nothing was created in %s)", listen, err, state)
	}
	return ln.Close()
}

// parsePrefixes reads --trusted-proxy values: CIDRs, or single addresses.
func parsePrefixes(values []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range values {
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxy %q: give an address or a CIDR such as 10.0.0.0/8", v)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
