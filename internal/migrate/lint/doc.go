// Package lint checks PostgreSQL migrations for changes that break a
// zero-downtime deploy, before they run.
//
// During a deploy two releases overlap. Pre-deploy (expand) migrations run
// while the old release still serves traffic; post-deploy (contract)
// migrations run after it stopped, while the new release serves. A statement
// is unsafe when the serving release cannot survive it (a dropped or renamed
// column it still reads), or when it takes a lock that stalls that release's
// traffic (a CREATE INDEX that blocks writes for minutes).
//
// Lint parses each migration with PostgreSQL's own parser (pg_query, which
// wraps libpg_query), never with regular expressions, and runs every rule on
// the parse trees. Each rule lives in a file of its own behind the one-method
// Rule interface and has a stable code:
//
//   - CO0xx: the silencing comments themselves;
//   - CO1xx: changes that break the serving release;
//   - CO2xx: locks that stall traffic, named by their PostgreSQL lock level;
//   - CO3xx: hygiene.
//
// Rules lists them all. Each Finding names the file and line of the
// statement, says in one line what breaks or which lock is taken, and says
// what to do instead.
//
// The linter knows what the migrations it reads declare, in order, pre-deploy
// files before post-deploy ones: a table created earlier in the same file is
// new, empty and unused, so locking or rewriting it is harmless (CREATE ...
// IF NOT EXISTS proves nothing: the table may exist and hold rows); a column
// type declared in an earlier file tells whether an ALTER COLUMN TYPE only
// widens a varchar; a NOT NULL check validated in a pre-deploy file lets a
// post-deploy SET NOT NULL skip its scan. It assumes nothing about tables it
// has not seen: a type change from an unknown type is a rewrite, and a
// default calling a function it does not know is volatile, until shown
// otherwise.
//
// Where a rule names a lock level, the level is PostgreSQL's documented one;
// for the newer rules TestOnPostgres also reads it from pg_locks on a real
// server.
//
// LintSources reads and parses files in parallel and checks them in order,
// so a folder of thousands of migrations lints at the parser's speed; a file
// that does not parse is reported and hides nothing from the others.
//
// A finding is silenced for one statement by a comment on the lines directly
// above it (or inside it, or after it on its last line) that names the code
// and gives a reason:
//
//	-- cutover:ignore CO201 reason: the table is empty at this point
//	CREATE INDEX users_email_idx ON users (email);
//
// Silenced findings are still reported, marked as such, and do not count as
// errors. A silencing comment without a reason is itself an error (CO001);
// one that silences nothing is a warning (CO002).
package lint
