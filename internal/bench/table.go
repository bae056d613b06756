package bench

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cutover-dev/cutover/internal/report"
)

// Format writes r as a table for a terminal: one row per target with requests per second, p50
// and p99, each with its ratio to the backend alone (and TLS handshakes per second in a TLS bench),
// then how cutover compares with each comparator and which comparators were not measured.
func (r *ProxyReport) Format(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "cutover bench proxy: %d keep-alive connections, %d rounds of %s per target, backend on %s\n",
		r.Connections, r.Rounds, report.FormatDuration(r.RoundDuration), r.Backend)
	if r.TLS != "" {
		fmt.Fprintf(&b, "proxies driven over %s; the backend alone over plain HTTP/1.1;\n"+
			"HS/S: requests/s with a new connection and full TLS handshake each (no resumption), CPU/HS: the CPU time of each\n", r.TLS)
	}
	b.WriteString("CPU/REQ: the CPU time the target's processes spent per request (user and system; - where not known)\n")
	if r.Apps > 1 {
		fmt.Fprintf(&b, "requests' Host headers go through %s … %s in turn; %s routes them among %d sites, %s takes them all unrouted\n",
			AppHost(1), AppHost(r.Apps), CutoverApps(r.Apps), r.Apps, TargetCutover)
	}
	b.WriteByte('\n')
	width := len("TARGET")
	for _, t := range r.Targets {
		width = max(width, len(t.Name))
	}
	hsHead := ""
	if r.TLS != "" {
		hsHead = fmt.Sprintf(" %8s %8s", "HS/S", "CPU/HS")
	}
	fmt.Fprintf(&b, "%-*s %9s %9s %9s %9s %9s %9s %7s %8s%s  %s\n", width,
		"TARGET", "REQ/S", "×BACKEND", "P50", "×BACKEND", "P99", "×BACKEND", "ERRORS", "CPU/REQ", hsHead, "REQ/S BY ROUND")
	for _, t := range r.Targets {
		rounds := make([]string, len(t.RoundsPerSec))
		for i, v := range t.RoundsPerSec {
			rounds[i] = fmt.Sprintf("%.0f", v)
		}
		hs := ""
		switch {
		case r.TLS == "":
		case t.TLS:
			hs = fmt.Sprintf(" %8.0f %8s", t.HandshakesPerSec, cpuTime(t.CPUPerHandshake))
		default:
			hs = fmt.Sprintf(" %8s %8s", "-", "-")
		}
		fmt.Fprintf(&b, "%-*s %9.0f %9.2f %9s %9.2f %9s %9.2f %7d %8s%s  %s\n", width,
			t.Name, t.RequestsPerSec, t.RatioPerSec, report.FormatDuration(t.P50), t.RatioP50,
			report.FormatDuration(t.P99), t.RatioP99, t.Errors+t.HandshakeErrors, cpuTime(t.CPUPerRequest), hs, strings.Join(rounds, " "))
	}
	if cut, obs := r.Target(TargetCutover), r.Target(TargetObserved); cut != nil && obs != nil {
		fmt.Fprintf(&b, "\ncutover with metrics and the dashboard vs without: %.2f× the requests/s, %.2f× the p50, %.2f× the p99",
			ratio(obs.RequestsPerSec, cut.RequestsPerSec), ratio(float64(obs.P50), float64(cut.P50)), ratio(float64(obs.P99), float64(cut.P99)))
		if o := r.Observed; o != nil {
			fmt.Fprintf(&b, "\n(%d of %d dashboard tabs connected, %d status events read, %d streams reopened)", o.Connected, o.Tabs, o.Events, o.Reopened)
		}
		b.WriteByte('\n')
	}
	if cut := r.Target(TargetCutover); cut != nil {
		compared := false
		for _, t := range r.Targets {
			if t.Name == TargetBackend || t.Name == TargetCutover || t.Name == TargetObserved {
				continue
			}
			if t.Apps > 1 {
				fmt.Fprintf(&b, "\ncutover routing among %d apps vs 1 app: ", t.Apps)
				compareTargets(&b, &t, cut)
			} else {
				fmt.Fprintf(&b, "\ncutover vs %s: ", t.Name)
				compareTargets(&b, cut, &t)
			}
			compared = true
		}
		if compared {
			b.WriteByte('\n')
		}
	}
	for _, t := range r.Targets {
		if t.FirstError != "" {
			fmt.Fprintf(&b, "\n%s: first error: %s", t.Name, t.FirstError)
		}
	}
	if o := r.Observed; o != nil && o.FirstError != "" {
		fmt.Fprintf(&b, "\n%s: dashboard tabs: first error: %s", TargetObserved, o.FirstError)
	}
	for _, m := range r.Missing {
		fmt.Fprintf(&b, "\nnot measured: %s: %s", m.Name, m.Reason)
	}
	b.WriteByte('\n')
	return writeAll(w, &b)
}

// compareTargets writes a's figures as multiples of b's.
func compareTargets(w io.Writer, a, b *TargetResult) {
	fmt.Fprintf(w, "%.2f× the requests/s, %.2f× the p50, %.2f× the p99",
		ratio(a.RequestsPerSec, b.RequestsPerSec), ratio(float64(a.P50), float64(b.P50)), ratio(float64(a.P99), float64(b.P99)))
	if a.CPUPerRequest > 0 && b.CPUPerRequest > 0 {
		fmt.Fprintf(w, ", %.2f× the CPU per request", ratio(float64(a.CPUPerRequest), float64(b.CPUPerRequest)))
	}
	if a.TLS && b.TLS {
		fmt.Fprintf(w, ", %.2f× the handshakes/s", ratio(a.HandshakesPerSec, b.HandshakesPerSec))
		if a.CPUPerHandshake > 0 && b.CPUPerHandshake > 0 {
			fmt.Fprintf(w, " (%.2f× the CPU per handshake)", ratio(float64(a.CPUPerHandshake), float64(b.CPUPerHandshake)))
		}
	}
}

// cpuTime writes a CPU time per request in microseconds, "-" when not known.
func cpuTime(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
}

// Format writes r as two tables for a terminal: what each run's requests met (sent, failed by
// class), then latency steady and during the deploy, the time from healthy to the first request
// served and the daemon's peak memory; a last row adds the runs up.
func (r *DeployReport) Format(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "cutover bench deploy: %d req/s of %s requests, %s of load per run with the deploy after %s, %d runs\n",
		r.Rate, report.FormatDuration(r.Delay), report.FormatDuration(r.Duration), report.FormatDuration(r.Settle), len(r.Runs))
	fmt.Fprintf(&b, "daemon (cutover serve, pid %d): RSS %s idle with v1 live, %s at its peak\n\n", r.DaemonPid, report.FormatBytes(r.IdleRSS), report.FormatBytes(r.PeakRSS))

	const reqRow = "%-5s %-14s %8s %8s %7s %8s %6s %5s %8s %6s %8s %7s\n"
	fmt.Fprintf(&b, reqRow, "RUN", "RELEASE", "DEPLOY", "SENT", "FAILED", "REFUSED", "RESET", "5XX", "TIMEOUT", "OTHER", "RETRIES", "UNSENT")
	for _, run := range r.Runs {
		took := "-"
		if !run.DeployStart.IsZero() {
			took = report.FormatDuration(run.DeployDuration())
		}
		loadRow(&b, reqRow, fmt.Sprint(run.Run), fmt.Sprintf("%s (app %s)", run.Release, run.Version), took, run.Load)
	}
	loadRow(&b, reqRow, "all", "", "", r.Total)

	const latRow = "%-5s %10s %10s %10s %10s %9s %14s %9s\n"
	fmt.Fprintf(&b, "\n"+latRow, "RUN", "STEADY P50", "STEADY P99", "DEPLOY P50", "DEPLOY P99", "P99 RATIO", "HEALTHY→FIRST", "PEAK RSS")
	for _, run := range r.Runs {
		first := "-"
		if !run.FirstServedAt.IsZero() && !run.HealthyAt.IsZero() {
			first = report.FormatDuration(run.HealthyToFirst)
		}
		latencyRow(&b, latRow, fmt.Sprint(run.Run), run.Load, first, report.FormatBytes(run.PeakRSS))
	}
	latencyRow(&b, latRow, "all", r.Total, "max "+report.FormatDuration(r.MaxHealthyToFirst), report.FormatBytes(r.PeakRSS))

	const recRow = "%-5s %-8s %9s %7s %10s %10s %14s %9s\n"
	fmt.Fprintf(&b, "\nthe daemon's own record of each deploy (cutover releases ID), from the proxy's side:\n"+recRow,
		"RUN", "RELEASE", "REQUESTS", "FAILED", "P99", "P99 BEFORE", "HEALTHY→FIRST", "PEAK RSS")
	for _, run := range r.Runs {
		if rec := run.Recorded; rec != nil {
			fmt.Fprintf(&b, recRow, fmt.Sprint(run.Run), run.Release, fmt.Sprint(rec.Requests), fmt.Sprint(rec.Failed),
				report.FormatDuration(rec.P99), report.FormatDuration(rec.SteadyP99), report.FormatDuration(rec.HealthyToFirst),
				report.FormatBytes(rec.PeakRSS))
		}
	}

	b.WriteString("\nHEALTHY→FIRST: from the new release passing its health check to it serving its first request\n" +
		"(its first answer, less the app's delay; in the daemon's record, the proxy sending it the request).\n")
	for _, run := range r.Runs {
		if run.Warning != "" {
			fmt.Fprintf(&b, "run %d: %s\n", run.Run, run.Warning)
		}
		if run.Error != "" {
			fmt.Fprintf(&b, "run %d: the deploy failed: %s\n", run.Run, run.Error)
		}
	}
	return writeAll(w, &b)
}

func loadRow(b *bytes.Buffer, format, run, rel, took string, l Load) {
	fmt.Fprintf(b, format, run, rel, took, fmt.Sprint(l.Sent), fmt.Sprint(l.Failed), fmt.Sprint(l.Refused),
		fmt.Sprint(l.Reset), fmt.Sprint(l.ServerError), fmt.Sprint(l.Timeout), fmt.Sprint(l.Other),
		fmt.Sprint(l.Retries), fmt.Sprint(l.Unsent))
}

func latencyRow(b *bytes.Buffer, format, run string, l Load, first, rss string) {
	d := func(v time.Duration) string { return report.FormatDuration(v) }
	p99 := "-"
	if l.Steady.P99 > 0 && l.Deploy.Requests > 0 {
		p99 = fmt.Sprintf("%.2f×", ratio(float64(l.Deploy.P99), float64(l.Steady.P99)))
	}
	fmt.Fprintf(b, format, run, d(l.Steady.P50), d(l.Steady.P99), d(l.Deploy.P50), d(l.Deploy.P99), p99, first, rss)
}

func writeAll(w io.Writer, b *bytes.Buffer) error {
	if _, err := w.Write(b.Bytes()); err != nil {
		return fmt.Errorf("write the bench figures: %w", err)
	}
	return nil
}

// Format writes the report as a table.
func (r *ConnsReport) Format(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "cutover bench conns: %d idle keep-alive client connections, each after one request, memory read after %s idle\n\n",
		r.Conns, report.FormatDuration(r.Settle))
	const row = "%-14s %8s %10s %14s %10s %9s %7s\n"
	fmt.Fprintf(&b, row, "TARGET", "PID", "IDLE RSS", "RSS WITH CONNS", "PEAK RSS", "PER CONN", "FAILED")
	for _, t := range r.Targets {
		peak := "-"
		if t.Peak > 0 {
			peak = report.FormatBytes(t.Peak)
		}
		fmt.Fprintf(&b, row, t.Name, fmt.Sprint(t.Pid), report.FormatBytes(t.IdleRSS), report.FormatBytes(t.RSS), peak, formatPerConn(t.PerConn), fmt.Sprint(t.Failed))
	}
	if r.PerConnRatio > 0 {
		fmt.Fprintf(&b, "\ncutover serve per connection: %.2f× the app alone's (a Go net/http server).\n", r.PerConnRatio)
	}
	for _, t := range r.Targets {
		if t.FirstErr != "" {
			fmt.Fprintf(&b, "%s: first failure: %s\n", t.Name, t.FirstErr)
		}
	}
	return writeAll(w, &b)
}
