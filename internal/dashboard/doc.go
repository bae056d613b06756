// Package dashboard is the daemon's web dashboard: server-rendered pages of the apps, their
// processes, releases and deploys, with a little plain script that follows server-sent events.
//
// The model, in plain words:
//
//   - It reads everything through a [Source], the part of control.Service it needs: the same calls
//     the CLI makes over the control socket, so the dashboard knows nothing of the daemon's insides.
//   - Pages are html/template files embedded in the binary with their stylesheet and script; no
//     request leaves the dashboard's origin. Charts are SVG drawn server-side by package chart.
//   - Live parts are server-sent event streams: an app's status (processes, the deploy under way,
//     its steps as recorded and its figures so far) every [DefaultStatusInterval], and a process's
//     log lines as they come.
//   - Only one request changes state: the rollback POST, which must carry the per-daemon CSRF token
//     the release page embeds in its form (a page of another origin cannot read it), and
//     confirm=yes: the page's script asks in a dialog; without script the POST answers a page
//     that asks, whose form carries it. A GET never changes state.
//   - Bound beyond loopback the dashboard asks for a token: given once as ?token= it is traded for a
//     cookie (HttpOnly, SameSite=Strict); scripts can send it as "Authorization: Bearer TOKEN".
package dashboard
