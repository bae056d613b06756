package proxy

import (
	"context"
	"errors"
	"fmt"
	"html"
	"log/slog"
	"net"
	"net/http"
	"strconv"

	"github.com/cutover-dev/cutover/internal/report"
)

// StatusClientClosedRequest is the status observed, as in nginx, when the client went away before
// its response began. Nothing is sent.
const StatusClientClosedRequest = 499

// Errors observed in [Result.Err].
var (
	// ErrNoRelease means no pool was switched in yet.
	ErrNoRelease = errors.New("no release is serving yet")
	// ErrClientGone means the client closed its connection before the response was finished.
	ErrClientGone = errors.New("client went away")
	// ErrAmbiguousLength means the request had both Content-Length and Transfer-Encoding, which
	// can smuggle a second request past the proxy; it is refused before it reaches a backend.
	ErrAmbiguousLength = errors.New("request has both Content-Length and Transfer-Encoding")

	errNoBackends = errors.New("release has no web backends")
)

// page is a short plain HTML error page.
type page struct {
	status     int
	body       []byte
	length     string
	statusLine string // for the fast path, which writes its heads itself
	retryAfter string // the Retry-After field's value in seconds, "" for none
}

func newPage(status int, msg string) *page {
	text := html.EscapeString(fmt.Sprintf("%d %s — %s", status, http.StatusText(status), msg))
	body := fmt.Sprintf("<!doctype html>\n<title>%s</title>\n<h1>%s</h1>\n", text, text)
	return &page{status: status, body: []byte(body), length: strconv.Itoa(len(body)),
		statusLine: fmt.Sprintf("HTTP/1.1 %d %s\r\n", status, http.StatusText(status))}
}

var (
	pageNoRelease   = newPage(http.StatusBadGateway, "no release is serving yet")
	pageNoAnswer    = newPage(http.StatusBadGateway, "the app did not answer")
	pageBadResponse = newPage(http.StatusBadGateway, "the app's answer was not valid HTTP/1.1")
	pageTimeout     = newPage(http.StatusGatewayTimeout, "the app did not answer in time")
	pageAmbiguous   = newPage(http.StatusBadRequest, "the request has both Content-Length and Transfer-Encoding")
	pageMalformed   = newPage(http.StatusBadRequest, "the request is not valid HTTP/1.1")
	pageTooLarge    = newPage(http.StatusRequestHeaderFieldsTooLarge, "the request's head is too large")
	pageLineTooLong = newPage(http.StatusRequestURITooLong, "the request line is too long")
	pageCoding      = newPage(http.StatusNotImplemented, "the request's transfer coding is not supported")
	pageVersion     = newPage(http.StatusHTTPVersionNotSupported, "only HTTP/1.0 and HTTP/1.1 are supported")
)

// fail is the ReverseProxy error handler; every failure ends up in flight.fail.
func (p *Proxy) fail(w http.ResponseWriter, r *http.Request, err error) {
	f := flightOf(r.Context())
	if f == nil { // not a request of ours: cannot happen, but never leave the client hanging
		http.Error(w, http.StatusText(http.StatusBadGateway), http.StatusBadGateway)
		return
	}
	f.fail(err)
}

// startingError is ErrNoRelease while a release is starting, with the page SetStarting made.
type startingError struct{ page *page }

func (e *startingError) Error() string { return ErrNoRelease.Error() + ": a release is starting" }
func (e *startingError) Unwrap() error { return ErrNoRelease }

// fail answers the client for a request the proxy could not complete, logs why and records the
// result for Observe.
func (f *flight) fail(err error) {
	pg, err := f.classify(err)
	if f.pool != nil && f.backend >= 0 {
		err = fmt.Errorf("backend %s: %w", f.pool.backends[f.backend].Name, err)
	}
	f.err = err
	level := slog.LevelWarn
	if pg == nil {
		f.status = StatusClientClosedRequest
		level = slog.LevelDebug
	} else {
		f.status = pg.status
	}
	if f.requestID == "" {
		f.requestID = requestID(f.in.Header)
	}
	f.proxy.log.Log(f.in.Context(), level, "proxy error", "release", f.release(),
		"status", f.status, "request_id", f.requestID, "method", f.in.Method, "err", f.err)
	if pg == nil {
		return
	}
	f.writePage(pg)
}

// classify returns the page for err, or nil when the client is gone and nothing can be sent, and
// err wrapped with the sentinel that explains it.
func (f *flight) classify(err error) (*page, error) {
	// A client whose body stalled past BodyReadTimeout is gone, as on the fast path, also on
	// HTTP/2, where its stream outlives the cut.
	gone := f.in.Context().Err() != nil || f.bodyRead != nil && f.bodyRead.cutOff()
	return classify(err, f.Context != nil && context.Cause(f) == ErrCut, gone)
}

// classify is the one place that maps a failure to the page the client gets, for both paths: cut
// says the request's pool was drained past its deadline, gone that the client left.
func classify(err error, cut, gone bool) (*page, error) {
	switch {
	case errors.Is(err, ErrAmbiguousLength):
		return pageAmbiguous, err
	case errors.Is(err, errHeadTooLarge):
		return pageTooLarge, err
	case errors.Is(err, errLineTooLong):
		return pageLineTooLong, err
	case errors.Is(err, errUnsupportedT):
		return pageCoding, err
	case errors.Is(err, errVersion):
		return pageVersion, err
	case errors.Is(err, ErrMalformedRequest):
		return pageMalformed, err
	case errors.Is(err, ErrBodyTooLarge):
		return pageBodyTooLarge, err
	case errors.Is(err, errSpool):
		return pageSpool, err
	case errors.As(err, new(*startingError)):
		var se *startingError
		errors.As(err, &se)
		return se.page, err
	case errors.Is(err, ErrNoRelease):
		return pageNoRelease, err
	case errors.Is(err, ErrPaused):
		return pagePaused, err
	case errors.Is(err, ErrNoSite):
		return pageNoSite, err
	case cut:
		if !errors.Is(err, ErrCut) {
			err = fmt.Errorf("%w: %w", ErrCut, err)
		}
		return pageNoAnswer, err
	case gone || errors.Is(err, ErrClientGone):
		if !errors.Is(err, ErrClientGone) {
			err = fmt.Errorf("%w: %w", ErrClientGone, err)
		}
		return nil, err
	case isDialError(err):
		return pageNoAnswer, err
	case isTimeout(err):
		return pageTimeout, err
	case errors.Is(err, errBadResponse):
		return pageBadResponse, err
	default:
		return pageNoAnswer, err
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

func (f *flight) release() string {
	if f.pool == nil {
		return ""
	}
	return f.pool.release
}

// Outcome classifies the request for the deploy figures: answered, or how it failed.
func (r Result) Outcome() report.Outcome {
	switch {
	case r.Err == nil && r.Status >= 500:
		return report.AppError
	case r.Err == nil:
		return report.OK
	case errors.Is(r.Err, ErrClientGone) || r.Status == StatusClientClosedRequest:
		return report.ClientGone
	case r.Status == http.StatusGatewayTimeout:
		return report.Timeout
	case r.Status >= 400 && r.Status < 500 || r.Status == http.StatusNotImplemented || r.Status == http.StatusHTTPVersionNotSupported:
		return report.Refused
	}
	return report.ProxyError
}
