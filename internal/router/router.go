package router

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// MaxHostLen is the longest host name DNS allows, without a trailing dot; a longer Host header
// matches nothing.
const MaxHostLen = 253

// AnyHost is the host pattern that matches every host: the default app's.
const AnyHost = "*"

// Route leads requests for Host (and, if set, paths under Prefix) to Target.
type Route[T any] struct {
	// Host is an exact name, "*." and a name for one label more, or AnyHost.
	Host string
	// Prefix is "" (every path) or a path starting with "/", matched on a segment boundary.
	Prefix string
	// Target is where matching requests go.
	Target T
	// Owner names who declared the route (an app), for the error when two routes collide.
	Owner string
}

// Table is an immutable set of routes; Lookup is safe for concurrent use.
type Table[T any] struct {
	exact map[string][]entry[T] // by host
	wild  map[string][]entry[T] // by the name after "*."
	any   []entry[T]
	// prefixed is whether any route has a path prefix: only then does the path choose the route,
	// and only then is it cleaned.
	prefixed bool
}

// entry is one route of a host, its prefix without a trailing slash ("" for every path).
type entry[T any] struct {
	prefix []byte
	target T
}

// Build checks routes and returns the table of them. An error names the route and its owner.
func Build[T any](routes []Route[T]) (*Table[T], error) {
	t := &Table[T]{exact: map[string][]entry[T]{}, wild: map[string][]entry[T]{}}
	owners := map[string]string{} // "host prefix" → owner
	for _, r := range routes {
		host, err := CheckHost(r.Host)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", describe(r), err)
		}
		prefix, err := CheckPrefix(r.Prefix)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", describe(r), err)
		}
		key := host + " " + prefix
		if owner, taken := owners[key]; taken {
			return nil, fmt.Errorf("%w: %s%s is already routed to %s: a host and path go to one app", ErrTaken, host, prefix, ownerName(owner))
		}
		owners[key] = r.Owner
		e := entry[T]{prefix: []byte(strings.TrimSuffix(prefix, "/")), target: r.Target}
		t.prefixed = t.prefixed || prefix != ""
		switch {
		case host == AnyHost:
			t.any = append(t.any, e)
		case strings.HasPrefix(host, "*."):
			t.wild[host[2:]] = append(t.wild[host[2:]], e)
		default:
			t.exact[host] = append(t.exact[host], e)
		}
	}
	longestFirst := func(a, b entry[T]) int { return len(b.prefix) - len(a.prefix) }
	for _, es := range t.exact {
		slices.SortStableFunc(es, longestFirst)
	}
	for _, es := range t.wild {
		slices.SortStableFunc(es, longestFirst)
	}
	slices.SortStableFunc(t.any, longestFirst)
	return t, nil
}

// Lookup returns the target for a request's Host header and request target (its path, with or
// without a query), and false when no route matches. When the table has path prefixes, the path
// is matched as apps read it (see [Table.cleanLookup]); the target itself is not changed. Lookup
// allocates nothing unless a path longer than MaxCleanPath needs cleaning.
func (t *Table[T]) Lookup(host, target []byte) (T, bool) {
	var zero T
	if t == nil {
		return zero, false
	}
	if t.prefixed && len(target) > 0 && target[0] == '/' && needsCleaning(target) {
		return t.cleanLookup(host, target)
	}
	if e := t.find(host, target); e != nil {
		return e.target, true
	}
	return zero, false
}

// cleanLookup routes a path that needs cleaning by the path an app reads (see cleanPath), so
// that no spelling of a path (/x/../api, //api, /%61pi) reaches another app than the one
// the path means. A path with a bad escape is routed as it is: the proxy refuses it anyway.
//
// An escaped slash (%2F) is the one thing apps disagree on: Go's net/http (1.22+) and Rails
// match it as a byte within a segment, while a WSGI server (Django, Flask) decodes it to "/"
// before the app splits the path (and may or may not resolve the dot segments that makes). So
// the path is matched each of these ways, and when they lead to different routes
// (/api%2F..%2Fadmin with a route for /api) it matches no route at all; so does a path that
// routes elsewhere read with "\\" as "/" or cut at a "#" (see otherReading).
func (t *Table[T]) cleanLookup(host, target []byte) (T, bool) {
	var zero T
	path := target
	if i := bytes.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	var buf [MaxCleanPath]byte
	clean, ok := cleanPath(buf[:0], path, false)
	if !ok {
		clean = target
	}
	e := t.find(host, clean)
	if ok && t.otherReading(host, path, e) {
		return zero, false
	}
	if ok && bytes.Contains(clean, []byte("%2F")) {
		// As a WSGI app reads it: decoded, with or without its dot segments resolved.
		decoded, _ := decodePath(buf[:0], path, true)
		if t.find(host, decoded) != e || t.find(host, removeDots(decoded)) != e {
			return zero, false
		}
	}
	if e == nil {
		return zero, false
	}
	return e.target, true
}

// find returns the route for host and a path (with or without a query), nil when none matches.
func (t *Table[T]) find(host, path []byte) *entry[T] {
	var buf [MaxHostLen]byte
	key, ok := normalize(buf[:0], host)
	if ok {
		if e := match(t.exact[string(key)], path); e != nil {
			return e
		}
		if dot := bytes.IndexByte(key, '.'); dot > 0 {
			if e := match(t.wild[string(key[dot+1:])], path); e != nil {
				return e
			}
		}
	}
	return match(t.any, path)
}

// Len is the number of routes in the table.
func (t *Table[T]) Len() int {
	if t == nil {
		return 0
	}
	n := len(t.any)
	for _, es := range t.exact {
		n += len(es)
	}
	for _, es := range t.wild {
		n += len(es)
	}
	return n
}

// match returns the route of es with the longest prefix that target's path is under, or nil.
func match[T any](es []entry[T], target []byte) *entry[T] {
	for i := range es {
		if underPrefix(target, es[i].prefix) {
			return &es[i]
		}
	}
	return nil
}

// underPrefix reports whether the path of target is prefix or below it: the next byte after the
// prefix, if any, ends a segment.
func underPrefix(target, prefix []byte) bool {
	if len(prefix) == 0 {
		return true
	}
	if !bytes.HasPrefix(target, prefix) {
		return false
	}
	if len(target) == len(prefix) {
		return true
	}
	switch target[len(prefix)] {
	case '/', '?':
		return true
	}
	return false
}

// normalize appends host to dst as routes spell it: without a port, without one trailing dot,
// ASCII lowercase. ok is false for a host too long to be a name.
func normalize(dst, host []byte) ([]byte, bool) {
	if len(host) > 0 && host[0] == '[' { // an IPv6 literal: [::1]:8080
		if end := bytes.IndexByte(host, ']'); end > 0 {
			host = host[:end+1]
		}
	} else if colon := bytes.LastIndexByte(host, ':'); colon >= 0 {
		host = host[:colon]
	}
	host = bytes.TrimSuffix(host, []byte{'.'})
	if len(host) == 0 || len(host) > MaxHostLen {
		return dst, false
	}
	for _, c := range host {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	return dst, true
}

func describe[T any](r Route[T]) string {
	return fmt.Sprintf("route %q%s for %s", r.Host, r.Prefix, ownerName(r.Owner))
}

func ownerName(owner string) string {
	if owner == "" {
		return "another route"
	}
	return fmt.Sprintf("app %q", owner)
}
