// Package capture runs an app's release command against a throwaway copy of its database's schema
// and reads back every statement PostgreSQL received, so the linter checks the SQL a framework
// (ActiveRecord, Django, Alembic...) really sends rather than only plain .sql files.
//
// The model, in order:
//
//   - Scratch starts a private PostgreSQL cluster from the host's server binaries (initdb, postgres),
//     in a fresh folder, listening only on a unix socket inside that folder (no TCP at all), with
//     log_statement = 'all' written as jsonlog by the logging collector. It loads the source
//     database's schema (pg_dump --schema-only) and the rows of the framework's bookkeeping tables
//     (schema_migrations, ar_internal_metadata, django_migrations, alembic_version, and any table
//     shaped as Alembic's under another name: version_table=) and nothing else, so only pending
//     migrations run. The source database is only read, by pg_dump.
//   - Run runs the release command with DATABASE_URL and the PG* variables pointed at the copy,
//     bounded by a timeout, keeping the tail of its output.
//   - With a post-deploy command (Options.Then, the Procfile's postdeploy:), it runs next on the same
//     copy; a statement cutover sends between the two marks in the log where one ends, and the
//     second command's migrations are marked PostDeploy.
//   - Stop ends the server it started (by pid, a fast shutdown so the log is complete); ReadLogDir
//     then reads the jsonlog: the statements executed, in order, per session, with transaction
//     boundaries, leaving out cutover's own connections (application_name AppName); Close removes
//     the folder. Capture does all of this in order.
//   - Attribute assigns statements to the framework migration that recorded itself: the INSERT into
//     schema_migrations (Rails: db/migrate or db/post_migrate/<version>_*.rb), into django_migrations
//     (<app>/migrations/<name>.py) or the INSERT/UPDATE of version_num alone in alembic_version or a
//     table of another name (the file under versions/ that declares that revision). The statements before the marker in the same transaction belong
//     to that migration; a marker outside a transaction claims the statements run on their own since
//     the previous marker or transaction in that session. Anything else is the release command's own.
//   - With Options.ObserveLocks, a second database (ReplayDatabase) copies the loaded one before the
//     command runs; after the capture the server starts again and ObserveLocks replays the statements
//     there in order, one connection per captured session, each statement outside a transaction
//     wrapped in one of its own, with a short lock_timeout so nothing waits. After each statement
//     it reads pg_locks: the table locks the statement added, beside what the linter claims
//     (lint.ClaimedLocks). Where they differ (Observed.Disagreements), the linter is wrong. A
//     statement that cannot run in a transaction (CREATE INDEX CONCURRENTLY, VACUUM) runs bare
//     and is not observed.
//   - Lint lints each migration's statements with the migrate/lint rules, named by the migration file,
//     and adds the framework's own fix where a rule fires on a dropped column or a blocking index.
//     Post-deploy migrations are linted as such. A `cutover:ignore CODE reason: ...` comment in the
//     migration's own file (Ruby, Python) silences that code for the whole migration.
//
// Where the user prefers (Options.CheckDatabase, cutover.toml's [migrations] check_database: a host
// without server binaries, or a managed server whose version and extensions must match), the copy
// is a database named RemotePrefix + random hex that Remote creates on the user's own server, loaded
// the same way (pg_dump and psql are still needed on the host). That server's log is out of reach,
// so the statements are read on the wire: a Recorder listens on a unix socket in a folder private
// to cutover and relays each connection of the commands to the server, authentication included
// (md5, SCRAM without channel binding), opening TLS to it when the URL's sslmode asks, and records
// each simple Query and each extended-protocol Execute (with the Parse and Bind it runs) as the log
// would; the boundary between the two commands is marked in the recording itself. The database is
// dropped WITH (FORCE) afterwards, also when a command failed. Binary parameters are recorded as
// "<binary>", and COPY's data is relayed unread.
//
// The copy has no rows but the bookkeeping ones: a migration that reads data (a backfill, a
// data-dependent check) sees empty tables, and one that needs rows fails there with a RunError
// showing the command's last output. A command that connects somewhere other than DATABASE_URL or
// the PG* variables is not seen at all.
package capture
