// Package certs gives each host a TLS certificate: from an ACME CA (Let's Encrypt by default),
// through certmagic, or from the app's own certificate and key files.
//
// The model, in plain words:
//
//   - The [Manager] holds the whole desired set of hosts, each with its [Source]. [Manager.Set]
//     replaces the set: a new ACME host starts issuance in the background at once (not on the first
//     handshake), a removed one stops being managed, a files host loads its pair.
//   - One failing host never stops the others, nor the daemon: New and Set do not fail over a host's
//     certificate. The last good certificate keeps serving, and [Manager.States] says in plain words
//     what is wrong ("does DNS for blog.example.com point to this server?") and when the next try is.
//   - ACME failures are retried by certmagic with a backoff (1 minute, 2, ... up to hours, for 30
//     days); renewal starts when RenewalWindowRatio of the lifetime is left, checked every
//     RenewCheckInterval. [Manager.Renew] tries again now, after the user fixed DNS or the CA is back.
//   - Challenges are answered by the daemon's own listeners: HTTP-01 by [Manager.ServeChallenge] on
//     the plain HTTP listener, TLS-ALPN-01 by the TLS config from [Manager.TLSConfig].
//   - The user's files are looked at every FileCheckInterval (mtime, size, inode, so a symlink swap
//     is seen). A new pair replaces the served one only if it parses, the key matches and it is not
//     expired. It serves a host only if its certificate names that host, as a browser checks
//     (x509 VerifyHostname: the host *.example.com needs a certificate naming *.example.com);
//     hosts sharing a pair are judged each on its own. A host it does not name is files-invalid,
//     its State says which names the certificate has, [Manager.Valid] is false (so no redirect to
//     HTTPS) and its handshakes are refused: a certificate for another name only makes browsers
//     warn.
//   - A handshake that gets no certificate (no SNI, a name no host has, none usable yet) fails with
//     the alert unrecognized_name. Why is logged at debug level only: any client can cause it.
//     An acme-tls/1 handshake reaches certmagic only while a TLS-ALPN-01 challenge is pending for
//     that ACME host; others are refused before it, since certmagic logs each as an error.
//   - Wildcard hosts (*.example.com) cannot be proved by HTTP-01 or TLS-ALPN-01, so they need the
//     app's own files; the catch-all host "*" gets no certificate.
//   - Storage is certmagic's file storage under Options.Dir (dirs 0700, files 0600): certificates,
//     keys, the ACME account, locks. A certificate there that cannot be read is removed and issued
//     again.
//   - Session tickets are sealed with the Manager's own keys, a new one a day, each kept a week
//     ([DefaultTicketRotation]); a daemon hands them to the one that takes over from it
//     ([Manager.TicketKeys], Options.TicketKeys), so that TLS clients resume across an upgrade.
//
// Logs from certmagic go through log/slog (zapslog.go).
package certs
