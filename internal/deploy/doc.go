// Package deploy is the deploy story of cutover, in one place:
//
//	prepare → lint → release phase → boot new → wait healthy → switch → drain old → stop old → post-deploy
//
// Until the switch nothing the old release depends on has changed (except expand-only migrations the
// linter has checked), so any failure up to there stops the new processes and leaves the old release
// serving. The switch writes the live pointer first and moves traffic only once it is on disk, so a
// failed write (a full disk) is a failure before the switch too. From the switch on, the new release
// serves, and later failures are reported but never undo it.
//
// At a start the daemon restores the live release with the same story from boot to switch, writing
// nothing, and retries it with backoff until it serves or a deploy takes over (RestoreUntilUp).
//
// Two releases overlap during a deploy: the new web processes boot on their own ports beside the old
// ones, the proxy switches atomically, and requests already in flight finish on the old release.
package deploy
