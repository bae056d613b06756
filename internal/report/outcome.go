package report

import (
	"fmt"
	"strings"
)

// Outcome is how a request ended, as the proxy saw it: answered, or failed in one of a few ways.
type Outcome uint8

// Outcomes. Every one but OK counts as failed.
const (
	OK         Outcome = iota
	AppError           // the app answered with a 5xx status
	ProxyError         // the proxy could not get an answer from the app: 502, 503, or an answer cut off
	Timeout            // the app did not start its answer in time: 504
	ClientGone         // the client left before its answer was complete
	Refused            // the proxy refused a malformed request: 400, 431, 501, 505
)

// Failures counts failed requests by outcome.
type Failures struct {
	AppError   int64 `json:"app_5xx"`
	ProxyError int64 `json:"proxy_error"`
	Timeout    int64 `json:"timeout"`
	ClientGone int64 `json:"client_gone"`
	Refused    int64 `json:"refused"`
}

// add counts n requests that ended with o.
func (f *Failures) add(o Outcome, n int64) {
	switch o {
	case AppError:
		f.AppError += n
	case ProxyError:
		f.ProxyError += n
	case Timeout:
		f.Timeout += n
	case ClientGone:
		f.ClientGone += n
	case Refused:
		f.Refused += n
	}
}

// merge adds g's counts to f.
func (f *Failures) merge(g Failures) {
	f.AppError += g.AppError
	f.ProxyError += g.ProxyError
	f.Timeout += g.Timeout
	f.ClientGone += g.ClientGone
	f.Refused += g.Refused
}

// Total is the number of failed requests.
func (f Failures) Total() int64 {
	return f.AppError + f.ProxyError + f.Timeout + f.ClientGone + f.Refused
}

// String lists the outcomes that occurred, such as "2 app 5xx, 1 timeout", or "" if none did.
func (f Failures) String() string {
	var parts []string
	for _, c := range []struct {
		n    int64
		name string
	}{{f.AppError, "app 5xx"}, {f.ProxyError, "proxy error"}, {f.Timeout, "timeout"}, {f.ClientGone, "client gone"}, {f.Refused, "refused as malformed"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.name))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, ", ")
}
