package proxy

import (
	"bytes"
	"strings"
)

// PrivateCookie is the name of the cookie that keeps a browser signed in to cutover's own
// dashboard (dashboard.CookieName): the proxy never passes it on to an app. A browser sends a
// host's cookies to every port of it, so a user who opened the dashboard at blog.example.com:9090
// would otherwise hand it to the blog app, and to anything the app logs, with each request to
// blog.example.com. The other cookies of the field go on as they came.
const PrivateCookie = "cutover_dashboard"

// A Cookie field is "name=value" pairs joined by "; " as browsers send it. Parsers differ on the
// rest: old Rack and Tomcat also split on ",", Django trims any Unicode space (which Latin-1
// decoding makes of 0xA0 and 0x85). A pair holds PrivateCookie if any of these readings finds
// that name in it, and such a pair is taken out whole.

// cookieSpace is what any parser trims around a cookie's name.
const cookieSpace = " \t\xa0\x85"

// holdsPrivateCookie reports whether v, the value of a Cookie field, has a pair that holds
// PrivateCookie. Most values do not even hold the name, which one search finds out.
func holdsPrivateCookie(v []byte) bool {
	if !bytes.Contains(v, []byte(PrivateCookie)) {
		return false
	}
	for len(v) > 0 {
		var pair []byte
		pair, v, _ = bytes.Cut(v, []byte{';'})
		if pairHoldsPrivate(pair) {
			return true
		}
	}
	return false
}

// pairHoldsPrivate reports whether one ";"-separated pair of a Cookie field names PrivateCookie,
// read as any parser reads it (see above).
func pairHoldsPrivate(pair []byte) bool {
	for len(pair) > 0 {
		var part []byte
		part, pair, _ = bytes.Cut(pair, []byte{','})
		name, _, _ := bytes.Cut(part, []byte{'='})
		if string(bytes.Trim(name, cookieSpace)) == PrivateCookie {
			return true
		}
	}
	return false
}

// appendWithoutPrivateCookie appends to dst the pairs of v, a Cookie field's value, but those that
// hold PrivateCookie, each trimmed and joined by "; " as browsers send them.
func appendWithoutPrivateCookie(dst, v []byte) []byte {
	start := len(dst)
	for len(v) > 0 {
		var pair []byte
		pair, v, _ = bytes.Cut(v, []byte{';'})
		if pair = bytes.Trim(pair, " \t"); len(pair) == 0 || pairHoldsPrivate(pair) {
			continue
		}
		if len(dst) > start {
			dst = append(dst, "; "...)
		}
		dst = append(dst, pair...)
	}
	return dst
}

// writeWithoutPrivateCookie writes the Cookie field whose value is v without the pairs that hold
// PrivateCookie, as appendWithoutPrivateCookie leaves them, pair by pair (no copy); nothing when no
// pair is left.
func writeWithoutPrivateCookie(w *writer, v []byte) {
	first := true
	for len(v) > 0 {
		var pair []byte
		pair, v, _ = bytes.Cut(v, []byte{';'})
		if pair = bytes.Trim(pair, " \t"); len(pair) == 0 || pairHoldsPrivate(pair) {
			continue
		}
		if first {
			w.WriteString("Cookie: ")
			first = false
		} else {
			w.WriteString("; ")
		}
		w.Write(pair)
	}
	if !first {
		w.WriteString("\r\n")
	}
}

// writeFieldsWithoutPrivateCookie writes the lines of the fields whose kind is in keep, as
// writeKept does, and each Cookie field holding PrivateCookie (kindPrivateCookie) in its place,
// without it: the order of the fields is the order they came in, which decides for some apps
// which of two cookies of one name wins.
func writeFieldsWithoutPrivateCookie(w *writer, head []byte, fields []field, keep keepMask) {
	for i := range fields {
		switch f := &fields[i]; {
		case f.kind == kindPrivateCookie:
			writeWithoutPrivateCookie(w, f.value)
		case keep.has(f.kind):
			w.Write(head[f.start:f.end])
		}
	}
}

// withoutPrivateCookie returns the values of the Cookie fields of a request as net/http holds
// them, without the pairs holding PrivateCookie: values as they are when none holds it (the common
// case, with no copy), nil when nothing else was in them.
func withoutPrivateCookie(values []string) []string {
	held := false
	for _, v := range values {
		if strings.Contains(v, PrivateCookie) && holdsPrivateCookie([]byte(v)) {
			held = true
			break
		}
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
