package deploy

import (
	"context"
	"sync"
)

// ErrAborted is the error of a deploy stopped by `cutover deploy --abort` before its switch. It
// wraps context.Canceled, so the release is recorded as interrupted.
var ErrAborted = abortedError{}

type abortedError struct{}

func (abortedError) Error() string {
	return "aborted by `cutover deploy --abort`: the new release was stopped and nothing changed"
}
func (abortedError) Unwrap() error { return context.Canceled }

// Abort lets another goroutine stop a deploy up to its switch, and no later: from the switch on the
// new release serves, and only a rollback goes back. Its zero value is not usable; make one with
// NewAbort.
type Abort struct {
	mu       sync.Mutex
	cancel   context.CancelFunc
	aborted  bool
	switched bool
}

// NewAbort returns a context for a deploy and the Abort that cancels it.
func NewAbort(ctx context.Context) (context.Context, *Abort) {
	ctx, cancel := context.WithCancel(ctx)
	return ctx, &Abort{cancel: cancel}
}

// Abort asks the deploy to stop. It returns false when the deploy already switched traffic: it is
// then too late, and the deploy goes on to its end.
func (a *Abort) Abort() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.switched {
		return false
	}
	a.aborted = true
	a.cancel()
	return true
}

// Release frees the Abort's context once the deploy has ended.
func (a *Abort) Release() { a.cancel() }

// enterSwitch is called just before the switch: it returns ErrAborted when an abort came first, and
// otherwise refuses every later abort.
func (a *Abort) enterSwitch() error {
	if a == nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.aborted {
		return ErrAborted
	}
	a.switched = true
	return nil
}

// explain turns err, the error of a step before the switch, into ErrAborted when an abort came:
// the step failed because its context was canceled, whatever words its error found for that.
func (a *Abort) explain(err error) error {
	if a == nil || err == nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.aborted {
		return ErrAborted
	}
	return err
}
