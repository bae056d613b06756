// Package bake judges a new release during its bake: the window after the switch when the old
// release is still booted beside it, so that traffic can go back to the old one within a request.
//
// The judgement compares what the proxy saw of the new release since the switch with what it saw
// of the old one just before the deploy (its baseline), by named thresholds:
//
//   - the new release's failure rate (5xx from the app, answers cut off, timeouts — not clients
//     that left, not requests refused as malformed) above max(DefaultMaxErrorRate,
//     DefaultErrorFactor × the old rate);
//   - the new release's p99 above DefaultLatencyFactor × the old p99 and at least
//     DefaultLatencySlack above it (so a 1 ms → 3 ms wobble of a fast app is not a regression).
//     A release's p99 is the median of the p99s of its busy seconds (DefaultLatencySeconds of
//     them at least; the new release's from its last DefaultLatencyWindow), so one slow second —
//     the first requests to a cold release, a pause — neither condemns nor excuses it.
//
// Nothing is judged before the new release has served DefaultMinRequests; latency is not judged
// when the old release had fewer than that in its baseline, or too few busy seconds, since there
// is nothing to compare with. A Judge is fed by the proxy's hot path (Observe: one mutex, no allocation) and read by
// the deploy every tick (Verdict).
package bake
