package deploy

import (
	"context"
	"errors"
	"testing"
)

func TestAbortBeforeAndAfterSwitch(t *testing.T) {
	t.Run("before", func(t *testing.T) {
		ctx, a := NewAbort(context.Background())
		if !a.Abort() {
			t.Fatal("Abort before the switch: got false, want true")
		}
		if ctx.Err() == nil {
			t.Error("the deploy's context is not canceled after Abort")
		}
		if err := a.enterSwitch(); !errors.Is(err, ErrAborted) {
			t.Errorf("enterSwitch after Abort: got %v, want ErrAborted", err)
		}
		if err := a.explain(errors.New("web.1 was not healthy")); !errors.Is(err, ErrAborted) || !errors.Is(err, context.Canceled) {
			t.Errorf("explain after Abort: got %v, want ErrAborted wrapping context.Canceled", err)
		}
	})
	t.Run("after", func(t *testing.T) {
		ctx, a := NewAbort(context.Background())
		if err := a.enterSwitch(); err != nil {
			t.Fatalf("enterSwitch: got %v, want nil", err)
		}
		if a.Abort() {
			t.Error("Abort after the switch: got true, want false (too late)")
		}
		if ctx.Err() != nil {
			t.Error("Abort after the switch canceled the deploy's context")
		}
		a.Release()
	})
	t.Run("none", func(t *testing.T) {
		var a *Abort
		want := errors.New("x")
		if err := a.explain(want); err != want {
			t.Errorf("nil Abort explain: got %v, want %v", err, want)
		}
		if err := a.enterSwitch(); err != nil {
			t.Errorf("nil Abort enterSwitch: got %v, want nil", err)
		}
	})
}
