// Package acmetest runs a real ACME CA for tests: Pebble, Let's Encrypt's test CA, and
// pebble-challtestsrv as its DNS server. It is imported only by _test.go files, as pgtest is.
//
// The model, in plain words:
//
//   - Both programs are tool dependencies pinned in go.mod; `go tool -n` builds them once per machine
//     and prints where the cached executables are, so nothing is fetched at test time once the module
//     cache is warm.
//   - [Start] writes a config with exactly one profile (Pebble picks a random profile for an order that
//     names none), picks free ports on 127.0.0.1, starts challtestsrv then Pebble, and waits until both
//     answer. A port taken between picking and binding makes it start again on new ports, at most
//     [StartAttempts] times. Both processes are stopped, by their pid, when the test ends.
//   - Every name resolves to 127.0.0.1, so Pebble's validation reaches the test's own listeners on the
//     ports given in [Options]; [Server.AddA] points one name elsewhere to make a challenge fail.
//   - [Server.Stop] and [Server.Restart] take the CA down and bring it back on the same address, as a
//     CA outage would. Pebble makes a new issuing root each time it starts: clients ask
//     [Server.Roots] for the current one.
package acmetest
