package gcfloor

import (
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		name              string
		live, roots, room uint64
		want              int
	}{
		{"a small heap gets the headroom", 4 * mib, 0, 16 * mib, 400},
		{"stacks and globals count as GOGC multiplies them", 3 * mib, 1 * mib, 16 * mib, 400},
		{"a heap as large as the headroom: Go's default", 16 * mib, 0, 16 * mib, 100},
		{"a larger one: never below Go's default", 64 * mib, 8 * mib, 16 * mib, 100},
		{"nothing live yet: the runtime's minimum heap bounds it", 0, 0, 16 * mib, 400},
		{"many stacks, little heap", 1 * mib, 60 * mib, 16 * mib, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Percent(tc.live, tc.roots, tc.room); got != tc.want {
				t.Errorf("Percent(%d, %d, %d) = %d, want %d", tc.live, tc.roots, tc.room, got, tc.want)
			}
		})
	}
}

// currentPercent reads GOGC, which the runtime only returns by setting it.
func currentPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func readMetrics(names ...string) []uint64 {
	s := make([]metrics.Sample, len(names))
	for i, n := range names {
		s[i].Name = n
	}
	metrics.Read(s)
	out := make([]uint64, len(s))
	for i := range s {
		out[i] = s[i].Value.Uint64()
	}
	return out
}

// waitFor runs collections until cond holds (the finalizer runs in a goroutine of its own after
// the cycle that freed its object), for at most 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s of collections: %s", what)
		}
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
	}
}

func TestStartFollowsCycles(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	tu := Start(1 << 30) // far more than any live heap here: GOGC well above 100
	if tu == nil {
		t.Fatal("Start returned nil with neither GOGC nor GOMEMLIMIT set")
	}
	defer tu.Stop()
	waitFor(t, "the tuner heard of fewer than 2 cycles", func() bool { return tu.Cycles() >= 2 })
	if got, want := currentPercent(), tu.Percent(); got != want || got <= 100 {
		t.Errorf("GOGC = %d with the tuner's %d, want them equal and above 100", got, want)
	}
	tu.Stop()
	if got := currentPercent(); got != 100 {
		t.Errorf("GOGC after Stop = %d, want 100", got)
	}
	cycles, calls := tu.Cycles(), tu.calls.Load()
	waitFor(t, "the stopped tuner's finalizer did not run", func() bool { return tu.calls.Load() > calls })
	if got := currentPercent(); got != 100 {
		t.Errorf("GOGC after Stop and a cycle = %d, want 100 (a stopped tuner sets nothing)", got)
	}
	if got := tu.Cycles(); got != cycles {
		t.Errorf("a stopped tuner counted %d cycles more, want none", got-cycles)
	}
}

// TestStartBeforeFirstCycle starts the tuner as cutover serve does, in a fresh process before the
// runtime's first collection, when nothing is live yet: the heap goal must still be about the
// headroom. (Percent(0) once gave GOGC 1<<20, a goal of 41 GiB through the runtime's minimum heap.)
func TestStartBeforeFirstCycle(t *testing.T) {
	if os.Getenv("GCFLOOR_TEST_CHILD") == "1" {
		if c := readMetrics("/gc/cycles/total:gc-cycles")[0]; c != 0 {
			t.Skipf("the child ran %d collections already", c)
		}
		tu := Start(0)
		defer tu.Stop()
		if goal := readMetrics("/gc/heap/goal:bytes")[0]; goal > 2*DefaultHeadroom {
			t.Fatalf("heap goal after Start in a fresh process: %d MiB (GOGC %d), want about the headroom, %d MiB", goal>>20, tu.Percent(), DefaultHeadroom>>20)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestStartBeforeFirstCycle$", "-test.v")
	cmd.Env = append(os.Environ(), "GCFLOOR_TEST_CHILD=1", "GOGC=", "GOMEMLIMIT=")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestStartBeforeFirstCycle") {
		t.Fatalf("the child (a fresh process) did not pass: %v\n%s", err, out)
	}
}

// TestGoalWithinHeadroom holds many grown goroutine stacks beside a small heap, as a daemon with
// many idle connections does: GOGC multiplies the stacks too, so the heap goal must stay within
// the headroom past what is live, or Go's default goal when that is more.
func TestGoalWithinHeadroom(t *testing.T) {
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	var grown sync.WaitGroup
	release := make(chan struct{})
	defer close(release)
	for range 1000 {
		grown.Add(1)
		go deep(60, &grown, release) // about 64 KiB of stack each
	}
	grown.Wait()
	tu := Start(0)
	defer tu.Stop()
	n := tu.Cycles() + 2
	waitFor(t, "the tuner heard of fewer than 2 cycles", func() bool { return tu.Cycles() >= n })
	v := readMetrics("/gc/heap/live:bytes", "/gc/scan/stack:bytes", "/gc/scan/globals:bytes", "/gc/heap/goal:bytes")
	live, roots, goal := v[0], v[1]+v[2], v[3]
	byDefault := live + live + roots
	if most := max(byDefault, live+DefaultHeadroom) * 11 / 10; goal > most {
		t.Errorf("live %d KiB, stacks and globals %d KiB, GOGC %d: heap goal %d MiB, want at most %d MiB (GOGC=100 gives %d MiB)",
			live>>10, roots>>10, tu.Percent(), goal>>20, most>>20, byDefault>>20)
	}
}

// deep grows its goroutine's stack by about n KiB, says so, and waits for release.
func deep(n int, grown *sync.WaitGroup, release chan struct{}) byte {
	var pad [1024]byte
	if n == 0 {
		grown.Done()
		<-release
		return 0
	}
	return deep(n-1, grown, release) + pad[n%1024]
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
