package certs

import (
	"context"
	"log/slog"
	"maps"
	"slices"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// zapLogger returns a zap logger whose every entry goes to l, so certmagic logs through log/slog.
func zapLogger(l *slog.Logger) *zap.Logger {
	return zap.New(&slogCore{log: l})
}

// slogCore is a zapcore.Core that forwards entries to a slog.Logger. Levels map one to one, zap's
// DPanic and above to Error; the zap logger's name goes in a "logger" attribute.
type slogCore struct {
	log   *slog.Logger
	attrs []slog.Attr // from With
}

func slogLevel(l zapcore.Level) slog.Level {
	switch {
	case l <= zapcore.DebugLevel:
		return slog.LevelDebug
	case l == zapcore.InfoLevel:
		return slog.LevelInfo
	case l == zapcore.WarnLevel:
		return slog.LevelWarn
	}
	return slog.LevelError
}

// Enabled asks the slog handler, so debug entries cost nothing when slog drops them.
func (c *slogCore) Enabled(l zapcore.Level) bool {
	return c.log.Enabled(context.Background(), slogLevel(l))
}

// With returns a core that adds fields to every entry.
func (c *slogCore) With(fields []zapcore.Field) zapcore.Core {
	return &slogCore{log: c.log, attrs: append(c.attrs[:len(c.attrs):len(c.attrs)], toAttrs(fields)...)}
}

// Check adds the core to ce if the level is enabled.
func (c *slogCore) Check(e zapcore.Entry, ce *zapcore.CheckedEntry) *zapcore.CheckedEntry {
	if c.Enabled(e.Level) {
		return ce.AddCore(e, c)
	}
	return ce
}

// Write sends one entry to slog.
func (c *slogCore) Write(e zapcore.Entry, fields []zapcore.Field) error {
	attrs := make([]slog.Attr, 0, len(c.attrs)+len(fields)+1)
	if e.LoggerName != "" {
		attrs = append(attrs, slog.String("logger", e.LoggerName))
	}
	attrs = append(attrs, c.attrs...)
	attrs = append(attrs, toAttrs(fields)...)
	c.log.LogAttrs(context.Background(), slogLevel(e.Level), e.Message, attrs...)
	return nil
}

// Sync has nothing to flush: slog handlers write as they go.
func (c *slogCore) Sync() error { return nil }

// toAttrs turns zap fields into slog attributes, through zap's own map encoder.
func toAttrs(fields []zapcore.Field) []slog.Attr {
	if len(fields) == 0 {
		return nil
	}
	enc := zapcore.NewMapObjectEncoder()
	for _, f := range fields {
		f.AddTo(enc)
	}
	keys := slices.Sorted(maps.Keys(enc.Fields))
	attrs := make([]slog.Attr, 0, len(keys))
	for _, k := range keys {
		attrs = append(attrs, slog.Any(k, enc.Fields[k]))
	}
	return attrs
}
