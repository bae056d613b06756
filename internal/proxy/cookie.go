package proxy

import (
	"bytes"
	"strings"
)

// PrivateCookie is the name of the cookie that keeps a browser signed in to cutover's own
// dashboard: the proxy never passes it on to an app. A browser sends a host's cookies to every
// port of it, so a user who opened the dashboard at blog.example.com:9090 would otherwise hand
// its key to the blog app, and to anything the app logs, with each request to blog.example.com.
// The other cookies of the field go on as they came.
const PrivateCookie = "cutover_dashboard"

// holdsPrivateCookie reports whether v, the value of a Cookie field, has a pair named
// PrivateCookie. Most values do not even hold the name, which one search finds out.
func holdsPrivateCookie(v []byte) bool {
	if !bytes.Contains(v, []byte(PrivateCookie)) {
		return false
	}
	for len(v) > 0 {
		var pair []byte
		pair, v, _ = bytes.Cut(v, []byte{';'})
		if cookieName(pair) == PrivateCookie {
			return true
		}
	}
	return false
}

// cookieName is the name of one "name=value" pair of a Cookie field, without the spaces around it
// (as net/http, Rack and Django read it).
func cookieName(pair []byte) string {
	name, _, _ := bytes.Cut(pair, []byte{'='})
	return string(bytes.Trim(name, " \t"))
}

// appendWithoutPrivateCookie appends to dst the pairs of v, a Cookie field's value, but those named
// PrivateCookie, each trimmed and joined by "; " as browsers send them.
func appendWithoutPrivateCookie(dst, v []byte) []byte {
	start := len(dst)
	for len(v) > 0 {
		var pair []byte
		pair, v, _ = bytes.Cut(v, []byte{';'})
		pair = bytes.Trim(pair, " \t")
		if len(pair) == 0 || cookieName(pair) == PrivateCookie {
			continue
		}
		if len(dst) > start {
			dst = append(dst, "; "...)
		}
		dst = append(dst, pair...)
	}
	return dst
}

// writePrivateCookies writes the fields of a head that hold PrivateCookie (kindPrivateCookie)
// without it; a field that held nothing else is left out.
func writePrivateCookies(w *writer, fields []field) {
	var buf []byte
	for i := range fields {
		if f := &fields[i]; f.kind == kindPrivateCookie {
			if buf = appendWithoutPrivateCookie(buf[:0], f.value); len(buf) > 0 {
				w.WriteString("Cookie: ")
				w.Write(buf)
				w.WriteString("\r\n")
			}
		}
	}
}

// withoutPrivateCookie returns the values of the Cookie fields of a request as net/http holds
// them, without PrivateCookie: values as they are when none holds it (the common case, with no
// copy), nil when nothing else was in them.
func withoutPrivateCookie(values []string) []string {
	held := false
	for _, v := range values {
		held = held || strings.Contains(v, PrivateCookie) && holdsPrivateCookie([]byte(v))
	}
	if !held {
		return values
	}
	var kept []string
	for _, v := range values {
		if rest := appendWithoutPrivateCookie(nil, []byte(v)); len(rest) > 0 {
			kept = append(kept, string(rest))
		}
	}
	return kept
}
