package dashboard

import (
	"context"
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
)

// DefaultRollbackStartTimeout bounds the wait, after a rollback POST, for its deploy to show in the
// app's status before the page is redirected.
const DefaultRollbackStartTimeout = 5 * time.Second

// rollback deploys the release of the path again. The form must carry the CSRF token and
// confirm=yes: the release page's script sets it once the user confirmed in a dialog; without
// script, the POST answers a page asking to confirm, whose form carries it. The deploy runs on in
// the daemon, and the browser goes to the app's page to follow it.
func (s *Server) rollback(w http.ResponseWriter, r *http.Request) {
	if subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(s.csrf)) != 1 {
		http.Error(w, "a rollback needs the form of its release page: reload the page and roll back again", http.StatusForbidden)
		return
	}
	app, ok := s.app(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if r.PostFormValue("confirm") != "yes" {
		s.confirmRollback(w, r, app, id)
		return
	}
	done := make(chan error, 1)
	go func() {
		_, err := app.Deploy(context.Background(), deploy.Request{Rollback: id}, func(deploy.Event) {})
		if err != nil {
			s.opts.Logger.Warn("dashboard rollback failed", "app", r.PathValue("app"), "release", id, "err", err)
		}
		done <- err
	}()
	ctx, cancel := context.WithTimeout(r.Context(), DefaultRollbackStartTimeout)
	defer cancel()
	for app.Status(ctx).Deploying == "" {
		select {
		case err := <-done:
			if err != nil {
				http.Error(w, "rollback failed: "+err.Error(), http.StatusConflict)
				return
			}
		case <-ctx.Done():
		case <-time.After(DefaultPollInterval):
			continue
		}
		break
	}
	http.Redirect(w, r, "/apps/"+r.PathValue("app"), http.StatusSeeOther)
}

// confirmRollback answers a rollback POST that was not confirmed (the browser ran no script) with
// a page that asks, whose form posts again with confirm=yes; it changes nothing.
func (s *Server) confirmRollback(w http.ResponseWriter, r *http.Request, app control.AppService, id string) {
	rel, err := app.Release(id)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	name := r.PathValue("app")
	p := page{App: name, Title: "roll back " + name + " to " + rel.ID, Release: rel, CSRF: s.csrf, Status: s.status.get(r.Context(), name, app)}
	s.render(w, "rollback.html", p)
}
