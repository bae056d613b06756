package vars

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrInvalidName is returned for a name that cannot be a config var: not an environment variable
// name, or one cutover sets itself.
var ErrInvalidName = errors.New("not a config var name")

// reserved are the names cutover sets in every app process itself; a config var of one of these
// would be ignored, so it is refused. Names starting with CUTOVER_ are reserved too.
var reserved = map[string]bool{
	"PORT": true, "LISTEN_FDS": true, "LISTEN_PID": true, "LISTEN_FDNAMES": true, "NOTIFY_SOCKET": true,
}

// CheckName returns nil when name can be a config var: a letter or underscore, then letters,
// digits or underscores, and not a name cutover sets itself.
func CheckName(name string) error {
	if name == "" {
		return fmt.Errorf("%w: the name is empty: write KEY=VALUE", ErrInvalidName)
	}
	for i, c := range name {
		letter := c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return fmt.Errorf("%w: %q: use letters, digits and underscores, not starting with a digit (DATABASE_URL, API_TOKEN)", ErrInvalidName, name)
		}
	}
	if reserved[name] || strings.HasPrefix(name, "CUTOVER_") {
		return fmt.Errorf("%w: %s is set by cutover itself in every app process: choose another name", ErrInvalidName, name)
	}
	return nil
}

// ParseAssignment splits a command line's KEY=VALUE. Its errors never quote the value, nor the
// argument, which may be a value typed without its name.
func ParseAssignment(arg string) (name, value string, err error) {
	name, value, ok := strings.Cut(arg, "=")
	if !ok {
		return "", "", fmt.Errorf("%w: an argument has no '=': write KEY=VALUE", ErrInvalidName)
	}
	if err := CheckName(name); err != nil {
		return "", "", err
	}
	if err := checkValue(name, value); err != nil {
		return "", "", err
	}
	return name, value, nil
}

// checkValue refuses a value no environment can hold, and one that is not UTF-8 text, which the
// vars' file (JSON) would store changed.
func checkValue(name, value string) error {
	if strings.IndexByte(value, 0) >= 0 {
		return fmt.Errorf("the value of %s holds a NUL byte, which no environment variable can", name)
	}
	if !utf8.ValidString(value) {
		return fmt.Errorf("the value of %s is not UTF-8 text, and would be stored changed: give binary data encoded "+
			"(base64 -w0, say) and have the app decode it", name)
	}
	return nil
}
