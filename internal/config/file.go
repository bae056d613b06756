package config

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
)

// topLevel are the settings written above any [table] of cutover.toml.
var topLevel = []string{"app", "mode", "listen", "health_path", "health_interval", "release_timeout", "boot_timeout", "drain_timeout", "stop_timeout", "bake", "canary", "canary_for", "build", "build_timeout", "buffer_requests", "buffer_responses", "max_body", "max_buffered_response"}

// File is an app's cutover.toml as read: its settings, and what in it is accepted but is probably
// not what the user meant.
type File struct {
	Config   Config
	Warnings []Warning
	lines    map[string]int // "table.key" (or "key" above any table) → its line
}

// Warning is one line of cutover.toml that is accepted but does not do what it seems to.
type Warning struct {
	Line int
	Msg  string
}

func (w Warning) String() string {
	if w.Line == 0 {
		return FileName + ": " + w.Msg
	}
	return fmt.Sprintf("%s line %d: %s", FileName, w.Line, w.Msg)
}

// Line is the line of key in table ("" above any table) of the file, 0 when it is not there.
func (f *File) Line(table, key string) int {
	if f == nil {
		return 0
	}
	return f.lines[lineKey(table, key)]
}

// Read reads cutover.toml from appDir; a missing file is an empty File. Unknown settings are an
// error that names their line; settings TOML accepts but cutover would ignore or misread are
// Warnings.
func Read(appDir string) (*File, error) {
	path := filepath.Join(appDir, FileName)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &File{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", FileName, err)
	}
	f := &File{lines: keyLines(b)}
	md, err := toml.Decode(string(b), &f.Config)
	var pe toml.ParseError
	if errors.As(err, &pe) && pe.Position.Line == 0 {
		// The parser names no line for some errors at the end of the input (an escape cut off):
		// the last line is where it stopped.
		return nil, fmt.Errorf("%s line %d: %s (fix the file or remove it to use the defaults)", FileName, max(1, bytes.Count(b, []byte("\n"))+1), pe.Message)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w (fix the file or remove it to use the defaults)", FileName, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		k := und[0]
		table, key := "", k[len(k)-1]
		if len(k) > 1 {
			table = k[0]
		}
		line := f.Line(table, key)
		if line == 0 { // a dotted key, or a table of its own: name the line of the whole key or its table
			line = max(f.lines[strings.Join(k, ".")], f.Line("", k[0]))
		}
		if line == 0 { // a name spelled with escapes or quotes the line scan does not read
			line = definedAt(b, k)
		}
		return nil, fmt.Errorf("%s line %d: unknown setting %q (known: %s, [scale], [env], [migrations] pre, post and check_database)",
			FileName, line, k.String(), strings.Join(topLevel, ", "))
	}
	f.check()
	return f, nil
}

// check finds settings TOML reads in a way the user did not mean.
func (f *File) check() {
	for _, k := range sortedKeys(f.Config.Env) {
		switch {
		case slices.Contains(topLevel, k):
			f.warn(f.Line("env", k), "%s is inside [env], so it is an environment variable, not a setting: move it above [env] (TOML puts every key after a [table] header in that table)", k)
		case k == "PORT":
			f.warn(f.Line("env", k), "PORT in [env] is ignored for web processes: cutover gives each its own $PORT")
		}
	}
}

func (f *File) warn(line int, format string, args ...any) {
	f.Warnings = append(f.Warnings, Warning{Line: line, Msg: fmt.Sprintf(format, args...)})
}

// keyLines finds the line of each key of a TOML file: enough of TOML for the flat file cutover reads
// (tables one level deep, one key per line), to point a warning at its line.
func keyLines(b []byte) map[string]int {
	lines := map[string]int{}
	table := ""
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "["):
			table = strings.Trim(strings.TrimSpace(strings.Trim(line, "[]")), `"'`)
			if _, seen := lines[table]; !seen {
				lines[table] = n // an unknown table is reported at its header
			}
		case line == "" || strings.HasPrefix(line, "#"):
		default:
			key, _, ok := strings.Cut(line, "=")
			if !ok {
				continue
			}
			key = strings.Trim(strings.TrimSpace(key), `"'`)
			if _, seen := lines[lineKey(table, key)]; !seen {
				lines[lineKey(table, key)] = n
			}
		}
	}
	return lines
}

// definedAt is the first line of b after which key is defined, found by decoding ever longer
// prefixes of the file: exact whatever the key's spelling, and run only to place an error.
func definedAt(b []byte, key toml.Key) int {
	lines := bytes.SplitAfter(b, []byte("\n"))
	for n := 1; n <= len(lines); n++ {
		md, err := toml.Decode(string(bytes.Join(lines[:n], nil)), &Config{})
		if err == nil && md.IsDefined(key...) {
			return n
		}
	}
	return len(lines)
}

func lineKey(table, key string) string {
	if table == "" {
		return key
	}
	return table + "." + key
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
