package proxy

import "bytes"

// The fast path parses HTTP/1.1 heads itself, strictly (RFC 9112): what two parsers could read two
// ways is refused rather than guessed at, since a proxy and its backend disagreeing about where a
// message ends is how requests are smuggled.

// fieldKind says what the proxy makes of a header field.
type fieldKind uint8

const (
	kindOther            fieldKind = iota // passed on as it is
	kindHop                               // hop-by-hop: never passed on
	kindHost                              // Host
	kindContentLength                     // Content-Length
	kindTransferEncoding                  // Transfer-Encoding
	kindConnection                        // Connection
	kindTE                                // TE
	kindUpgrade                           // Upgrade
	kindExpect                            // Expect
	kindForwardedFor                      // X-Forwarded-For: extended by the proxy
	kindForwarded                         // Forwarded, X-Forwarded-Host: the proxy's replace them
	kindForwardedProto                    // X-Forwarded-Proto: replaced too, read from a handing-over daemon
	kindSpoofable                         // X-Real-IP, Client-IP, X-Forwarded-Ssl, …, and names with "_": dropped
	kindRequestID                         // X-Request-Id
	kindHandover                          // Cutover-Handover: never passed on (see handover.go)
	kindPrivateCookie                     // a request's Cookie holding PrivateCookie: passed on without it (cookie.go)
)

// field is one header field, as slices into the buffer its head was read into.
type field struct {
	name, value []byte
	kind        fieldKind
	start, end  int32 // its line in the head, line end included
}

// keepMask is a set of field kinds, bit k standing for fieldKind k.
type keepMask uint32

func (m keepMask) has(k fieldKind) bool { return m&(1<<k) != 0 }

// writeKept writes the lines of the fields whose kind is in keep, as they came: each run of
// adjacent kept lines is one copy.
func writeKept(w *writer, head []byte, fields []field, keep keepMask) {
	var start, end int32
	for i := range fields {
		f := &fields[i]
		if !keep.has(f.kind) {
			continue
		}
		if f.start != end {
			w.Write(head[start:end])
			start = f.start
		}
		end = f.end
	}
	w.Write(head[start:end])
}

// kindOf classifies a field name.
func kindOf(name []byte) fieldKind {
	// A name with an underscore reaches Rack, WSGI and CGI apps as the same variable as its
	// dashed twin (X_Forwarded_Proto is HTTP_X_FORWARDED_PROTO): dropped, as nginx drops them.
	if bytes.IndexByte(name, '_') >= 0 {
		return kindSpoofable
	}
	switch len(name) {
	case 2:
		if is(name, "te") {
			return kindTE
		}
	case 4:
		if is(name, "host") {
			return kindHost
		}
	case 6:
		if is(name, "expect") {
			return kindExpect
		}
	case 7:
		if is(name, "upgrade") {
			return kindUpgrade
		}
	case 9:
		switch {
		case is(name, "forwarded"):
			return kindForwarded
		case is(name, "x-real-ip"), is(name, "client-ip"): // Rails' remote_ip reads Client-IP
			return kindSpoofable
		}
	case 11:
		if is(name, "x-client-ip") {
			return kindSpoofable
		}
	case 13:
		if is(name, "fly-client-ip") {
			return kindSpoofable
		}
	case 10:
		switch {
		case is(name, "connection"):
			return kindConnection
		case is(name, "keep-alive"):
			return kindHop
		}
	case 12:
		if is(name, "x-request-id") {
			return kindRequestID
		}
	case 14:
		switch {
		case is(name, "content-length"):
			return kindContentLength
		case is(name, "true-client-ip"):
			return kindSpoofable
		}
	case 15:
		switch {
		case is(name, "x-forwarded-for"):
			return kindForwardedFor
		case is(name, "x-forwarded-ssl"):
			return kindSpoofable
		}
	case 16:
		switch {
		case is(name, "proxy-connection"):
			return kindHop
		case is(name, "x-forwarded-host"):
			return kindForwarded
		case is(name, "x-forwarded-port"):
			return kindSpoofable
		case is(name, "cutover-handover"):
			return kindHandover
		case is(name, "cf-connecting-ip"):
			return kindSpoofable
		}
	case 17:
		switch {
		case is(name, "transfer-encoding"):
			return kindTransferEncoding
		case is(name, "x-forwarded-proto"):
			return kindForwardedProto
		}
	case 18:
		switch {
		case is(name, "proxy-authenticate"):
			return kindHop
		case is(name, "x-forwarded-scheme"), is(name, "x-forwarded-prefix"): // Werkzeug's ProxyFix reads -Prefix
			return kindSpoofable
		}
	case 19:
		switch {
		case is(name, "proxy-authorization"):
			return kindHop
		case is(name, "x-cluster-client-ip"):
			return kindSpoofable
		}
	}
	return kindOther
}

// is reports whether b is lower, ignoring ASCII case. lower must be lowercase letters and '-': for
// those, and the token characters b is made of, OR-ing 0x20 folds case and nothing else.
func is(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if b[i]|0x20 != lower[i] {
			return false
		}
	}
	return true
}

// Byte classes of RFC 9110 and 9112.
var (
	// isTchar: the characters of a token, such as a method or a field name.
	isTchar = byteClass(func(c byte) bool {
		return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), c) >= 0
	})
	// isValueByte: the characters of a field value: visible ones, obs-text, space and tab. No
	// CR, LF or NUL.
	isValueByte = byteClass(func(c byte) bool { return c == '\t' || c >= ' ' && c != 0x7f })
	// isTargetByte: the characters of a request target; no space or control characters.
	isTargetByte = byteClass(func(c byte) bool { return c > ' ' && c != 0x7f })
	// isHostByte: the characters of a Host value, RFC 3986's host and port: unreserved,
	// percent-encoded, sub-delims, ':' and the brackets of an IPv6 literal.
	isHostByte = byteClass(func(c byte) bool {
		return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			bytes.IndexByte([]byte("-._~%!$&'()*+,;=:[]"), c) >= 0
	})
)

func byteClass(in func(byte) bool) (class [256]bool) {
	for c := range 256 {
		class[c] = in(byte(c))
	}
	return class
}

// parseField parses one field line, without its line end. Whitespace before the colon, an empty
// name and a line that starts with whitespace (obs-fold, a continuation of the line before) are
// refused, as RFC 9112 section 5 allows.
func parseField(line []byte) (field, bool) {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return field{}, false
	}
	name := line[:colon]
	for _, c := range name {
		if !isTchar[c] {
			return field{}, false
		}
	}
	v := trimOWS(line[colon+1:])
	for _, c := range v {
		if !isValueByte[c] {
			return field{}, false
		}
	}
	return field{name: name, value: v, kind: kindOf(name)}, true
}

// trimOWS trims spaces and tabs from both ends of v.
func trimOWS(v []byte) []byte {
	for len(v) > 0 && (v[0] == ' ' || v[0] == '\t') {
		v = v[1:]
	}
	for len(v) > 0 && (v[len(v)-1] == ' ' || v[len(v)-1] == '\t') {
		v = v[:len(v)-1]
	}
	return v
}

// nextToken returns the first element of the comma-separated list v, trimmed, and the rest.
// Empty elements come back empty; RFC 9110 section 5.6.1 asks recipients to skip them.
func nextToken(v []byte) (tok, rest []byte) {
	if i := bytes.IndexByte(v, ','); i >= 0 {
		return trimOWS(v[:i]), v[i+1:]
	}
	return trimOWS(v), nil
}

// hasToken reports whether the list v has the element lower, ignoring case.
func hasToken(v []byte, lower string) bool {
	for len(v) > 0 {
		var tok []byte
		tok, v = nextToken(v)
		if is(tok, lower) {
			return true
		}
	}
	return false
}

// scanHead finds the end of the head at the start of b: the empty line after the start line and
// the fields. It returns the head's length, or 0 while b holds only part of it. *from is where the
// scan resumes, the lines before it being checked already. When strict, a line ending in a bare LF
// is refused; RFC 9112 section 2.2 lets a recipient accept it, but a backend that did not would
// read the stream differently.
func scanHead(b []byte, from *int, strict bool) (int, bool) {
	i := *from
	for {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			*from = i
			return 0, true
		}
		end := i + j
		n := j
		switch {
		case j > 0 && b[end-1] == '\r':
			n--
		case strict:
			return 0, false
		}
		if n == 0 && i > 0 {
			return end + 1, true
		}
		i = end + 1
	}
}

// cutLine returns the first line of b without its line end, and the rest.
func cutLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return b, nil
	}
	line, rest = b[:i], b[i+1:]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, rest
}

// markListed makes the fields named in a Connection header hop-by-hop. Framing fields stay, since
// dropping them would change where the message ends.
func markListed(fields []field, tokens [][]byte) {
	for _, tok := range tokens {
		for i := range fields {
			if k := fields[i].kind; (k == kindOther || k == kindPrivateCookie) && bytes.EqualFold(fields[i].name, tok) {
				fields[i].kind = kindHop
			}
		}
	}
}
