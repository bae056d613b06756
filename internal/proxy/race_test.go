//go:build race

package proxy

// raceEnabled says the tests run under the race detector, which allocates.
const raceEnabled = true
