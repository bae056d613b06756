package acmetest

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestStartStopRestart(t *testing.T) {
	s := Start(t, Options{HTTPPort: 5002, TLSPort: 5001})
	if got := directoryStatus(s); got != http.StatusOK {
		t.Fatalf("directory: got %d, want 200", got)
	}
	if s.Roots() == nil {
		t.Fatal("Roots: got nil pool")
	}
	s.AddA("elsewhere.test", "127.0.0.2")

	s.Stop()
	if got := directoryStatus(s); got != 0 {
		t.Fatalf("directory after Stop: got %d, want no answer", got)
	}
	s.Restart()
	if got := directoryStatus(s); got != http.StatusOK {
		t.Fatalf("directory after Restart: got %d, want 200", got)
	}
}

// directoryStatus is the status of GET directory, 0 when nothing answered.
func directoryStatus(s *Server) int {
	resp, err := s.httpClient.Get(s.DirectoryURL)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestWriteConfig(t *testing.T) {
	tests := []struct {
		name     string
		validity time.Duration
		want     float64
	}{
		{"a minute", time.Minute, 60},
		{"an hour", time.Hour, 3600},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.json")
			err := writeConfig(path, "/cert.pem", "/key.pem", "127.0.0.1:1", "127.0.0.1:2",
				Options{HTTPPort: 80, TLSPort: 443, Validity: tt.validity})
			if err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(path)
			var cfg struct {
				Pebble struct {
					HTTPPort, TLSPort int
					Profiles          map[string]struct{ ValidityPeriod float64 }
				}
			}
			if err := json.Unmarshal(data, &cfg); err != nil {
				t.Fatal(err)
			}
			if n := len(cfg.Pebble.Profiles); n != 1 {
				t.Fatalf("profiles: got %d, want exactly 1 (Pebble picks one at random)", n)
			}
			if got := cfg.Pebble.Profiles["default"].ValidityPeriod; got != tt.want {
				t.Errorf("validityPeriod: got %v, want %v", got, tt.want)
			}
			if cfg.Pebble.HTTPPort != 80 || cfg.Pebble.TLSPort != 443 {
				t.Errorf("ports: got %d/%d, want 80/443", cfg.Pebble.HTTPPort, cfg.Pebble.TLSPort)
			}
		})
	}
}
