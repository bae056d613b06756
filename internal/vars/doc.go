// Package vars is the config vars of one app: names and values its processes get in their
// environment, as Heroku's `config:set` gives them, kept in the state directory and never in a
// release's copy of the app.
//
// The vars are versioned. Each change writes the whole set as the next version, a file of its own
// that is never changed afterwards; the newest version is the current one, which the next deploy
// boots with. A release records the number of the version it booted with, so a restart boots it
// with the same vars, and a rollback restores them by writing them again as the newest version.
// Version 0 is the empty set: an app with no config vars yet.
//
//	<app>/vars/          0700
//	<app>/vars/v3.json   {"DATABASE_URL": "postgres://..."}, 0600
//
// Files are written atomically (temp file, fsync, rename), readable by the daemon's user alone, and
// never read through a link. Values are secrets: nothing in this package puts one in an error.
//
// Precedence, as the deploy builds a process's environment: config vars over cutover.toml's [env]
// over the daemon's environment; what cutover sets itself (PORT, CUTOVER_*, the socket activation
// variables) over all three, which is why those names cannot be set here.
package vars
