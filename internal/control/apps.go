package control

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// apps lists the apps.
func (h *handler) apps(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, append([]AppInfo{}, h.svc.Apps(r.Context())...))
}

// createApp makes an app: 409 if it exists, 400 for a bad name or host.
func (h *handler) createApp(w http.ResponseWriter, r *http.Request) {
	var req AppRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("bad app request: %w", err))
		return
	}
	info, err := h.svc.CreateApp(req)
	if err != nil {
		writeError(w, changeStatus(err), err)
		return
	}
	writeJSON(w, info)
}

// changeHosts adds and removes hosts of an app.
func (h *handler) changeHosts(w http.ResponseWriter, r *http.Request) {
	var req HostsRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("bad hosts request: %w", err))
		return
	}
	info, err := h.svc.ChangeHosts(r.PathValue("app"), req)
	if err != nil {
		writeError(w, changeStatus(err), err)
		return
	}
	writeJSON(w, info)
}

// changeSettings changes an app's HTTPS settings.
func (h *handler) changeSettings(w http.ResponseWriter, r *http.Request) {
	var req SettingsRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("bad settings request: %w", err))
		return
	}
	info, err := h.svc.ChangeSettings(r.PathValue("app"), req)
	if err != nil {
		writeError(w, changeStatus(err), err)
		return
	}
	writeJSON(w, info)
}

// destroyApp removes an app; the request must repeat its name as ?confirm=, so that no typo in a
// script destroys the wrong one.
func (h *handler) destroyApp(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("app")
	if r.URL.Query().Get("confirm") != name {
		writeError(w, http.StatusBadRequest, fmt.Errorf("destroying app %s needs ?confirm=%s", name, name))
		return
	}
	if err := h.svc.DestroyApp(r.Context(), name); err != nil {
		writeError(w, statusOf(err), err)
		return
	}
	writeJSON(w, struct{}{})
}

// changeStatus is the HTTP status of a failed change to the apps: most are bad input (a name, a
// host taken by another app), which the message explains.
func changeStatus(err error) int {
	if st := statusOf(err); st != http.StatusInternalServerError {
		return st
	}
	return http.StatusBadRequest
}
