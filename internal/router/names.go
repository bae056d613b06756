package router

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// ErrBadHost is wrapped by the errors of CheckHost and Parse.
var ErrBadHost = errors.New("not a host name")

// ErrTaken is wrapped by the error of Build for a host and path that two routes of different
// owners claim.
var ErrTaken = errors.New("taken")

// Parse splits what a user types for a route, "blog.example.com" or "example.com/api", into its
// checked host and prefix.
func Parse(s string) (host, prefix string, err error) {
	if strings.Contains(s, "://") {
		return "", "", fmt.Errorf("%w: %q has a scheme; give the name only, such as blog.example.com", ErrBadHost, s)
	}
	host, prefix = s, ""
	if i := strings.IndexByte(s, '/'); i >= 0 {
		host, prefix = s[:i], s[i:]
	}
	if host, err = CheckHost(host); err != nil {
		return "", "", err
	}
	if prefix, err = CheckPrefix(prefix); err != nil {
		return "", "", err
	}
	return host, prefix, nil
}

// CheckHost returns host as routes hold it (lowercase, no trailing dot) or an error that says what
// is wrong: a DNS name of letters, digits and hyphens (an IPv4 address is one), "*." and such a name
// for a one-label wildcard, or AnyHost. A name in other letters (café.example) is held in the
// ASCII form browsers send as its Host (xn--caf-dma.example). A port or a scheme is refused:
// routes are by name only.
func CheckHost(host string) (string, error) {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	switch {
	case h == AnyHost:
		return h, nil
	case h == "":
		return "", fmt.Errorf("%w: the host is empty", ErrBadHost)
	case strings.Contains(h, "://"):
		return "", fmt.Errorf("%w: %q has a scheme; give the name only, such as blog.example.com", ErrBadHost, host)
	case strings.HasPrefix(h, "[") || strings.Count(h, ":") > 1:
		return "", fmt.Errorf("%w: %q is an IPv6 address; routes are by name (or IPv4 address): the catch-all host %s answers requests to any address", ErrBadHost, host, AnyHost)
	case strings.Contains(h, ":"):
		return "", fmt.Errorf("%w: %q has a port; routes are by name, whatever port the request came to", ErrBadHost, host)
	case len(h) > MaxHostLen:
		return "", fmt.Errorf("%w: %q is longer than %d characters", ErrBadHost, host, MaxHostLen)
	}
	h, err := toASCII(h)
	if err != nil {
		return "", fmt.Errorf("%w: %q: %v", ErrBadHost, host, err)
	}
	name := strings.TrimPrefix(h, "*.")
	if strings.Contains(name, "*") {
		return "", fmt.Errorf("%w: %q: a wildcard is only a whole first label, as in *.example.com", ErrBadHost, host)
	}
	for _, label := range strings.Split(name, ".") {
		if err := checkLabel(label); err != nil {
			return "", fmt.Errorf("%w: %q: %v", ErrBadHost, host, err)
		}
	}
	return h, nil
}

// checkLabel checks one label of a name: 1 to 63 letters, digits or hyphens, not starting or
// ending with a hyphen.
func checkLabel(label string) error {
	switch {
	case label == "":
		return errors.New("an empty label (two dots in a row, or a dot at the start)")
	case len(label) > 63:
		return fmt.Errorf("the label %q is longer than 63 characters", label)
	case label[0] == '-' || label[len(label)-1] == '-':
		return fmt.Errorf("the label %q starts or ends with a hyphen", label)
	}
	for _, c := range label {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return fmt.Errorf("%q is not allowed in a name (letters, digits and hyphens only)", c)
		}
	}
	return nil
}

// CheckPrefix returns a path prefix as routes hold it: "" for every path, else starting with "/",
// without a query, fragment or trailing slash ("/" itself is every path too, so it becomes ""),
// spelt as request paths are cleaned for matching (/%61pi is /api). A dot segment, an escaped
// slash or a bad escape is refused.
func CheckPrefix(prefix string) (string, error) {
	switch {
	case prefix == "" || prefix == "/":
		return "", nil
	case !strings.HasPrefix(prefix, "/"):
		return "", fmt.Errorf("the path prefix %q must start with /", prefix)
	case strings.ContainsAny(prefix, "?#*"):
		return "", fmt.Errorf("the path prefix %q may not hold ?, # or *: it matches a path and what is under it", prefix)
	case strings.Contains(prefix, "//"):
		return "", fmt.Errorf("the path prefix %q has an empty segment (//)", prefix)
	}
	for _, c := range prefix {
		if c <= ' ' || c == 0x7f {
			return "", fmt.Errorf("the path prefix %q holds a space or a control character", prefix)
		}
	}
	for _, seg := range strings.Split(strings.Trim(prefix, "/"), "/") {
		switch d, ok := cleanPath(nil, []byte("/"+seg), false); {
		case !ok:
			return "", fmt.Errorf("the path prefix %q has a %% not followed by two hex digits", prefix)
		case string(d) == "/":
			return "", fmt.Errorf("the path prefix %q has a . or .. segment; give the path it leads to", prefix)
		case strings.Contains(string(d), "%2F"):
			return "", fmt.Errorf("the path prefix %q has an escaped slash (%%2F), which apps read differently; split the path with / instead", prefix)
		}
	}
	// As paths are matched: escapes of letters, digits and -._~ decoded, others in uppercase.
	clean, _ := cleanPath(nil, []byte(prefix), false)
	return strings.TrimSuffix(string(clean), "/"), nil
}

// toASCII returns a name with labels in other letters than ASCII ones in the form browsers send
// (IDNA, RFC 5891: xn--…), and an ASCII name as it is.
func toASCII(h string) (string, error) {
	for i := 0; i < len(h); i++ {
		if h[i] >= utf8.RuneSelf {
			name, wild := strings.CutPrefix(h, "*.")
			ascii, err := idna.Lookup.ToASCII(name)
			if err != nil {
				return "", fmt.Errorf("not a valid international name: %v", err)
			}
			if wild {
				ascii = "*." + ascii
			}
			return ascii, nil
		}
	}
	return h, nil
}
