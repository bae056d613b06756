package cli

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cutover-dev/cutover/internal/bench"
	"github.com/cutover-dev/cutover/internal/gcfloor"
)

func newBenchCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure cutover's proxy and deploys on this machine, beside nginx and HAProxy",
		Long: `bench measures cutover on this machine, with load only to 127.0.0.1: "bench proxy" compares its
proxy with nginx and HAProxy in front of the same backend, "bench deploy" measures deploys under load,
"bench conns" measures the memory of many idle keep-alive connections, "bench lint" times the migration
linter beside squawk.`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newBenchProxyCmd(g), newBenchDeployCmd(g), newBenchConnsCmd(g), newBenchLintCmd(g), newBenchProxyServerCmd())
	return cmd
}

func newBenchProxyCmd(g *globals) *cobra.Command {
	o := bench.ProxyOptions{}
	var compare string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "proxy",
		Short: "Compare requests/s and latency through cutover's proxy, nginx and HAProxy",
		Long: `proxy starts a backend (the built-in sample app), cutover's proxy in front of it, and nginx and
HAProxy configured the same way (keep-alive to the backend) when they are installed (and
kamal-proxy, named in --compare, found on PATH); a proxy given as a URL in --compare is driven as
it is (use --backend-port to point it at the backend beforehand).
It drives each in turn, round after round, with the same closed-loop load of keep-alive connections,
and prints requests/s, p50 and p99, each as a ratio to the backend alone. Comparators that are not
installed are reported, not fatal.

With --tls the proxies serve TLS 1.3 with the same self-signed certificate and are driven over it
(the backend alone stays plain HTTP, the base of the ratios); each is also driven with a new
connection per request, which gives TLS handshakes per second. --http2 drives them over HTTP/2.

With --observed cutover's proxy is measured a second time, as "` + bench.TargetObserved + `": observed as
"cutover serve --dashboard" observes it (every request counted into the Prometheus metrics, the
dashboard served on a loopback port) with --tabs dashboard tabs holding the app's status event stream
open all along; the figures then compare it with cutover's proxy without them.

A comparator given as an https:// URL (with --tls only) is driven the same way and must serve the
bench's certificate: the driver trusts that certificate alone and does not skip verification. Give
--cert-dir to keep the certificate in a directory (bench.crt, bench.key), made there by a first run
if absent, and have that proxy serve those files.

With --apps N (more than 1), cutover's proxy is measured twice in each round: as one app, and
routing each request by its Host among N apps (app1.test … appN.test, one site and pool each, all
in front of the same backend), shown as "cutover (N apps)" with its ratio to the one app. Every
target's requests then go through those Host headers in turn; nginx and HAProxy ignore them.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.Exe, err = selfExe(); err != nil {
				return err
			}
			o.Compare = strings.Split(compare, ",")
			o.Progress = progress(g, asJSON)
			rep, err := bench.RunProxy(cmd.Context(), o)
			if err != nil {
				return err
			}
			return printReport(g.stdout, asJSON, rep, rep.Format)
		},
	}
	fl := cmd.Flags()
	fl.DurationVar(&o.Duration, "duration", bench.DefaultProxyDuration, "how long each target is measured in all, split over the rounds")
	fl.IntVar(&o.Connections, "connections", bench.DefaultConnections, "keep-alive connections driving each target")
	fl.IntVar(&o.Rounds, "rounds", bench.DefaultRounds, "how many times the targets are measured in turn")
	fl.DurationVar(&o.Warmup, "warmup", bench.DefaultWarmup, "unmeasured load on each target before the first round")
	fl.StringVar(&compare, "compare", bench.DefaultCompare, "comparators: nginx, haproxy, kamal-proxy, or http://127.0.0.1:PORT/ URLs (https:// with --tls; NAME=URL to name one), comma-separated")
	fl.IntVar(&o.BackendPort, "backend-port", 0, "port of the backend on 127.0.0.1 (default any free port)")
	fl.BoolVar(&o.TLS, "tls", false, "drive cutover, nginx and HAProxy over TLS 1.3 (one self-signed ECDSA P-256 certificate, X25519), and measure TLS handshakes per second too")
	fl.BoolVar(&o.HTTP2, "http2", false, "drive them over HTTP/2 (implies --tls)")
	fl.BoolVar(&o.Observed, "observed", false, "measure cutover's proxy a second time ("+bench.TargetObserved+") with the metrics and the dashboard on, and --tabs dashboard tabs open")
	fl.IntVar(&o.Tabs, "tabs", bench.DefaultTabs, "dashboard tabs holding the app's status stream open, with --observed")
	fl.StringVar(&o.CertDir, "cert-dir", "", "keep the TLS certificate in this directory (bench.crt, bench.key; made if absent), for an https:// comparator to serve (default a new one per run)")
	fl.IntVar(&o.Apps, "apps", bench.DefaultApps, "also measure cutover routing by host among this many apps (app1.test …) when more than 1")
	fl.BoolVar(&asJSON, "json", false, "print the figures as JSON")
	return cmd
}

func newBenchDeployCmd(g *globals) *cobra.Command {
	o := bench.DeployOptions{}
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "deploy",
		Short: "Measure deploys under fixed-rate load: failed requests, latency, memory",
		Long: `deploy starts a real "cutover serve" in a temporary directory, deploys the built-in sample app, then
deploys it again --runs times (v2, v1, v2, ...) under fixed-rate open-loop load with requests of
--delay in flight. For each run and in total it prints requests sent and failed by class (refused,
reset, 5xx, timeout), p50/p99 steady and during the deploy, the time from the new release passing
its health check to the first request it served, and the daemon's peak memory. It fails if any
request failed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.Exe, err = selfExe(); err != nil {
				return err
			}
			o.Progress = progress(g, asJSON)
			rep, err := bench.RunDeploy(cmd.Context(), o)
			if rep != nil {
				if perr := printReport(g.stdout, asJSON, rep, rep.Format); perr != nil {
					return errors.Join(err, perr)
				}
			}
			if err != nil {
				return err
			}
			if rep.Total.Failed > 0 {
				return fmt.Errorf("%d of %d requests failed during the deploys", rep.Total.Failed, rep.Total.Sent)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&o.Rate, "rate", bench.DefaultRate, "requests per second during each run")
	fl.DurationVar(&o.Delay, "delay", bench.DefaultDelay, "how long the app takes to answer each request")
	fl.IntVar(&o.Runs, "runs", bench.DefaultRuns, "how many deploys to measure")
	fl.DurationVar(&o.Duration, "duration", bench.DefaultDeployDuration, "how long the load of each run lasts")
	fl.DurationVar(&o.Settle, "settle", bench.DefaultSettle, "how long the load runs before each deploy")
	fl.BoolVar(&asJSON, "json", false, "print the figures as JSON")
	return cmd
}

func newBenchConnsCmd(g *globals) *cobra.Command {
	o := bench.ConnsOptions{}
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "conns",
		Short: "Measure the memory of holding many idle keep-alive client connections",
		Long: `conns measures what idle keep-alive client connections cost: it opens --connections connections
on 127.0.0.1 to the built-in sample app alone, then to a real "cutover serve" with the sample app
deployed; each sends one request, stays idle for --settle with the others, then sends one more.
It prints each process's memory before and with the connections, per connection, and cutover's
per-connection cost as a ratio to the app's. It fails if any connection failed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.Exe, err = selfExe(); err != nil {
				return err
			}
			o.Progress = progress(g, asJSON)
			if !cmd.Flags().Changed("connections") {
				o.Conns = 0 // the default, or fewer where the open-file limit admits fewer
			}
			rep, err := bench.RunConns(cmd.Context(), o)
			if err != nil {
				return err
			}
			if err := printReport(g.stdout, asJSON, rep, rep.Format); err != nil {
				return err
			}
			for _, t := range rep.Targets {
				if t.Failed > 0 {
					return fmt.Errorf("%s: %d of %d connections failed: %s", t.Name, t.Failed, rep.Conns, t.FirstErr)
				}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&o.Conns, "connections", bench.DefaultIdleConns, "idle keep-alive connections to hold (by default fewer where the open-file limit admits fewer)")
	fl.DurationVar(&o.Settle, "settle", bench.DefaultConnsSettle, "how long the connections stay idle before memory is read")
	fl.BoolVar(&asJSON, "json", false, "print the figures as JSON")
	return cmd
}

func newBenchLintCmd(g *globals) *cobra.Command {
	o := bench.LintOptions{}
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "lint [DIR]",
		Short: "Time cutover's migration linter, and squawk's when installed, on the same files",
		Long: `lint times "cutover migrate lint" on every *.sql file under DIR (at any depth), or on a generated
corpus of --files migrations when DIR is not given, one invocation per round, and squawk on the same
files in the same rounds when it is installed (--squawk; npm install squawk-cli ships a prebuilt
binary). It prints each linter's median wall time and statements per second, and cutover's as a
ratio to squawk's.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if o.Exe, err = selfExe(); err != nil {
				return err
			}
			if len(args) == 1 {
				o.Dir = args[0]
			}
			o.Progress = progress(g, asJSON)
			rep, err := bench.RunLint(cmd.Context(), o)
			if err != nil {
				return err
			}
			return printReport(g.stdout, asJSON, rep, rep.Format)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&o.Files, "files", bench.DefaultLintFiles, "migrations in the generated corpus (without DIR)")
	fl.IntVar(&o.Statements, "statements", bench.DefaultLintStatements, "statements per generated migration")
	fl.IntVar(&o.Rounds, "rounds", bench.DefaultLintRounds, "how many times each linter lints all the files, in turn")
	fl.StringVar(&o.Squawk, "squawk", bench.Squawk, "the squawk binary to compare with")
	fl.BoolVar(&asJSON, "json", false, "print the figures as JSON")
	return cmd
}

// newBenchProxyServerCmd is cutover's proxy in its own process for "bench proxy"; hidden from help.
func newBenchProxyServerCmd() *cobra.Command {
	var listen, backend, certFile, keyFile, dashAddr string
	var apps int
	cmd := &cobra.Command{
		Use:    "proxy-server",
		Short:  "Run cutover's proxy in front of one backend (used by bench proxy)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", listen, err)
			}
			var cfg *tls.Config
			if certFile != "" || keyFile != "" {
				if cfg, err = bench.ServerTLSConfig(certFile, keyFile); err != nil {
					ln.Close()
					return err
				}
			}
			var dash net.Listener
			if dashAddr != "" {
				if dash, err = net.Listen("tcp", dashAddr); err != nil {
					ln.Close()
					return fmt.Errorf("listen for the dashboard on %s: %w", dashAddr, err)
				}
			}
			defer gcfloor.Start(gcfloor.DefaultHeadroom).Stop() // as serve runs it
			return bench.ServeProxy(cmd.Context(), ln, backend, apps, cfg, dash, nil)
		},
	}
	cmd.Flags().StringVar(&certFile, "tls-cert", "", "PEM certificate to serve TLS with (with --tls-key)")
	cmd.Flags().StringVar(&keyFile, "tls-key", "", "PEM private key of --tls-cert")
	cmd.Flags().StringVar(&listen, "listen", "", "address to proxy from, such as 127.0.0.1:8080")
	cmd.Flags().StringVar(&backend, "backend", "", "host:port of the backend")
	cmd.Flags().StringVar(&dashAddr, "dashboard", "", "address to serve the dashboard on, with every request counted into the metrics (default: neither)")
	cmd.Flags().IntVar(&apps, "apps", bench.DefaultApps, "apps to route among by host (app1.test, app2.test, …), each with its own pool of the backend; 1 routes nothing")
	cmd.MarkFlagRequired("listen")
	cmd.MarkFlagRequired("backend")
	return cmd
}

// selfExe is the running cutover binary, which the benches and the demo run as the daemon, the
// proxy and the app.
func selfExe() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("find the cutover binary: %w", err)
	}
	return exe, nil
}

// progress is where a bench tells what it is doing: stderr when stdout carries JSON.
func progress(g *globals, asJSON bool) io.Writer {
	if asJSON {
		return g.stderr
	}
	return g.stdout
}

// printReport writes v as indented JSON, or with format.
func printReport(w io.Writer, asJSON bool, v any, format func(io.Writer) error) error {
	if !asJSON {
		fmt.Fprintln(w)
		return format(w)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
