// Package health decides when a freshly booted process is ready for traffic: its health path must
// answer 2xx several times in a row, polled at a short interval so readiness is seen quickly.
package health

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Defaults for a health check.
const (
	DefaultInterval       = 50 * time.Millisecond
	DefaultThreshold      = 3 // consecutive passes: one lucky answer from a flapping app is not health
	DefaultRequestTimeout = 2 * time.Second
)

// ErrExited is returned when the process exits before it became healthy.
var ErrExited = errors.New("the process exited before it became healthy")

// Check polls one URL.
type Check struct {
	URL       string
	Interval  time.Duration // zero means DefaultInterval
	Threshold int           // zero means DefaultThreshold
	Client    *http.Client  // nil means a private client with DefaultRequestTimeout
}

// UnhealthyError says why a check never passed: the last answer and how often it passed and failed.
type UnhealthyError struct {
	URL            string
	Threshold      int
	Passes, Fails  int
	Last           string
	ContextErr     error
	EverReachedApp bool
	Location       string // where the last answer redirected to, when it was a 3xx
}

func (e *UnhealthyError) Error() string {
	switch {
	case e.Location != "":
		return fmt.Sprintf("%s redirected (last: %s, Location: %s) instead of answering 2xx: the health check does not follow redirects. "+
			"If the app forces HTTPS, exempt the health path; for Rails' force_ssl: "+
			"config.ssl_options = { redirect: { exclude: ->(request) { request.path == %q } } }",
			e.URL, e.Last, e.Location, healthPath(e.URL))
	case !e.EverReachedApp:
		return fmt.Sprintf("%s never answered (last: %s): is the app listening on $PORT?", e.URL, e.Last)
	case e.Passes > 0:
		return fmt.Sprintf("%s is flapping: %d passes and %d failures, never %d in a row (last: %s)",
			e.URL, e.Passes, e.Fails, e.Threshold, e.Last)
	default:
		return fmt.Sprintf("%s never passed (last: %s): it must answer 2xx once the app is ready", e.URL, e.Last)
	}
}

func (e *UnhealthyError) Unwrap() error { return e.ContextErr }

// Wait polls until the check passes Threshold times in a row (nil), exited is closed (ErrExited), or
// ctx is done (*UnhealthyError wrapping ctx's error). The caller bounds it with the boot timeout.
func (c Check) Wait(ctx context.Context, exited <-chan struct{}) error {
	interval, threshold, client := c.Interval, c.Threshold, c.Client
	if interval <= 0 {
		interval = DefaultInterval
	}
	if threshold <= 0 {
		threshold = DefaultThreshold
	}
	if client == nil {
		tr := &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 1}
		defer tr.CloseIdleConnections()
		client = &http.Client{Transport: tr, Timeout: DefaultRequestTimeout, CheckRedirect: noRedirects}
	}
	st := &UnhealthyError{URL: c.URL, Threshold: threshold, Last: "no answer yet"}
	streak := 0
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if c.probe(ctx, client, st) {
			streak++
			if streak >= threshold {
				return nil
			}
		} else {
			streak = 0
		}
		select {
		case <-ctx.Done():
			st.ContextErr = ctx.Err()
			return st
		case <-exited:
			return ErrExited
		case <-t.C:
		}
	}
}

// probe makes one request and records its outcome in st.
func (c Check) probe(ctx context.Context, client *http.Client, st *UnhealthyError) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.URL, nil)
	if err != nil {
		st.Last = err.Error()
		st.Fails++
		return false
	}
	req.Header.Set("User-Agent", "cutover-health")
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return false // cut by the deadline: the last real answer says more
		}
		st.Last = err.Error()
		st.Fails++
		return false
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	st.EverReachedApp = true
	st.Last = resp.Status
	st.Location = ""
	if resp.StatusCode/100 == 3 {
		st.Location = resp.Header.Get("Location")
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		st.Fails++
		return false
	}
	st.Passes++
	return true
}

// noRedirects makes a client return a redirect as the answer: a health path that redirects (to
// https, to a login page) is not healthy, and following it would hide why.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// healthPath is the path of a health URL, for advice.
func healthPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Path == "" {
		return "/up"
	}
	return u.Path
}
