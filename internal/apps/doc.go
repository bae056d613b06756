// Package apps is the apps one cutover daemon runs. An app is a name, a directory of its own in
// the state directory, and everything that belongs to it: its releases, live pointer, formation,
// processes, logs, deploy figures, settings, config vars and deploy lock. Apps know nothing of
// each other: a deploy of one runs while another deploys.
//
//	<state>/layout                 "2" (absent: a single-app state directory from before apps)
//	<state>/apps/<name>/app.json   the app's settings: hosts, TLS files, redirect, HSTS, pause, maintenance
//	<state>/apps/<name>/releases/  its releases, live, formation.json, logs/, pids/ (package release)
//	<state>/apps/<name>/vars/      its config vars, one file per version (package vars)
//	<state>/apps/<name>/repo.git/  its bare git repository, whose pushes deploy; checkouts/ (package gitpush)
//
// A Set holds the apps and persists each change before it takes effect; its routes are the
// routing table of the proxy (package router). A single-app state directory is migrated into this
// layout once, in place, by Migrate.
package apps
