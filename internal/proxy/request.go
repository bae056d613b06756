package proxy

import (
	"bytes"
	"errors"
	"fmt"
)

// ErrMalformedRequest means a request broke HTTP/1.1's syntax in a way that could make the proxy and
// the backend disagree about where it ends (obs-fold, a bare LF, Content-Length twice, a bad chunk
// size, ...). The client gets 400 (431, 501 or 505 where those say more) and its connection is
// closed. [ErrAmbiguousLength] is reported for Content-Length with Transfer-Encoding.
var ErrMalformedRequest = errors.New("malformed request")

// Reasons a request is refused before, or while, it is passed on.
var (
	errBareLF       = fmt.Errorf("%w: a line ends in a bare LF", ErrMalformedRequest)
	errRequestLine  = fmt.Errorf("%w: bad request line", ErrMalformedRequest)
	errField        = fmt.Errorf("%w: bad header field line, or obs-fold", ErrMalformedRequest)
	errHost         = fmt.Errorf("%w: no Host, or more than one", ErrMalformedRequest)
	errHostValue    = fmt.Errorf("%w: Host is not a host and port", ErrMalformedRequest)
	errDupLength    = fmt.Errorf("%w: Content-Length given twice", ErrMalformedRequest)
	errBadLength    = fmt.Errorf("%w: bad Content-Length", ErrMalformedRequest)
	errBadTE        = fmt.Errorf("%w: Transfer-Encoding does not end in chunked", ErrMalformedRequest)
	errTE10         = fmt.Errorf("%w: Transfer-Encoding in an HTTP/1.0 request", ErrMalformedRequest)
	errChunkSize    = fmt.Errorf("%w: bad chunk size line", ErrMalformedRequest)
	errChunkEnd     = fmt.Errorf("%w: chunk data not followed by CRLF", ErrMalformedRequest)
	errTrailer      = fmt.Errorf("%w: bad trailer field", ErrMalformedRequest)
	errHeadTooLarge = fmt.Errorf("%w: head too large", ErrMalformedRequest)
	errLineTooLong  = fmt.Errorf("%w: request line too long", ErrMalformedRequest)
	errUnsupportedT = fmt.Errorf("%w: transfer coding other than chunked", ErrMalformedRequest)
	errVersion      = fmt.Errorf("%w: HTTP version other than 1.0 and 1.1", ErrMalformedRequest)
)

// request is a parsed request head. Its slices point into the client connection's read buffer.
type request struct {
	head            []byte // the whole head
	lineEnd         int    // where the request line ends, line end included
	method, target  []byte
	minor           int // HTTP/1.minor
	fields          []field
	host            []byte
	hosts           int
	length          int64 // Content-Length, -1 if none
	te              bool  // a Transfer-Encoding field came
	chunked         bool  // ... and it ends in chunked
	otherCoding     bool  // ... and names another coding as well
	close           bool  // Connection: close, or HTTP/1.0 without keep-alive
	keepAlive       bool  // Connection: keep-alive
	connUpgrade     bool  // Connection: upgrade
	upgrade         bool  // an Upgrade field came
	expect          bool  // an Expect field came
	teTrailers      bool  // TE: trailers
	requestID       []byte
	requestIDs      int
	tokens          [][]byte // other options of Connection: fields named so are hop-by-hop
	handover        []byte   // Cutover-Handover, nil if none came (see handover.go)
	forwardedHTTPS  bool     // one X-Forwarded-Proto, https: believed from a handing-over daemon or a trusted proxy
	forwardedProtos int      // how many X-Forwarded-Proto fields came
	privateCookies  bool     // a Cookie field holds PrivateCookie (kindPrivateCookie)
}

// parse parses a complete head, as found by scanHead, without leading empty lines.
func (h *request) parse(head []byte) error {
	*h = request{head: head, fields: h.fields[:0], tokens: h.tokens[:0], length: -1}
	line, rest := cutLine(head)
	if len(line) > MaxRequestLineBytes {
		return errLineTooLong
	}
	if err := h.startLine(line); err != nil {
		return err
	}
	h.lineEnd = len(head) - len(rest)
	for {
		start := len(head) - len(rest)
		line, rest = cutLine(rest)
		if len(line) == 0 {
			break
		}
		if len(line) > MaxFieldBytes {
			return errHeadTooLarge
		}
		f, ok := parseField(line)
		if !ok {
			return errField
		}
		f.start, f.end = int32(start), int32(len(head)-len(rest))
		if f.kind == kindOther && len(f.name) == len("cookie") && is(f.name, "cookie") && holdsPrivateCookie(f.value) {
			f.kind = kindPrivateCookie
			h.privateCookies = true
		}
		if len(h.fields) == maxFields {
			return errHeadTooLarge
		}
		h.fields = append(h.fields, f)
		if err := h.note(f); err != nil {
			return err
		}
	}
	return h.settle()
}

// startLine parses "METHOD target HTTP/1.x".
func (h *request) startLine(line []byte) error {
	method, rest, ok := bytes.Cut(line, []byte{' '})
	if !ok || len(method) == 0 {
		return errRequestLine
	}
	for _, c := range method {
		if !isTchar[c] {
			return errRequestLine
		}
	}
	target, version, ok := bytes.Cut(rest, []byte{' '})
	if !ok || len(target) == 0 {
		return errRequestLine
	}
	for _, c := range target {
		if !isTargetByte[c] {
			return errRequestLine
		}
	}
	if !pathEscapesValid(target) {
		return errRequestLine
	}
	switch string(version) {
	case "HTTP/1.1":
		h.minor = 1
	case "HTTP/1.0":
		h.minor = 0
	default:
		if len(version) == 8 && bytes.HasPrefix(version, []byte("HTTP/")) && version[6] == '.' &&
			isDigit(version[5]) && isDigit(version[7]) {
			return errVersion
		}
		return errRequestLine
	}
	h.method, h.target = method, target
	return nil
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// pathEscapesValid reports whether every % in the target's path (before any query) starts a
// two-digit hex escape, as net/http requires of a request (a Go app answers 400 otherwise) and
// RFC 3986 of every URI. The query is left as net/http leaves it.
func pathEscapesValid(target []byte) bool {
	if i := bytes.IndexByte(target, '?'); i >= 0 {
		target = target[:i]
	}
	for i := bytes.IndexByte(target, '%'); i >= 0; i = bytes.IndexByte(target, '%') {
		if i+2 >= len(target) || unhex(target[i+1]) < 0 || unhex(target[i+2]) < 0 {
			return false
		}
		target = target[i+3:]
	}
	return true
}

// note takes in what a field says about the request as a whole.
func (h *request) note(f field) error {
	switch f.kind {
	case kindHost:
		h.hosts++
		h.host = f.value
		for _, c := range f.value {
			if !isHostByte[c] {
				return errHostValue
			}
		}
	case kindContentLength:
		if h.length >= 0 {
			return errDupLength
		}
		n, ok := parseLength(f.value)
		if !ok {
			return errBadLength
		}
		h.length = n
	case kindTransferEncoding:
		return h.codings(f.value)
	case kindConnection:
		for v := f.value; len(v) > 0; {
			var tok []byte
			tok, v = nextToken(v)
			switch {
			case len(tok) == 0:
			case is(tok, "close"):
				h.close = true
			case is(tok, "keep-alive"):
				h.keepAlive = true
			case is(tok, "upgrade"):
				h.connUpgrade = true
			default:
				h.tokens = append(h.tokens, tok)
			}
		}
	case kindTE:
		h.teTrailers = h.teTrailers || hasToken(f.value, "trailers")
	case kindUpgrade:
		h.upgrade = true
	case kindExpect:
		h.expect = true
	case kindRequestID:
		h.requestIDs++
		h.requestID = f.value
	case kindHandover:
		h.handover = f.value
	case kindForwardedProto:
		// Believed only as one field: two say different things, or a proxy passed a client's on.
		h.forwardedHTTPS = h.forwardedProtos == 0 && is(f.value, "https")
		h.forwardedProtos++
	}
	return nil
}

// codings takes in a Transfer-Encoding value. chunked must come last, and once.
func (h *request) codings(v []byte) error {
	h.te = true
	for len(v) > 0 {
		var tok []byte
		tok, v = nextToken(v)
		switch {
		case len(tok) == 0:
		case h.chunked:
			return errBadTE
		case is(tok, "chunked"):
			h.chunked = true
		default:
			h.otherCoding = true
		}
	}
	return nil
}

// settle checks the head as a whole, RFC 9112 sections 3.2 and 6.
func (h *request) settle() error {
	switch {
	case h.hosts > 1 || h.hosts == 0 && h.minor == 1:
		return errHost
	case h.te && h.length >= 0:
		return ErrAmbiguousLength
	case h.te && h.minor == 0:
		return errTE10
	case h.te && !h.chunked:
		return errBadTE
	case h.otherCoding:
		return errUnsupportedT
	}
	if h.minor == 0 && !h.keepAlive {
		h.close = true
	}
	markListed(h.fields, h.tokens)
	return nil
}

// hasBody reports whether a body follows the head.
func (h *request) hasBody() bool { return h.chunked || h.length > 0 }

// isHead reports whether the method is HEAD, whose response has no body.
func (h *request) isHead() bool { return string(h.method) == "HEAD" }

// replayable reports whether the request may be sent again after a reused backend connection
// turned out to be closed, as net/http's Transport does: an idempotent method and no body.
func (h *request) replayable() bool {
	if h.hasBody() {
		return false
	}
	switch string(h.method) {
	case "GET", "HEAD", "OPTIONS", "TRACE":
		return true
	}
	return false
}

// general reports whether the request needs the general path: an upgrade (websocket), Expect
// (100-continue), or a target other than a path (absolute-form, "*", CONNECT's authority-form).
func (h *request) general() bool {
	return h.upgrade && h.connUpgrade || h.expect || h.target[0] != '/' || string(h.method) == "CONNECT"
}
