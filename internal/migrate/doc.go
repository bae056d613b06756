// Package migrate runs an app's SQL migrations against its PostgreSQL database, in two phases so
// the release being replaced survives them: pre-deploy migrations (expand) run before traffic
// switches to the new release, post-deploy migrations (contract) run after the old release has
// stopped.
//
// Migrations are plain .sql files in two folders (DefaultPreDir, DefaultPostDir), applied in file
// name order and recorded in a table (DefaultTable) in the app's database. A run holds a PostgreSQL
// advisory lock (AdvisoryLockKey), so two deploys never migrate the same database at once.
//
// Each file runs in its own transaction with lock_timeout and statement_timeout set, and its record
// is written in that same transaction: a file is applied entirely or not at all. A file that cannot
// run in a transaction (see NeedsNoTransaction) runs statement by statement on the session and is
// recorded after its last statement. A lock timeout is retried a few times with backoff, because a
// long query in the live release is usually gone a second later; any other failure stops the run,
// and nothing after the failed file runs.
package migrate
