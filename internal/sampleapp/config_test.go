package sampleapp

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		want    config
		wantErr string
	}{
		{
			name: "defaults",
			want: config{host: "127.0.0.1", version: "v1", shutdownTimeout: DefaultShutdownTimeout},
		},
		{
			name: "environment",
			env: map[string]string{"PORT": "5001", "SAMPLE_VERSION": "v2", "SAMPLE_BOOT_DELAY": "2s",
				"SAMPLE_NEVER_HEALTHY": "1", "SAMPLE_FLAP_HEALTH": "true", "SAMPLE_IGNORE_SIGTERM": "true",
				"SAMPLE_CRASH_AT_BOOT": "true", "SAMPLE_HOST": "0.0.0.0", "SAMPLE_SHUTDOWN_TIMEOUT": "5s", "SAMPLE_SERIAL": "1"},
			want: config{host: "0.0.0.0", port: "5001", version: "v2", bootDelay: 2 * time.Second,
				shutdownTimeout: 5 * time.Second, neverHealthy: true, crashAtBoot: true, flapHealth: true, ignoreSIGTERM: true, serial: true},
		},
		{
			name: "flags win over environment",
			env:  map[string]string{"PORT": "5001", "SAMPLE_VERSION": "v2", "SAMPLE_NEVER_HEALTHY": "true"},
			args: []string{"--port", "6000", "--version=v3", "--never-healthy=false"},
			want: config{host: "127.0.0.1", port: "6000", version: "v3", shutdownTimeout: DefaultShutdownTimeout},
		},
		{
			name:    "bad environment value names the variable",
			env:     map[string]string{"SAMPLE_BOOT_DELAY": "soon"},
			wantErr: "SAMPLE_BOOT_DELAY",
		},
		{
			name:    "stray argument",
			args:    []string{"web"},
			wantErr: "unexpected arguments",
		},
		{
			name:    "zero shutdown timeout",
			args:    []string{"--shutdown-timeout=0s"},
			wantErr: "--shutdown-timeout must be positive",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseConfig(tt.args, func(k string) string { return tt.env[k] }, io.Discard)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseConfig: %v", err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseConfigHelp(t *testing.T) {
	var usage strings.Builder
	_, err := parseConfig([]string{"-h"}, func(string) string { return "" }, &usage)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("got %v, want flag.ErrHelp", err)
	}
	if !strings.Contains(usage.String(), "SAMPLE_VERSION") {
		t.Errorf("usage does not mention the environment variables:\n%s", usage.String())
	}
}
