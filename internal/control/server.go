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
	mux.HandleFunc("POST /v1/deploy", h.deploy)
	mux.HandleFunc("POST /v1/deploy/abort", h.abort)
	mux.HandleFunc("GET /v1/status", h.status)
	mux.HandleFunc("GET /v1/releases", h.releases)
	mux.HandleFunc("GET /v1/releases/{id}", h.release)
	mux.HandleFunc("GET /v1/damaged", h.damaged)
	mux.HandleFunc("POST /v1/prune", h.prune)
	mux.HandleFunc("GET /v1/logs", h.logs)
	mux.HandleFunc("POST /v1/upgrade", h.upgrade)
	return mux
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
	w.Header().Set("Content-Type", "application/x-ndjson")
	stream := newStream(w)
	// The deploy runs on the daemon's context, not the request's: a client that goes away (Ctrl-C,
	// --detach) does not leave a half-done deploy behind; the deploy goes on to its end, and only
	// POST /v1/deploy/abort stops it.
	rel, err := h.svc.Deploy(context.WithoutCancel(r.Context()), req, func(e deploy.Event) {
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

func (h *handler) abort(w http.ResponseWriter, r *http.Request) {
	res, err := h.svc.Abort(r.Context())
	if errors.Is(err, ErrNoDeploy) {
		writeError(w, http.StatusNotFound, err)
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, res)
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

func (h *handler) status(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, h.svc.Status(r.Context()))
}

func (h *handler) releases(w http.ResponseWriter, r *http.Request) {
	rels, _, err := h.svc.Releases()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, rels)
}

func (h *handler) damaged(w http.ResponseWriter, r *http.Request) {
	_, damaged, err := h.svc.Releases()
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, append([]release.Damaged{}, damaged...))
}

func (h *handler) prune(w http.ResponseWriter, r *http.Request) {
	var req PruneRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("bad prune request: %w", err))
		return
	}
	removed, err := h.svc.Prune(req.Keep)
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

func (h *handler) release(w http.ResponseWriter, r *http.Request) {
	rel, err := h.svc.Release(r.PathValue("id"))
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

func (h *handler) logs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	n, _ := strconv.Atoi(q.Get("n"))
	proc := q.Get("process")
	lines, err := h.svc.Tail(n, proc)
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
	for l := range h.svc.Follow(r.Context(), proc) {
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
