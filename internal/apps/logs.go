package apps

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/cutover-dev/cutover/internal/applog"
	"github.com/cutover-dev/cutover/internal/procfile"
)

// Tail returns the last n log lines of the app, of one process type or name when proc is set. It
// reads the log files, so the history is as long as they are and outlives restarts, then the
// memory's lines the files missed (a full disk; all of them when the files cannot be read). An
// unknown process is an error naming the known ones.
func (a *App) Tail(n int, proc string) ([]applog.Line, error) {
	if n <= 0 {
		n = 100
	}
	lines, err := applog.ReadTail(logPath(a.dir), a.logKeep(), n, keepProcess(proc))
	if err != nil {
		a.logger.Warn("read the app log files; showing the lines held in memory", "err", err)
		lines = nil
	}
	lines = applog.WithNewer(lines, a.log.Tail(n, keepProcess(proc)), n)
	if len(lines) == 0 && proc != "" {
		if known := a.processTypes(); !slices.Contains(known, strings.Split(proc, ".")[0]) {
			return nil, fmt.Errorf("no process %q in the live release: its process types are %s (see `cutover status`)", proc, strings.Join(known, ", "))
		}
	}
	return lines, nil
}

// processTypes lists the process types of the live release, and the release command's.
func (a *App) processTypes() []string {
	a.mu.Lock()
	live := a.live
	a.mu.Unlock()
	if live == nil {
		return []string{procfile.Release}
	}
	return live.ProcessTypes()
}

// Follow streams new log lines until ctx is done.
func (a *App) Follow(ctx context.Context, proc string) <-chan applog.Line {
	return a.log.Follow(ctx, keepProcess(proc))
}

// keepProcess matches "web" to web.1, web.2 and "web.2" to itself; "" to everything.
func keepProcess(proc string) func(applog.Line) bool {
	if proc == "" {
		return nil
	}
	return func(l applog.Line) bool {
		return l.Process == proc || strings.HasPrefix(l.Process, proc+".")
	}
}

// logKeep is how many rotated log files are kept beside the app log.
func (a *App) logKeep() int {
	switch {
	case a.rt.LogKeep == 0:
		return applog.DefaultFileKeep
	case a.rt.LogKeep < 0:
		return 0
	}
	return a.rt.LogKeep
}
