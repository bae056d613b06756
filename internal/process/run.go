package process

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// DefaultRunStopTimeout is how long Run waits after SIGTERM, once its
// timeout has passed or its context is done, before it sends SIGKILL. It is
// short: a command that overran is not expected to clean up at length.
const DefaultRunStopTimeout = 5 * time.Second

// Run runs the process described by spec to completion, as for the release
// phase. It returns nil if the process exits with status 0. Otherwise the
// error wraps the *ExitError and quotes the last lines of output. If the
// process is still running after timeout (no limit if timeout <= 0) or when
// ctx is done, its group is stopped (SIGTERM, then SIGKILL after
// DefaultRunStopTimeout) and the error says so, wrapping
// context.DeadlineExceeded or ctx's cause.
func Run(ctx context.Context, spec Spec, timeout time.Duration) error {
	p, err := Start(spec)
	if err != nil {
		return err
	}
	var expired <-chan time.Time
	if timeout > 0 {
		timer := time.NewTimer(timeout)
		defer timer.Stop()
		expired = timer.C
	}

	select {
	case <-p.Done():
		if err := p.Err(); err != nil {
			return fmt.Errorf("%w%s", err, lastOutput(p.Tail()))
		}
		return nil
	case <-expired:
		err = fmt.Errorf("%s timed out after %v: %w", spec.Name, timeout, context.DeadlineExceeded)
	case <-ctx.Done():
		err = fmt.Errorf("%s interrupted: %w", spec.Name, context.Cause(ctx))
	}
	if stopErr := p.Stop(DefaultRunStopTimeout); stopErr != nil {
		err = errors.Join(err, stopErr)
	}
	return fmt.Errorf("%w%s", err, lastOutput(p.Tail()))
}

// lastOutput formats the tail of a process's output for an error message.
func lastOutput(lines []string) string {
	if len(lines) == 0 {
		return " (no output)"
	}
	return "; last output:\n    " + strings.Join(lines, "\n    ")
}
