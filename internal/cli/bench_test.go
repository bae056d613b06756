package cli

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// TestBenchCommands runs `cutover bench proxy`, `deploy` and `conns` as a user would, briefly,
// and checks the output's shape: the tables, or JSON with the figures' fields.
func TestBenchCommands(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string // in the text, or JSON fields
	}{
		{"proxy text", []string{"bench", "proxy", "--duration", "400ms", "--rounds", "1", "--connections", "2", "--warmup", "100ms", "--compare", "gone=http://127.0.0.1:1/", "--apps", "2"},
			[]string{"TARGET", "REQ/S", "×BACKEND", "backend", "cutover", "cutover (2 apps)", "not measured: gone"}},
		{"proxy json", []string{"bench", "proxy", "--duration", "400ms", "--rounds", "1", "--connections", "2", "--warmup", "100ms", "--compare", "", "--json"},
			[]string{"targets", "missing", "requests_per_sec", "p50_ns", "p99_ns", "ratio_requests_per_sec"}},
		{"deploy json", []string{"bench", "deploy", "--rate", "50", "--delay", "10ms", "--runs", "1", "--duration", "2s", "--settle", "500ms", "--json"},
			[]string{"runs", "total", "sent", "failed", "refused", "reset", "5xx", "timeout", "steady", "deploy", "healthy_to_first_request_ns", "peak_rss_bytes"}},
		{"conns text", []string{"bench", "conns", "--connections", "50", "--settle", "200ms"},
			[]string{"TARGET", "RSS WITH CONNS", "PER CONN", "app alone", "cutover serve", "× the app alone's"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			cmd := exec.Command("cutover", tt.args...)
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("cutover %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(tt.args, " "), err, &stdout, &stderr)
			}
			if !strings.HasSuffix(tt.name, "json") {
				for _, w := range tt.want {
					if !strings.Contains(stdout.String(), w) {
						t.Errorf("got output without %q:\n%s", w, &stdout)
					}
				}
				return
			}
			var fields map[string]any
			if err := json.Unmarshal(stdout.Bytes(), &fields); err != nil {
				t.Fatalf("got output that is not one JSON object (%v):\n%s", err, &stdout)
			}
			flat := stdout.String()
			for _, w := range tt.want {
				if !strings.Contains(flat, `"`+w+`"`) {
					t.Errorf("got JSON without %q:\n%s", w, flat)
				}
			}
		})
	}
}

func TestBenchRefusesBadFlags(t *testing.T) {
	tests := [][]string{
		{"bench", "proxy", "--connections", "-1"},
		{"bench", "proxy", "--compare", "http://192.0.2.1/"},
		{"bench", "proxy", "--compare", "https://127.0.0.1:8443/"},
		{"bench", "proxy", "--apps", "-1"},
		{"bench", "deploy", "--settle", "5s", "--duration", "1s"},
		{"bench", "conns", "--connections", "100000"},
	}
	for _, args := range tests {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := Run(args, &stdout, &stderr); code == 0 {
				t.Errorf("got exit code 0, want a failure; stdout:\n%s", &stdout)
			}
			if stderr.Len() == 0 {
				t.Error("got nothing on stderr, want the reason")
			}
		})
	}
}
