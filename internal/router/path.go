package router

import "bytes"

// MaxCleanPath is the longest path cleaned without allocating; a longer one that needs cleaning
// is cleaned on the heap.
const MaxCleanPath = 512

// needsCleaning reports whether the path of a target (up to any query) holds something the apps
// behind the proxy would read differently from its bytes: an escape, an empty segment (//), a dot
// segment (/. or /..), a byte outside ASCII, a "\" or a "#". A plain path, the common case, is
// routed as it is.
func needsCleaning(target []byte) bool {
	for i, c := range target {
		if c >= 0x80 {
			return true
		}
		switch c {
		case '?':
			return false
		case '%', '\\', '#':
			return true
		case '/':
			if i+1 == len(target) {
				return false
			}
			switch rest := target[i+1:]; rest[0] {
			case '/':
				return true
			case '.':
				rest = rest[1:]
				if len(rest) > 0 && rest[0] == '.' {
					rest = rest[1:]
				}
				if len(rest) == 0 || rest[0] == '/' || rest[0] == '?' {
					return true
				}
			}
		}
	}
	return false
}

// cleanPath appends to dst the path (starting with "/", no query) as an app reads it, for matching
// only: escapes decoded (see decodePath), runs of "/" merged, dot segments removed as RFC 3986
// section 5.2.4 says (after decoding, so %2e%2e is ".."). ok is false for a "%" not followed by
// two hex digits.
func cleanPath(dst, path []byte, slashes bool) (clean []byte, ok bool) {
	start := len(dst)
	if dst, ok = decodePath(dst, path, slashes); !ok {
		return dst, false
	}
	return append(dst[:start], removeDots(dst[start:])...), true
}

// decodePath appends path to dst with escapes of unreserved characters (ALPHA DIGIT - . _ ~)
// decoded and other escapes kept, their hex in uppercase, and bytes outside ASCII escaped so (a raw
// /café is /caf%C3%A9). With slashes, %2F is decoded to "/" too, as an app that decodes the path
// before splitting it reads it. ok is false, and dst unchanged, for a "%" not followed by two hex
// digits.
func decodePath(dst, path []byte, slashes bool) (decoded []byte, ok bool) {
	start := len(dst)
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c >= 0x80 {
			dst = append(dst, '%', upperHex[c>>4], upperHex[c&0xf])
			continue
		}
		if c != '%' {
			dst = append(dst, c)
			continue
		}
		if i+2 >= len(path) {
			return dst[:start], false
		}
		hi, lo := unhex(path[i+1]), unhex(path[i+2])
		if hi < 0 || lo < 0 {
			return dst[:start], false
		}
		i += 2
		if b := byte(hi<<4 | lo); unreserved(b) || slashes && b == '/' {
			dst = append(dst, b)
		} else {
			dst = append(dst, '%', upperHex[hi], upperHex[lo])
		}
	}
	return dst, true
}

// removeDots merges runs of "/" and removes "." and ".." segments of p in place, returning the
// shortened p. A path that ended in "/", "." or ".." still ends in "/".
func removeDots(p []byte) []byte {
	if len(p) == 0 {
		return p // not a path: callers give one starting with "/"
	}
	w, dir := 0, false // p[:w] is the output so far: "/seg/seg", never longer than what was read
	for r := 0; r < len(p); {
		for r < len(p) && p[r] == '/' {
			r++
		}
		end := r
		for end < len(p) && p[end] != '/' {
			end++
		}
		switch seg := p[r:end]; string(seg) {
		case "", ".":
			dir = true
		case "..":
			w = max(bytes.LastIndexByte(p[:w], '/'), 0)
			dir = true
		default:
			// w < r: at least one "/" was read before seg, so the copy never overtakes the read.
			p[w] = '/'
			w += 1 + copy(p[w+1:], seg)
			dir = false
		}
		r = end
	}
	if dir || w == 0 {
		p[w] = '/'
		w++
	}
	return p[:w]
}

// unreserved reports whether c is one of RFC 3986's unreserved characters, which mean the same
// escaped or not.
func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

const upperHex = "0123456789ABCDEF"

// unhex is the value of a hex digit of either case, or -1.
func unhex(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// otherReading reports whether path reads as another route than e for an app that takes "\\" for
// "/" (Node's and browsers' URL parsers do) or "#" for the start of a fragment.
func (t *Table[T]) otherReading(host, path []byte, e *entry[T]) bool {
	var buf, alt [MaxCleanPath]byte
	if i := bytes.IndexByte(path, '#'); i >= 0 {
		if c, ok := cleanPath(buf[:0], path[:i], false); ok && t.find(host, c) != e {
			return true
		}
	}
	if bytes.IndexByte(path, '\\') >= 0 {
		slashed := append(alt[:0], path...)
		for i, c := range slashed {
			if c == '\\' {
				slashed[i] = '/'
			}
		}
		if c, ok := cleanPath(buf[:0], slashed, false); ok && t.find(host, c) != e {
			return true
		}
	}
	return false
}
