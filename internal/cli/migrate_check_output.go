package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/cutover-dev/cutover/internal/migrate/capture"
	"github.com/cutover-dev/cutover/internal/migrate/lint"
)

// writeCheck writes what `migrate check` found: the findings in format and, in text, the locks the
// statements took on the copy after them; in json, one object holding both:
// {"findings": [...], "locks": [...], "locks_error": "..."}.
func writeCheck(w io.Writer, format string, findings []lint.Finding, res *capture.Result) error {
	if format != "json" {
		if err := lint.Write(w, findings, format); err != nil {
			return err
		}
		if format == "" || format == "text" {
			return capture.WriteLocks(w, res.Locks)
		}
		return nil
	}
	var fs bytes.Buffer
	if err := lint.Write(&fs, findings, format); err != nil {
		return err
	}
	out := struct {
		Findings   json.RawMessage    `json:"findings"`
		Locks      []capture.Observed `json:"locks"`
		LocksError string             `json:"locks_error,omitempty"`
	}{fs.Bytes(), res.Locks, res.LocksError}
	if out.Locks == nil {
		out.Locks = []capture.Observed{}
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("write the check as json: %w", err)
	}
	return nil
}
