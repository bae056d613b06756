package gcfloor

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	for _, tc := range []struct {
		live, headroom uint64
		want           int
	}{
		{4 << 20, 16 << 20, 400},
		{16 << 20, 16 << 20, 100},
		{64 << 20, 16 << 20, 100}, // a large heap: Go's default, never less
		{0, 16 << 20, 1 << 20},    // nothing live: bounded
		{3 << 20, 16 << 20, 533},
	} {
		if got := Percent(tc.live, tc.headroom); got != tc.want {
			t.Errorf("Percent(%d, %d) = %d, want %d", tc.live, tc.headroom, got, tc.want)
		}
	}
}

// currentPercent reads GOGC, which the runtime only returns by setting it.
func currentPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func TestStartFollowsCycles(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	tu := Start(1 << 40) // far more than any live heap here: GOGC well above 100
	if tu == nil {
		t.Fatal("Start returned nil with neither GOGC nor GOMEMLIMIT set")
	}
	defer tu.Stop()
	deadline := time.Now().Add(10 * time.Second)
	for tu.Cycles() < 2 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond) // the finalizer runs in its own goroutine
	}
	if got := tu.Cycles(); got < 2 {
		t.Fatalf("the tuner heard of %d cycles after repeated runtime.GC, want at least 2", got)
	}
	if got, want := currentPercent(), tu.Percent(); got != want || got <= 100 {
		t.Errorf("GOGC = %d with the tuner's %d, want them equal and above 100", got, want)
	}
	tu.Stop()
	if got := currentPercent(); got != 100 {
		t.Errorf("GOGC after Stop = %d, want 100", got)
	}
	before := tu.Cycles()
	runtime.GC()
	runtime.GC()
	time.Sleep(50 * time.Millisecond)
	if got := currentPercent(); got != 100 {
		t.Errorf("GOGC after Stop and two cycles = %d, want 100 (a stopped tuner sets nothing)", got)
	}
	if got := tu.Cycles(); got > before+1 {
		t.Errorf("a stopped tuner heard of %d more cycles, want at most the one in flight", got-before)
	}
}

func TestStartLeavesUsersSetting(t *testing.T) {
	for _, env := range []string{"GOGC", "GOMEMLIMIT"} {
		t.Run(env, func(t *testing.T) {
			t.Setenv("GOGC", "")
			t.Setenv("GOMEMLIMIT", "")
			t.Setenv(env, "200")
			if tu := Start(0); tu != nil {
				tu.Stop()
				t.Fatalf("Start with %s set started a tuner, want nil", env)
			}
		})
	}
}
