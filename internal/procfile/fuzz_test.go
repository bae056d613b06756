package procfile

import (
	"bufio"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// FuzzParse: whatever the bytes, Parse returns processes a deploy can run, or an error that names a
// line of the input; and a Procfile written back from what it accepted parses to the same thing.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		"web: bundle exec puma -p $PORT\nworker: sidekiq\nrelease: rails db:migrate\n",
		"# comment\n\nweb:./server\r\n",
		"web: a\nweb: b\n",
		"web\n",
		"we b: x\n",
		"web:\n",
		"web: echo a:b: c #not a comment\n",
		"\xef\xbb\xbfweb: x\n",
		"web: x\x00y\n",
		"web: x\r\n:\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		pf, err := Parse(strings.NewReader(in), "Procfile")
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				// Only a line longer than the scanner takes is refused without naming it.
				if !errors.Is(err, bufio.ErrTooLong) {
					t.Fatalf("error names no line: %v", err)
				}
				return
			}
			if lines := strings.Count(in, "\n") + 1; se.Line < 1 || se.Line > lines {
				t.Fatalf("error names line %d of a %d-line input: %v", se.Line, lines, err)
			}
			return
		}
		var out strings.Builder
		seen := map[string]bool{}
		last := 0
		for _, p := range pf.Processes {
			switch {
			case !nameRE.MatchString(p.Name):
				t.Fatalf("accepted the name %q", p.Name)
			case strings.TrimSpace(p.Command) == "" || strings.ContainsAny(p.Command, "\n"):
				t.Fatalf("accepted the command %q", p.Command)
			case seen[p.Name]:
				t.Fatalf("accepted %q twice", p.Name)
			case p.Line <= last:
				t.Fatalf("line numbers out of order: %d after %d", p.Line, last)
			}
			seen[p.Name], last = true, p.Line
			fmt.Fprintf(&out, "%s: %s\n", p.Name, p.Command)
		}
		again, err := Parse(strings.NewReader(out.String()), "Procfile")
		if err != nil {
			t.Fatalf("written back, %q does not parse: %v", out.String(), err)
		}
		if len(again.Processes) != len(pf.Processes) {
			t.Fatalf("written back: got %d processes, want %d", len(again.Processes), len(pf.Processes))
		}
		for i, p := range again.Processes {
			if p.Name != pf.Processes[i].Name || p.Command != pf.Processes[i].Command {
				t.Fatalf("written back: got %+v, want %+v", p, pf.Processes[i])
			}
		}
	})
}
