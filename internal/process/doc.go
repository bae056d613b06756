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
//   - Where the daemon may write to its cgroup v2 (delegated by systemd with
//     Delegate=yes, or as root), each web and worker process is also born in
//     a cgroup of its own, <app>/<release>/<name> (Cgroups, Spec.Cgroup),
//     which no process can leave: setsid and double forks leave a process
//     group, not a cgroup. Signals go to the cgroup as well as the group, and
//     when the leader exits the whole cgroup is killed (cgroup.kill, or
//     freeze and kill on kernels before 5.14), then removed. The daemon moves
//     itself into <its cgroup>/daemon first, so the app's cgroups are its
//     siblings, as cgroup v2 wants of a subtree with controllers; a daemon
//     started by an upgrade is there already and finds the same <app>. Where
//     cgroups cannot be used, process groups alone serve, and OpenCgroups
//     says why.
//   - A child gets SIGKILL if cutover itself dies (Pdeathsig), unless it was
//     started with KeepOnExit: an app's web and worker processes must outlive
//     the daemon that started them, so that its successor can adopt them at
//     an upgrade (Adopt, Group.Disown). Those are tied to the daemons
//     instead by a lifeline: a pipe whose write end every daemon of the line
//     holds, and whose read end a small watcher process holds
//     (StartLifeline, WatchLifeline). When the last daemon holding it exits,
//     however it exits, the watcher kills what is left (KillOrphans): all of
//     the app's cgroups; each process recorded, while it runs, in the state
//     directory's pids/ with its start time (Spec.PidDir), if that pid still
//     has that start time; and, for what neither finds, each process whose
//     CUTOVER_STATE environment variable names the state directory. A process
//     may overwrite its environment (Puma's process title does); it cannot
//     change its cgroup or its start time. The trade-off: an
//     app process now outlives a dead daemon by the moment the watcher takes
//     to notice, and if the watcher itself was killed, until the next daemon
//     starts and kills the orphans it finds. Pdeathsig cannot serve here:
//     it fires when the parent dies, and the parent of an app process is
//     the very daemon that exits after an upgrade.
//   - An adopted process is not the new daemon's child: it is watched
//     through a pidfd, its exit status is unknown (it went to its first
//     parent, or to init), and its output pipes are the ones handed over.
//   - Stopping is SIGTERM to the group, then SIGKILL once a timeout has
//     passed. Run does the same for a command run to completion, such as
//     the release phase.
//   - A Group holds the processes of one release. Once supervised, a process
//     that exits without being stopped is started again after a backoff that
//     grows from DefaultRestartMin to DefaultRestartMax. It counts restarts
//     and keeps how each process last ended (States); a process restarted
//     twice in a row after runs shorter than DefaultRestartReset is
//     crash-looping until a run lasts that long.
//
// One goroutine waits on each process; a Group adds one per process it
// tracks. All of them end once the processes have exited and, for a Group,
// once Stop has returned.
package process
