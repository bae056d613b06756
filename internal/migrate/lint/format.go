package lint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
)

// Formats lists the output formats Write knows; "text" is the default.
var Formats = []string{"text", "json", "github", "sarif"}

// Write renders findings in format: "text" (or ""), one finding per
// "file:line: severity CODE why" line followed by an indented fix line;
// "json", an array of findings; "github", workflow commands that annotate
// the pull request (::error file=...,line=...,title=CODE::why); or "sarif",
// a SARIF 2.1.0 log for code-scanning tools.
func Write(w io.Writer, fs []Finding, format string) error {
	var err error
	switch format {
	case "", "text":
		err = writeText(w, fs)
	case "json":
		err = writeJSON(w, fs)
	case "github":
		err = writeGitHub(w, fs)
	case "sarif":
		err = writeSARIF(w, fs)
	default:
		return fmt.Errorf("unknown lint output format %q: want one of %s", format, strings.Join(Formats, ", "))
	}
	if err != nil {
		return fmt.Errorf("write lint findings as %s: %w", format, err)
	}
	return nil
}

// writeText writes the human format.
func writeText(w io.Writer, fs []Finding) error {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%s:%d: %s %s %s\n", f.File, f.Line, f.Severity, f.Code, f.Why)
		if f.Silenced {
			fmt.Fprintf(&b, "  silenced: %s\n", f.Reason)
			continue
		}
		fmt.Fprintf(&b, "  fix: %s\n", f.Fix)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeJSON writes the findings as a JSON array, one finding per line, []
// when empty. Thousands of findings are encoded in parallel, a slice of them
// per core.
func writeJSON(w io.Writer, fs []Finding) error {
	if len(fs) == 0 {
		_, err := io.WriteString(w, "[]\n")
		return err
	}
	parts := min(runtime.GOMAXPROCS(0), 1+len(fs)/jsonChunk)
	bufs := make([]bytes.Buffer, parts)
	errs := make([]error, parts)
	var wg sync.WaitGroup
	for p := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			enc := json.NewEncoder(&bufs[p])
			enc.SetEscapeHTML(false)
			for i := p * len(fs) / parts; i < (p+1)*len(fs)/parts && errs[p] == nil; i++ {
				bufs[p].WriteString(",\n  ")
				errs[p] = enc.Encode(fs[i]) // ends with a newline, dropped below
				bufs[p].Truncate(bufs[p].Len() - 1)
			}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	var out bytes.Buffer
	out.WriteString("[")
	for p := range bufs {
		b := bufs[p].Bytes()
		if p == 0 {
			b = b[1:] // the first finding has no comma before it
		}
		out.Write(b)
	}
	out.WriteString("\n]\n")
	_, err := w.Write(out.Bytes())
	return err
}

// jsonChunk is the fewest findings worth encoding on a core of its own.
const jsonChunk = 500

// writeGitHub writes one workflow command per finding. Silenced findings
// become notices so the annotation still shows the reason.
func writeGitHub(w io.Writer, fs []Finding) error {
	var b strings.Builder
	for _, f := range fs {
		level := map[Severity]string{Error: "error", Warning: "warning", Info: "notice"}[f.Severity]
		title, msg := f.Code, f.Why+"\nfix: "+f.Fix
		if f.Silenced {
			level, title, msg = "notice", f.Code+" (silenced)", f.Why+"\nsilenced: "+f.Reason
		}
		fmt.Fprintf(&b, "::%s file=%s,line=%d,title=%s::%s\n",
			level, ghProperty(f.File), f.Line, ghProperty(title), ghData(msg))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// ghData escapes a workflow command's message as the runner expects.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProperty escapes a workflow command's property value, which also may
// not hold a bare colon or comma.
func ghProperty(s string) string {
	return strings.NewReplacer(":", "%3A", ",", "%2C").Replace(ghData(s))
}
