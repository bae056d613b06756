package pgtest

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
)

var (
	shared     *Cluster
	sharedErr  error
	sharedOnce sync.Once
	inMain     atomic.Bool
)

// Shared returns the cluster shared by every test in this test binary, starting it on first use.
// Packages with many tests use it with NewDatabase, so each test still gets its own database. The
// package's TestMain must call Main, which stops the cluster when the tests are done:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
func Shared(tb testing.TB) *Cluster {
	tb.Helper()
	if !inMain.Load() {
		tb.Fatal("pgtest: Shared needs TestMain to call pgtest.Main(m), which stops the cluster; " +
			"add: func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }")
	}
	sharedOnce.Do(func() { shared, sharedErr = start() })
	if sharedErr != nil {
		tb.Fatal(sharedErr)
	}
	return shared
}

// Main runs the tests and then stops the shared cluster, if one was started. It returns the exit
// code for os.Exit; a cluster that fails to stop turns a passing run into a failing one.
func Main(m *testing.M) int {
	inMain.Store(true)
	code := m.Run()
	if shared != nil {
		if err := shared.stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}
