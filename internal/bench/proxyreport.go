package bench

import "time"

// ProxyReport is what RunProxy measured. Durations encode to JSON as nanoseconds.
type ProxyReport struct {
	Connections   int           `json:"connections"`
	Rounds        int           `json:"rounds"`
	RoundDuration time.Duration `json:"round_duration_ns"`
	Backend       string        `json:"backend"` // the backend's address
	// Apps is how many apps cutover's proxy routed among in its second row, and how many Host
	// headers every target's requests went through; 1 for one app, one row.
	Apps int `json:"apps"`
	// TLS says what the proxies were driven over with ProxyOptions.TLS, "" for plain HTTP.
	TLS string `json:"tls,omitempty"`
	// Targets are the backend alone, cutover's proxy (as one app, then routing among
	// ProxyOptions.Apps apps when there are more, then observed with ProxyOptions.Observed), then
	// each comparator measured, in the order they were driven in each round.
	Targets []TargetResult `json:"targets"`
	// Missing are the comparators asked for that could not be measured.
	Missing []Missing `json:"missing"`
	// Observed is what the dashboard tabs of TargetObserved saw; nil without ProxyOptions.Observed.
	Observed *ObservedReport `json:"observed,omitempty"`
}

// TargetResult is the figures of one target over all rounds. The ratios compare it with the
// backend alone in the same run: requests per second as a fraction of the backend's, latencies as
// multiples of the backend's.
type TargetResult struct {
	Name           string        `json:"name"`
	Addr           string        `json:"addr"`
	Requests       int64         `json:"requests"` // answered with 2xx
	Errors         int64         `json:"errors"`   // transport errors and other statuses
	FirstError     string        `json:"first_error,omitempty"`
	RequestsPerSec float64       `json:"requests_per_sec"`
	RoundsPerSec   []float64     `json:"rounds_requests_per_sec"`
	P50            time.Duration `json:"p50_ns"`
	P99            time.Duration `json:"p99_ns"`
	RatioPerSec    float64       `json:"ratio_requests_per_sec"`
	RatioP50       float64       `json:"ratio_p50"`
	RatioP99       float64       `json:"ratio_p99"`
	// HandshakesPerSec is how many requests per second were answered each on a new TLS
	// connection (no session resumption), 0 for a target not driven over TLS.
	HandshakesPerSec float64 `json:"handshakes_per_sec,omitempty"`
	// HandshakeErrors counts the failures of those requests.
	HandshakeErrors int64 `json:"handshake_errors,omitempty"`
	// TLS says whether the target was driven over TLS.
	TLS bool `json:"tls,omitempty"`
	// Apps is how many apps cutover's proxy routed among, 0 for a target that is not cutover's.
	Apps int `json:"apps,omitempty"`
	// CPUPerRequest is the CPU time (user and system) the target's processes spent per request
	// answered on keep-alive connections, and CPUPerHandshake per request on a new TLS connection:
	// unlike requests per second, these hardly depend on what else the machine's cores do, the
	// load driver among it. 0 when not known: a target given as a URL, or not on Linux.
	CPUPerRequest   time.Duration `json:"cpu_per_request_ns,omitempty"`
	CPUPerHandshake time.Duration `json:"cpu_per_handshake_ns,omitempty"`
}

// Target returns the result of the target named name, or nil.
func (r *ProxyReport) Target(name string) *TargetResult {
	for i := range r.Targets {
		if r.Targets[i].Name == name {
			return &r.Targets[i]
		}
	}
	return nil
}

// results turns the measured targets into TargetResults with ratios to the first, the backend.
func results(targets []*target) []TargetResult {
	out := make([]TargetResult, len(targets))
	for i, t := range targets {
		r := TargetResult{
			Name: t.name, Addr: t.addr, Apps: t.apps, Requests: t.total.Requests, Errors: t.total.Errors,
			RoundsPerSec: t.rounds, P50: t.total.hist.Quantile(0.50), P99: t.total.hist.Quantile(0.99),
			CPUPerRequest: t.cpu.per(t.total.Requests),
		}
		if t.total.FirstErr != nil {
			r.FirstError = t.total.FirstErr.Error()
		}
		if t.total.Elapsed > 0 {
			r.RequestsPerSec = float64(t.total.Requests) / t.total.Elapsed.Seconds()
		}
		if r.TLS = t.sec != nil; r.TLS {
			r.HandshakeErrors = t.handshakes.Errors
			r.CPUPerHandshake = t.hsCPU.per(t.handshakes.Requests)
			if t.handshakes.Elapsed > 0 {
				r.HandshakesPerSec = float64(t.handshakes.Requests) / t.handshakes.Elapsed.Seconds()
			}
			if r.FirstError == "" && t.handshakes.FirstErr != nil {
				r.FirstError = t.handshakes.FirstErr.Error()
			}
		}
		out[i] = r
	}
	base := out[0]
	for i := range out {
		out[i].RatioPerSec = ratio(out[i].RequestsPerSec, base.RequestsPerSec)
		out[i].RatioP50 = ratio(float64(out[i].P50), float64(base.P50))
		out[i].RatioP99 = ratio(float64(out[i].P99), float64(base.P99))
	}
	return out
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
