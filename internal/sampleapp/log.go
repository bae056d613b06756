package sampleapp

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
)

// lineHandler is a slog.Handler that writes what a plain app prints: the
// message then key=value pairs, for example
// "listening on 127.0.0.1:5000 version=v1". Warnings and errors go to errOut
// with an "error: " or "warning: " prefix. Groups are flattened.
type lineHandler struct {
	mu          *sync.Mutex
	out, errOut io.Writer
	attrs       []slog.Attr
}

func newLogger(out, errOut io.Writer) *slog.Logger {
	return slog.New(&lineHandler{mu: new(sync.Mutex), out: out, errOut: errOut})
}

func (h *lineHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h *lineHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	w := h.out
	switch {
	case r.Level >= slog.LevelError:
		b.WriteString("error: ")
		w = h.errOut
	case r.Level >= slog.LevelWarn:
		b.WriteString("warning: ")
		w = h.errOut
	}
	b.WriteString(r.Message)
	write := func(a slog.Attr) bool {
		v := a.Value.Resolve().String()
		if v == "" || strings.ContainsAny(v, " =\"\n") {
			v = strconv.Quote(v)
		}
		b.WriteString(" " + a.Key + "=" + v)
		return true
	}
	for _, a := range h.attrs {
		write(a)
	}
	r.Attrs(write)
	b.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(w, b.String())
	return err
}

func (h *lineHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), attrs...)
	return &c
}

func (h *lineHandler) WithGroup(string) slog.Handler { return h }
