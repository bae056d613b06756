// Package gitpush is git push to deploy, as Heroku users know it. Each app has a bare repository
// in its directory, <state>/apps/<name>/repo.git, whose pre-receive hook is a two-line script that
// runs `cutover git-hook pre-receive` with the state directory and the app.
//
// A push reaches the repository through the user's own OpenSSH (an authorized_keys forced command
// runs `cutover git-receive-pack`, which reads SSH_ORIGINAL_COMMAND, accepts only a push to a
// repository named after an app, and runs `git receive-pack` on it) or as a local path remote.
//
// The hook deploys the pushed commit of the app's deploy branch (git config cutover.branch in the
// repository, default DefaultBranch): it exports the commit's tree with `git archive` into a fresh
// directory under the app's, asks the daemon for a deploy of it with the commit recorded on the
// release, and streams the deploy's events to the pusher. A failed deploy fails the hook, so git
// rejects the push and the branch keeps pointing at the live code. Other branches are stored, not
// deployed; deleting the deploy branch is refused; force pushes are allowed. A push while a deploy
// of the app runs is refused at once (the daemon's ErrBusy), not queued.
package gitpush
