package applog

import "time"

// Line is one line of output from an app process.
type Line struct {
	Time    time.Time `json:"time"`
	Release string    `json:"release"` // e.g. "v3"
	Process string    `json:"process"` // e.g. "web.1", "release", "worker.1"
	Stream  string    `json:"stream"`  // "stdout" or "stderr"
	Text    string    `json:"text"`
}

// String formats the line as one line of text, as `cutover logs` prints it:
// "2026-11-25T10:00:00Z v3 web.1 | text". The time is in UTC.
func (l Line) String() string {
	return l.Time.UTC().Format(time.RFC3339) + " " + l.Release + " " + l.Process + " | " + l.Text
}
