package loadgen

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// Defaults and bounds of Options.
const (
	// DefaultConcurrency is the number of workers, or in open loop the most
	// requests outstanding at once, when Options.Concurrency is 0.
	DefaultConcurrency = 16
	// DefaultMaxDuration is the longest run Run accepts.
	DefaultMaxDuration = 10 * time.Minute
	// DefaultRequestTimeout bounds each request when Options.Timeout is 0.
	DefaultRequestTimeout = 10 * time.Second
	// MaxConcurrency is the most workers Run accepts.
	MaxConcurrency = 4096
	// MaxRate is the highest open-loop rate Run accepts, in requests per second.
	MaxRate = 100_000
)

// ErrNotLoopback is returned for a URL whose host is not a loopback
// address: loadgen is a test tool and only loads the local machine.
var ErrNotLoopback = errors.New("loadgen only sends to a loopback address such as 127.0.0.1, localhost or [::1]")

// Options describe one bounded run.
type Options struct {
	// URL is where every request goes; its host must be a loopback address.
	URL string
	// Rate is the open-loop rate in requests per second: requests are
	// scheduled on a fixed clock and their latency counts from the
	// scheduled time, so a stalled server cannot hide its stall by slowing
	// the sender (coordinated omission). 0 means closed loop: Concurrency
	// workers each send a request as soon as their previous one ends.
	Rate int
	// Concurrency is the number of workers in closed loop, or the most
	// requests outstanding at once in open loop; 0 means DefaultConcurrency.
	Concurrency int
	// Duration bounds the run; it is required and at most DefaultMaxDuration.
	// No request starts after it; requests in flight then finish.
	Duration time.Duration
	// MaxRequests also ends the run once that many requests were sent; 0
	// means no limit but Duration.
	MaxRequests int
	// Method is the HTTP method; "" means GET.
	Method string
	// Body is sent with every request; nil means none.
	Body []byte
	// Host, if set, is the Host header of every request (an app's name on a daemon that routes by
	// host), while the connection still goes to URL's loopback address.
	Host string
	// Timeout bounds each request, reading the body included; 0 means
	// DefaultRequestTimeout.
	Timeout time.Duration
	// VersionHeader names a response header, such as "X-App-Version", whose
	// value each Sample records; "" records none.
	VersionHeader string
	// KeepSamples keeps every Sample in the Result, which Window needs;
	// otherwise only aggregates are kept.
	KeepSamples bool
}

// withDefaults checks o and fills in its defaults.
func (o Options) withDefaults() (Options, error) {
	if err := checkLoopback(o.URL); err != nil {
		return o, err
	}
	switch {
	case o.Duration <= 0 || o.Duration > DefaultMaxDuration:
		return o, fmt.Errorf("duration %v is out of bounds; give a positive duration up to %v", o.Duration, DefaultMaxDuration)
	case o.Rate < 0 || o.Rate > MaxRate:
		return o, fmt.Errorf("rate %d is out of bounds; give 0 for closed loop or up to %d requests per second", o.Rate, MaxRate)
	case o.Concurrency < 0 || o.Concurrency > MaxConcurrency:
		return o, fmt.Errorf("concurrency %d is out of bounds; give 0 for %d or up to %d", o.Concurrency, DefaultConcurrency, MaxConcurrency)
	case o.MaxRequests < 0:
		return o, fmt.Errorf("max requests %d is negative; give 0 for no limit", o.MaxRequests)
	case o.Timeout < 0:
		return o, fmt.Errorf("timeout %v is negative; give 0 for %v", o.Timeout, DefaultRequestTimeout)
	}
	if o.Concurrency == 0 {
		o.Concurrency = DefaultConcurrency
	}
	if o.Timeout == 0 {
		o.Timeout = DefaultRequestTimeout
	}
	if o.Method == "" {
		o.Method = "GET"
	}
	return o, nil
}

func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("parse url %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("url %q: scheme must be http or https", raw)
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); strings.EqualFold(host, "localhost") || ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("url %q: %w", raw, ErrNotLoopback)
}
