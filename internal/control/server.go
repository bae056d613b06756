package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"

	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/release"
)

// Listen opens the control socket in stateDir, mode 0600. A stale socket from a dead daemon is
// replaced; a live one means another daemon runs on the same state and is refused.
func Listen(stateDir string) (net.Listener, error) {
	path := stateDir + "/" + SocketName
	if c, err := net.Dial("unix", path); err == nil {
		c.Close()
		return nil, fmt.Errorf("another cutover daemon is running on %s (its socket %s answers): stop it first", stateDir, path)
	}
	os.Remove(path)
	// The umask makes the socket 0600 from its creation, with no window where others could connect;
	// Listen is called at daemon start-up, before anything else creates files.
	old := umask(0o177)
	ln, err := net.Listen("unix", path)
	umask(old)
	if err != nil {
		return nil, fmt.Errorf("open control socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("restrict control socket: %w", err)
	}
	return ln, nil
}

// Handler serves the control API for svc.
func Handler(svc Service, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.Default()
	}
	h := &handler{svc: svc, logger: logger}
	mux := http.NewServeMux()
	// Each app's API is under /v1/apps/{app}/; the same paths without it name the only app, as
	// before there were apps (an older CLI during an upgrade).
	for _, prefix := range []string{"/v1", "/v1/apps/{app}"} {
		mux.HandleFunc("POST "+prefix+"/deploy", h.deploy)
		mux.HandleFunc("POST "+prefix+"/deploy/abort", h.forApp(h.abort))
		mux.HandleFunc("POST "+prefix+"/promote", h.forApp(h.promote))
		mux.HandleFunc("GET "+prefix+"/run", h.forApp(h.runEnv))
		mux.HandleFunc("POST "+prefix+"/scale", h.forApp(h.scale))
		mux.HandleFunc("GET "+prefix+"/status", h.status)
		mux.HandleFunc("GET "+prefix+"/releases", h.forApp(h.releases))
		mux.HandleFunc("GET "+prefix+"/releases/{id}", h.forApp(h.release))
		mux.HandleFunc("GET "+prefix+"/damaged", h.forApp(h.damaged))
		mux.HandleFunc("POST "+prefix+"/prune", h.forApp(h.prune))
		mux.HandleFunc("GET "+prefix+"/logs", h.forApp(h.logs))
		mux.HandleFunc("POST "+prefix+"/pause", h.forApp(h.pause))
		mux.HandleFunc("POST "+prefix+"/resume", h.forApp(h.resume))
		mux.HandleFunc("POST "+prefix+"/maintenance", h.forApp(h.maintenance))
		mux.HandleFunc("GET "+prefix+"/config", h.forApp(h.vars))
		mux.HandleFunc("GET "+prefix+"/config/{name}", h.forApp(h.varValue))
		mux.HandleFunc("POST "+prefix+"/config", h.forApp(h.changeVars))
	}
	mux.HandleFunc("GET /v1/apps", h.apps)
	mux.HandleFunc("POST /v1/apps", h.createApp)
	mux.HandleFunc("POST /v1/apps/{app}/hosts", h.changeHosts)
	mux.HandleFunc("POST /v1/apps/{app}/settings", h.changeSettings)
	mux.HandleFunc("DELETE /v1/apps/{app}", h.destroyApp)
	mux.HandleFunc("POST /v1/upgrade", h.upgrade)
	return mux
}

// appHandler serves a request for one app.
type appHandler func(w http.ResponseWriter, r *http.Request, app AppService)

// forApp finds the app a request names (the only one on the paths without {app}), or answers
// why there is none.
func (h *handler) forApp(serve appHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		app, err := h.svc.App(r.PathValue("app"))
		if err != nil {
			writeError(w, statusOf(err), err)
			return
		}
		serve(w, r, app)
	}
}

// statusOf is the HTTP status for an error of the service.
func statusOf(err error) int {
	switch {
	case errors.Is(err, ErrNoApp), errors.Is(err, ErrNoDeploy), errors.Is(err, release.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrAmbiguous), errors.Is(err, ErrExists), errors.Is(err, ErrBusy):
		return http.StatusConflict
	}
	return http.StatusInternalServerError
}

type handler struct {
	svc    Service
	logger *slog.Logger
}

func (h *handler) deploy(w http.ResponseWriter, r *http.Request) {
	var req deploy.Request
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("bad deploy request: %w", err))
		return
	}
	app, err := h.svc.ForDeploy(r.PathValue("app"), req.Source)
	if err != nil {
		writeError(w, changeStatus(err), err)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	stream := newStream(w)
	// The deploy runs on the daemon's context, not the request's: a client that goes away (Ctrl-C,
	// --detach) does not leave a half-done deploy behind; the deploy goes on to its end, and only
	// POST /v1/deploy/abort stops it.
	rel, err := app.Deploy(context.WithoutCancel(r.Context()), req, func(e deploy.Event) {
		stream.send(Message{Event: &e})
	})
	if errors.Is(err, ErrBusy) && !stream.started() {
		writeError(w, http.StatusConflict, err)
		return
	}
	msg := Message{Release: rel, Done: true}
	if err != nil {
		msg.Error = err.Error()
	}
	stream.send(msg)
}

func (h *handler) abort(w http.ResponseWriter, r *http.Request, app AppService) {
	res, err := app.Abort(r.Context())
	writeEnded(w, res, err)
}

func (h *handler) promote(w http.ResponseWriter, r *http.Request, app AppService) {
	res, err := app.Promote(r.Context())
	writeEnded(w, res, err)
}

// writeEnded answers a request that ended the deploy under way (abort, promote) with res, or with
// 404 when there was none to end.
func writeEnded(w http.ResponseWriter, res any, err error) {
	switch {
	case errors.Is(err, ErrNoDeploy):
		writeError(w, http.StatusNotFound, err)
	case err != nil:
		writeError(w, http.StatusInternalServerError, err)
	default:
		writeJSON(w, res)
	}
}

func (h *handler) scale(w http.ResponseWriter, r *http.Request, app AppService) {
	var req ScaleRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("bad scale request: %w", err))
		return
	}
	res, err := app.Scale(r.Context(), req)
	if err != nil {
		writeError(w, statusOf(err), err)
		return
	}
	writeJSON(w, res)
}

func (h *handler) runEnv(w http.ResponseWriter, r *http.Request, app AppService) {
	env, err := app.RunEnv()
	if err != nil {
		writeError(w, http.StatusConflict, err)
		return
	}
	writeJSON(w, env)
}

func (h *handler) upgrade(w http.ResponseWriter, r *http.Request) {
	var req UpgradeRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("bad upgrade request: %w", err))
		return
	}
	pid, err := h.svc.Upgrade(r.Context(), req)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, UpgradeResult{OldPid: os.Getpid(), Pid: pid})
}

// status is the app's status with the daemon's; on a daemon with no app yet, the daemon's alone.
func (h *handler) status(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("app")
	app, err := h.svc.App(name)
	if errors.Is(err, ErrNoApp) && name == "" {
		writeJSON(w, Status{Daemon: h.svc.Daemon(), Processes: []ProcessState{}})
		return
	}
	if err != nil {
		writeError(w, statusOf(err), err)
		return
	}
	st := app.Status(r.Context())
	isolation := st.Daemon.Isolation
	st.Daemon = h.svc.Daemon()
	st.Daemon.Isolation = isolation
	writeJSON(w, st)
}

func (h *handler) releases(w http.ResponseWriter, r *http.Request, app AppService) {
	rels, _, err := app.Releases()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, rels)
}

func (h *handler) damaged(w http.ResponseWriter, r *http.Request, app AppService) {
	_, damaged, err := app.Releases()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, append([]release.Damaged{}, damaged...))
}

func (h *handler) prune(w http.ResponseWriter, r *http.Request, app AppService) {
	var req PruneRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("bad prune request: %w", err))
		return
	}
	removed, err := app.Prune(req.Keep)
	if errors.Is(err, ErrBusy) {
		writeError(w, http.StatusConflict, err)
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, fmt.Errorf("prune (removed %v): %w", removed, err))
		return
	}
	writeJSON(w, PruneResult{Removed: append([]string{}, removed...)})
}

func (h *handler) release(w http.ResponseWriter, r *http.Request, app AppService) {
	rel, err := app.Release(r.PathValue("id"))
	if errors.Is(err, release.ErrNotFound) {
		writeError(w, http.StatusNotFound, err)
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, rel)
}

func (h *handler) logs(w http.ResponseWriter, r *http.Request, app AppService) {
	q := r.URL.Query()
	n, _ := strconv.Atoi(q.Get("n"))
	proc := q.Get("process")
	lines, err := app.Tail(n, proc)
	if err != nil {
		writeError(w, http.StatusNotFound, err)
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	stream := newStream(w)
	for _, l := range lines {
		stream.send(l)
	}
	if q.Get("follow") == "" {
		return
	}
	stream.flush()
	for l := range app.Follow(r.Context(), proc) {
		stream.send(l)
	}
}

// stream writes one JSON value per line and flushes each at once.
type stream struct {
	mu   sync.Mutex
	w    http.ResponseWriter
	enc  *json.Encoder
	sent bool
}

func newStream(w http.ResponseWriter) *stream { return &stream{w: w, enc: json.NewEncoder(w)} }

func (s *stream) send(v any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = true
	s.enc.Encode(v) // a client that went away is not an error worth more than the closed socket
	http.NewResponseController(s.w).Flush()
}

func (s *stream) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = true
	http.NewResponseController(s.w).Flush()
}

func (s *stream) started() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sent
}

type apiError struct {
	Error string `json:"error"`
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, code int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(apiError{Error: err.Error()})
}
