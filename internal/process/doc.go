// Package process starts and stops the child processes of an app.
//
// The model, in plain words:
//
//   - Each process runs in a process group of its own, led by the command
//     itself (the shell that parses a Procfile command replaces itself with
//     exec). Signals go to the whole group, so a command's own children get
//     them too.
//   - A group lives and dies with its leader: when the leader exits, for any
//     reason, whatever is left in its group is killed with SIGKILL before the
//     leader is reaped. The leader's pid is still held then, so the kill
//     cannot reach an unrelated group that happens to reuse the number.
//   - Every child gets SIGKILL if cutover itself dies (Pdeathsig), and
//     KillOrphans finds those that escaped anyway, by their CUTOVER_STATE
//     environment variable, after a crash.
//   - Stopping is SIGTERM to the group, then SIGKILL once a timeout has
//     passed. Run does the same for a command run to completion, such as
//     the release phase.
//   - A Group holds the processes of one release. Once supervised, a process
//     that exits without being stopped is started again after a backoff that
//     grows from DefaultRestartMin to DefaultRestartMax.
//
// One goroutine waits on each process; a Group adds one per process it
// tracks. All of them end once the processes have exited and, for a Group,
// once Stop has returned.
package process
