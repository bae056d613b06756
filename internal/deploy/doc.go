// Package deploy is the deploy story of cutover, in one place:
//
//	prepare → build → lint → release phase → boot new → wait healthy → switch → bake → drain → stop old → post-deploy
//
// Until the switch nothing the old release depends on has changed (except expand-only migrations the
// linter has checked), so any failure up to there stops the new processes and leaves the old release
// serving. From the switch on, the new release serves, and later failures are reported but never undo it,
// except during the bake: the old release stays booted for a while (bake = "60s") and traffic goes
// back to it at once when the new one fails more, is slower or crashes (see package bake), or when
// `cutover rollback` asks; the deploy then ends as rolled back. Contract migrations wait for the bake.
// An Abort works the same way: up to the switch it stops the deploy as a failure would; from the
// switch on it is refused, and only a rollback goes back.
//
// Prepare also checks what TOML accepts but the user did not mean (a setting written below [env],
// PORT in [env], a [scale] entry for a process the Procfile lacks; web = 0 is refused), and, in socket
// mode, server settings known to break a deploy (Puma's binds and keep-alive, gunicorn's keep-alive):
// each is a warning in the deploy's output. The formation set with --scale is kept in the state
// directory for later deploys and rollbacks.
//
// The switch writes the live pointer first and moves traffic only once it is on disk, so a
// failed write (a full disk) is a failure before the switch too.
//
// At a start the daemon restores the live release with the same story from boot to switch, writing
// nothing, and retries it with backoff until it serves or a deploy takes over (RestoreUntilUp).
//
// Two releases overlap during a deploy: the new web processes boot on their own ports beside the old
// ones, the proxy switches atomically, and requests already in flight finish on the old release.
package deploy
