package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// driveH2 is drive over HTTP/2: conns goroutines send GET requests one after another through one
// net/http client, which multiplexes them as streams over as few TLS connections as the target's
// stream limit allows. net/http's client costs more per request than the HTTP/1.1 driver, and
// the same for every target.
func driveH2(ctx context.Context, l load, conns int, d time.Duration) (*round, error) {
	var protos http.Protocols
	protos.SetHTTP2(true)
	tr := &http.Transport{
		TLSClientConfig:     l.tls.Clone(),
		Protocols:           &protos,
		MaxIdleConnsPerHost: conns,
		DisableCompression:  true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: DefaultRequestTimeout}
	url := "https://" + l.addr + l.path
	start := time.Now()
	deadline := start.Add(d)
	rounds := make([]round, conns)
	var wg sync.WaitGroup
	hosts := l.hostHeaders()
	for i := range rounds {
		wg.Go(func() { loopH2(ctx, client, url, hosts, i, deadline, &rounds[i]) })
	}
	wg.Wait()
	total := &round{Elapsed: time.Since(start)}
	for i := range rounds {
		total.merge(&rounds[i])
	}
	return total, ctx.Err()
}

// loopH2 is one stream of driveH2 at a time: request after request until deadline, with the
// Host headers of hosts in turn from next on.
func loopH2(ctx context.Context, client *http.Client, url string, hosts []string, next int, deadline time.Time, r *round) {
	reqs := make([]*http.Request, len(hosts))
	for i, h := range hosts {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			r.Errors++
			r.FirstErr = err
			return
		}
		req.Host = h
		req.Header.Set("User-Agent", "cutover-bench")
		reqs[i] = req
	}
	for ctx.Err() == nil && time.Now().Before(deadline) {
		req := reqs[next%len(reqs)]
		next++
		t0 := time.Now()
		res, err := client.Do(req)
		if err == nil {
			_, err = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if err == nil && (res.StatusCode < 200 || res.StatusCode > 299) {
				err = fmt.Errorf("status %d", res.StatusCode)
			}
			if err == nil && res.ProtoMajor != 2 {
				err = fmt.Errorf("answered over HTTP/%d.%d, not HTTP/2", res.ProtoMajor, res.ProtoMinor)
			}
		}
		if err != nil {
			r.Errors++
			if r.FirstErr == nil {
				r.FirstErr = err
			}
			continue
		}
		r.Requests++
		r.hist.Record(time.Since(t0))
	}
}
