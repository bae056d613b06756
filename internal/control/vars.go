package control

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/vars"
)

// ErrNoVar is returned for a config var the app does not have (404).
var ErrNoVar = errors.New("no such config var")

// Masked stands for a config var's value wherever the value itself is not asked for.
const Masked = "********"

// VarsInfo is an app's config vars as `cutover config` lists them: names only.
type VarsInfo struct {
	Version int      `json:"version"` // the current version, which the next deploy boots with; 0: none yet
	Names   []string `json:"names"`
	// Live is the live release and LiveVersion the version it booted with, which is not the current
	// one after a change stored without a restart.
	Live        string `json:"live,omitempty"`
	LiveVersion int    `json:"live_version,omitempty"`
}

// VarValue is one config var; Value is Masked unless it was asked for.
type VarValue struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// VarsChange asks to change config vars; the values travel only over the control socket (0600).
type VarsChange struct {
	Set   map[string]string `json:"set,omitempty"`
	Unset []string          `json:"unset,omitempty"`
	// NoRestart stores the change without deploying it: the next deploy boots with it.
	NoRestart bool `json:"no_restart,omitempty"`
}

// vars lists the names of an app's config vars.
func (h *handler) vars(w http.ResponseWriter, r *http.Request, app AppService) {
	info, err := app.Vars()
	if err != nil {
		writeError(w, statusOf(err), err)
		return
	}
	info.Names = append([]string{}, info.Names...)
	writeJSON(w, info)
}

// varValue answers one config var, its value masked unless ?reveal=1.
func (h *handler) varValue(w http.ResponseWriter, r *http.Request, app AppService) {
	v, err := app.Var(r.PathValue("name"), r.URL.Query().Get("reveal") != "")
	if err != nil {
		writeError(w, varStatus(err), err)
		return
	}
	writeJSON(w, v)
}

// changeVars stores a change of config vars and streams the deploy that boots it, as deploy does.
func (h *handler) changeVars(w http.ResponseWriter, r *http.Request, app AppService) {
	var req VarsChange
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		// The decoder's error may quote the body, which holds values: it is left out.
		writeError(w, http.StatusBadRequest, errors.New("bad config vars request: not the JSON of a change"))
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	stream := newStream(w)
	// As a deploy does, the change runs on the daemon's context, to its end.
	rel, err := app.ChangeVars(context.WithoutCancel(r.Context()), req, func(e deploy.Event) {
		stream.send(Message{Event: &e})
	})
	if err != nil && !stream.started() {
		writeError(w, varStatus(err), err)
		return
	}
	msg := Message{Release: rel, Done: true}
	if err != nil {
		msg.Error = err.Error()
	}
	stream.send(msg)
}

// varStatus is the HTTP status of a failed request about config vars.
func varStatus(err error) int {
	switch {
	case errors.Is(err, ErrNoVar):
		return http.StatusNotFound
	case errors.Is(err, vars.ErrInvalidName):
		return http.StatusBadRequest
	}
	return statusOf(err)
}

// Vars lists the names of the app's config vars, never their values.
func (c *Client) Vars(ctx context.Context) (VarsInfo, error) {
	var info VarsInfo
	return info, c.getJSON(ctx, c.appPath("/config"), &info)
}

// Var returns one config var, its value Masked unless reveal.
func (c *Client) Var(ctx context.Context, name string, reveal bool) (VarValue, error) {
	var v VarValue
	path := c.appPath("/config/" + url.PathEscape(name))
	if reveal {
		path += "?reveal=1"
	}
	return v, c.getJSON(ctx, path, &v)
}

// ChangeVars asks for a change of config vars and calls onEvent for each event of the deploy that
// boots it; it returns that deploy's release (nil when none ran) and error.
func (c *Client) ChangeVars(ctx context.Context, req VarsChange, onEvent func(deploy.Event)) (*release.Release, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("encode the change: %w", err)
	}
	resp, err := c.do(ctx, http.MethodPost, c.appPath("/config"), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	return readStream(resp, onEvent)
}
