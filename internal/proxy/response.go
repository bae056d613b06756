package proxy

import (
	"bytes"
	"errors"
	"fmt"
)

// errBadResponse means the backend's response could not be read as HTTP/1.1; the client gets 502.
var errBadResponse = errors.New("malformed response from the app")

// Reasons a backend's response is refused.
var (
	errStatusLine  = fmt.Errorf("%w: bad status line", errBadResponse)
	errResField    = fmt.Errorf("%w: bad header field line, or obs-fold", errBadResponse)
	errResLength   = fmt.Errorf("%w: bad or conflicting Content-Length", errBadResponse)
	errResCoding   = fmt.Errorf("%w: Transfer-Encoding other than chunked", errBadResponse)
	errResBoth     = fmt.Errorf("%w: both Content-Length and Transfer-Encoding", errBadResponse)
	errResTooLarge = fmt.Errorf("%w: head too large", errBadResponse)
	errResChunk    = fmt.Errorf("%w: bad chunked body", errBadResponse)
	errSwitching   = fmt.Errorf("%w: 101 Switching Protocols to a request that asked for no upgrade", errBadResponse)
)

// response is a parsed response head. Its slices point into the backend connection's read buffer.
type response struct {
	head      []byte // the whole head
	lineEnd   int    // where the status line ends, line end included
	crlf      bool   // every line ended in CRLF, so lines can be passed on as they came
	minor     int    // HTTP/1.minor
	status    int
	code      []byte // the three digits of status
	reason    []byte
	fields    []field
	length    int64 // Content-Length, -1 if none
	chunked   bool
	close     bool // Connection: close, or HTTP/1.0 without keep-alive
	keepAlive bool
	requestID bool // the app set X-Request-Id
	hsts      bool // the app set Strict-Transport-Security
	tokens    [][]byte
}

// parse parses a complete head, as found by scanHead.
func (h *response) parse(head []byte) error {
	*h = response{head: head, fields: h.fields[:0], tokens: h.tokens[:0], length: -1}
	line, rest := cutLine(head)
	if err := h.startLine(line); err != nil {
		return err
	}
	h.lineEnd = len(head) - len(rest)
	h.crlf = h.lineEnd == len(line)+2
	te := false
	for {
		start := len(head) - len(rest)
		line, rest = cutLine(rest)
		end := len(head) - len(rest)
		h.crlf = h.crlf && end-start == len(line)+2
		if len(line) == 0 {
			break
		}
		f, ok := parseField(line)
		if !ok {
			return errResField
		}
		f.start, f.end = int32(start), int32(end)
		if len(h.fields) == maxFields {
			return errResTooLarge
		}
		h.fields = append(h.fields, f)
		switch f.kind {
		case kindContentLength:
			n, ok := parseLength(f.value)
			if !ok || h.length >= 0 && n != h.length {
				return errResLength
			}
			if h.length >= 0 {
				h.fields[len(h.fields)-1].kind = kindHop // the same length again: passed on once
			}
			h.length = n
		case kindTransferEncoding:
			if te || !is(f.value, "chunked") {
				return errResCoding
			}
			te, h.chunked = true, true
		case kindConnection:
			h.connection(f.value)
		case kindRequestID:
			h.requestID = true
		case kindOther:
			h.hsts = h.hsts || isHSTS(f.name)
		}
	}
	if te && h.length >= 0 {
		return errResBoth
	}
	if h.minor == 0 && !h.keepAlive {
		h.close = true
	}
	markListed(h.fields, h.tokens)
	return nil
}

// startLine parses "HTTP/1.x NNN reason".
func (h *response) startLine(line []byte) error {
	switch {
	case bytes.HasPrefix(line, []byte("HTTP/1.1 ")):
		h.minor = 1
	case bytes.HasPrefix(line, []byte("HTTP/1.0 ")):
		h.minor = 0
	default:
		return errStatusLine
	}
	rest := line[len("HTTP/1.1 "):]
	if len(rest) < 3 || len(rest) > 3 && rest[3] != ' ' {
		return errStatusLine
	}
	code := rest[:3]
	if !isDigit(code[0]) || !isDigit(code[1]) || !isDigit(code[2]) || code[0] == '0' {
		return errStatusLine
	}
	h.code = code
	h.status = int(code[0]-'0')*100 + int(code[1]-'0')*10 + int(code[2]-'0')
	if len(rest) > 4 {
		h.reason = rest[4:]
		for _, c := range h.reason {
			if !isValueByte[c] {
				return errStatusLine
			}
		}
	}
	return nil
}

func (h *response) connection(v []byte) {
	for len(v) > 0 {
		var tok []byte
		tok, v = nextToken(v)
		switch {
		case len(tok) == 0:
		case is(tok, "close"):
			h.close = true
		case is(tok, "keep-alive"):
			h.keepAlive = true
		default:
			h.tokens = append(h.tokens, tok)
		}
	}
}

// bodyless reports whether the response has no body whatever its head says: 1xx, 204, 304, or
// the answer to HEAD (RFC 9112 section 6.3).
func (h *response) bodyless(head bool) bool {
	return head || h.status < 200 || h.status == 204 || h.status == 304
}

// untilClose reports whether the body runs until the backend closes the connection.
func (h *response) untilClose() bool { return !h.chunked && h.length < 0 }
