package certs

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"go.uber.org/zap"
)

func TestZapToSlog(t *testing.T) {
	tests := []struct {
		name  string
		level slog.Level
		log   func(*zap.Logger)
		want  []string // substrings of the slog line; nil: nothing written
	}{
		{"info with fields", slog.LevelInfo, func(l *zap.Logger) {
			l.Named("obtain").Info("obtaining certificate", zap.String("identifier", "a.test"), zap.Int("attempt", 2))
		}, []string{"level=INFO", `msg="obtaining certificate"`, "logger=obtain", "identifier=a.test", "attempt=2"}},
		{"error", slog.LevelInfo, func(l *zap.Logger) {
			l.Error("could not get certificate", zap.Error(errors.New("boom")))
		}, []string{"level=ERROR", "error=boom"}},
		{"fields from With", slog.LevelInfo, func(l *zap.Logger) {
			l.With(zap.String("cache", "c1")).Warn("stopping")
		}, []string{"level=WARN", "cache=c1"}},
		{"debug dropped by slog's level", slog.LevelInfo, func(l *zap.Logger) {
			l.Debug("http request")
		}, nil},
		{"debug kept", slog.LevelDebug, func(l *zap.Logger) {
			l.Debug("http request")
		}, []string{"level=DEBUG", `msg="http request"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			tt.log(zapLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: tt.level}))))
			got := buf.String()
			if tt.want == nil && got != "" {
				t.Fatalf("got %q, want nothing", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("got %q, want it to contain %q", got, w)
				}
			}
		})
	}
}
