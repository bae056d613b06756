package control

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/cutover-dev/cutover/internal/config"
)

// Traffic says whether an app's requests are held (paused) or answered with a maintenance page.
type Traffic struct {
	Paused       bool            `json:"paused"`
	PausedSince  time.Time       `json:"paused_since,omitzero"`
	PauseTimeout config.Duration `json:"pause_timeout,omitempty"` // how long each request may be held
	Held         int             `json:"held,omitempty"`          // requests held now
	Released     int             `json:"released,omitempty"`      // requests the resume asked for let go

	Maintenance      bool      `json:"maintenance"`
	MaintenanceSince time.Time `json:"maintenance_since,omitzero"`
	Message          string    `json:"message,omitempty"`
	// Allow are the addresses and networks still served during maintenance.
	Allow []string `json:"allow,omitempty"`
	// Page is the page answered: the live release's public/503.html, or "built-in".
	Page string `json:"page,omitempty"`
	// Unsaved says why the change, applied, could not be saved (a full disk): a restart or an
	// upgrade of the daemon forgets it. Empty when it was saved.
	Unsaved string `json:"unsaved,omitempty"`
}

// PauseRequest asks to pause an app.
type PauseRequest struct {
	// Timeout is how long each request may be held; zero means proxy.DefaultPauseTimeout.
	Timeout config.Duration `json:"timeout,omitempty"`
}

// MaintenanceRequest turns an app's maintenance on or off.
type MaintenanceRequest struct {
	On bool `json:"on"`
	// Message is said on the built-in page ("" for the default one).
	Message string `json:"message,omitempty"`
	// Allow are addresses ("203.0.113.7") or networks ("10.0.0.0/8") still served.
	Allow []string `json:"allow,omitempty"`
}

func (h *handler) pause(w http.ResponseWriter, r *http.Request, app AppService) {
	var req PauseRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("bad pause request: %w", err))
		return
	}
	writeTraffic(w)(app.Pause(req))
}

func (h *handler) resume(w http.ResponseWriter, r *http.Request, app AppService) {
	writeTraffic(w)(app.Resume())
}

func (h *handler) maintenance(w http.ResponseWriter, r *http.Request, app AppService) {
	var req MaintenanceRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("bad maintenance request: %w", err))
		return
	}
	writeTraffic(w)(app.Maintenance(req))
}

// writeTraffic answers a change of an app's traffic: its state, or why it was refused.
func writeTraffic(w http.ResponseWriter) func(Traffic, error) {
	return func(t Traffic, err error) {
		if err != nil {
			writeError(w, changeStatus(err), err)
			return
		}
		writeJSON(w, t)
	}
}

// Pause asks the daemon to hold the client's app's new requests until Resume.
func (c *Client) Pause(ctx context.Context, req PauseRequest) (Traffic, error) {
	var t Traffic
	return t, c.postJSON(ctx, c.appPath("/pause"), req, &t)
}

// Resume asks the daemon to let the client's app's held requests go on.
func (c *Client) Resume(ctx context.Context) (Traffic, error) {
	var t Traffic
	return t, c.postJSON(ctx, c.appPath("/resume"), struct{}{}, &t)
}

// Maintenance turns the client's app's maintenance on or off.
func (c *Client) Maintenance(ctx context.Context, req MaintenanceRequest) (Traffic, error) {
	var t Traffic
	return t, c.postJSON(ctx, c.appPath("/maintenance"), req, &t)
}
