package sampleapp

import (
	"strings"
	"testing"
	"time"
)

func TestLineHandler(t *testing.T) {
	var out, errOut strings.Builder
	log := newLogger(&out, &errOut)
	log.Info("listening on 127.0.0.1:5000", "version", "v1")
	log.With("fd", 3).Info("using inherited socket")
	log.Info("shutting down", "timeout", 30*time.Second, "note", "two words")
	log.Debug("hidden")
	log.Error("boom", "err", "exit status 1")

	wantOut := "listening on 127.0.0.1:5000 version=v1\n" +
		"using inherited socket fd=3\n" +
		"shutting down timeout=30s note=\"two words\"\n"
	if got := out.String(); got != wantOut {
		t.Errorf("stdout: got %q, want %q", got, wantOut)
	}
	if got, want := errOut.String(), "error: boom err=\"exit status 1\"\n"; got != want {
		t.Errorf("stderr: got %q, want %q", got, want)
	}
}
