package capture

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// Defaults for the recording proxy.
const (
	// DefaultMaxMessage bounds one protocol message from a client; a bigger one (a huge INSERT)
	// ends that connection with an error rather than being cut.
	DefaultMaxMessage = 64 << 20
	// DefaultDialTimeout bounds reaching the upstream server, TLS handshake included.
	DefaultDialTimeout = 10 * time.Second
	// DefaultDrainTimeout is how long Close waits for clients to hang up before it cuts them: the
	// command has exited, so only a grandchild left behind can hold a connection open.
	DefaultDrainTimeout = 5 * time.Second
)

// Codes of the messages a client sends before its StartupMessage, in the place of the version.
const (
	sslRequestCode    = 80877103
	gssEncRequestCode = 80877104
	cancelRequestCode = 80877102
)

// ErrMessageTooLarge means a client sent a protocol message longer than DefaultMaxMessage.
var ErrMessageTooLarge = errors.New("protocol message too large")

// binaryParam stands for a parameter the client bound in binary format, which is not decoded.
const binaryParam = "<binary>"

// proxySocketPort is the port in the name of the proxy's socket (.s.PGSQL.<port>), as libpq
// expects it in PGHOST's folder.
const proxySocketPort = 5432

// Recorder is a proxy for PostgreSQL's frontend/backend protocol (v3) that records the statements
// its clients execute. It listens on a unix socket in a folder of its own; for each client it dials
// the upstream server and relays bytes both ways unchanged, authentication included, reading the
// client's messages as they pass: a simple Query ('Q', split into its statements) and, for the
// extended protocol, the Parse and Bind an Execute ('E') runs, with its parameters. It answers
// SSLRequest and GSSENCRequest with 'N' (the client side is local), forwards a CancelRequest, and
// opens TLS to the upstream itself when the upstream's sslmode asks for it.
type Recorder struct {
	dir string
	up  upstream
	ln  net.Listener
	wg  sync.WaitGroup

	closeOnce sync.Once
	closeErr  error

	mu     sync.Mutex
	stmts  []Statement
	tx     *txTracker
	conns  map[net.Conn]struct{} // open client connections, cut by Close after DefaultDrainTimeout
	nextID int
}

// NewRecorder listens in dir (a folder private to the caller) and relays every connection to the
// server of upstreamURL, whose user, password and database the clients give themselves. Close it
// when done.
func NewRecorder(upstreamURL, dir string) (*Recorder, error) {
	up, err := newUpstream(upstreamURL)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("unix", filepath.Join(dir, ".s.PGSQL."+strconv.Itoa(proxySocketPort)))
	if err != nil {
		return nil, fmt.Errorf("listen for the recording proxy in %s: %w", dir, err)
	}
	r := &Recorder{dir: dir, up: up, ln: ln, tx: &txTracker{open: map[string]int{}}, conns: map[net.Conn]struct{}{}}
	r.wg.Add(1)
	go r.accept()
	return r, nil
}

// Dir is the folder of the proxy's socket: PGHOST for a client, with port 5432.
func (r *Recorder) Dir() string { return r.dir }

// Mark records phaseMark where the recording stands, splitting the release command's statements
// from the post-deploy command's.
func (r *Recorder) Mark() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stmts = append(r.stmts, Statement{SQL: phaseMark})
}

// Statements returns what the clients executed so far, in the order the proxy read it.
func (r *Recorder) Statements() []Statement {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Statement(nil), r.stmts...)
}

// Close stops accepting, waits up to DefaultDrainTimeout for the clients to hang up (so every
// message they sent has been read), then cuts those still connected. Calls after the first only
// return its error.
func (r *Recorder) Close() error {
	r.closeOnce.Do(func() { r.closeErr = r.close() })
	return r.closeErr
}

func (r *Recorder) close() error {
	err := r.ln.Close()
	done := make(chan struct{})
	go func() { r.wg.Wait(); close(done) }()
	select {
	case <-done:
		return err
	case <-time.After(DefaultDrainTimeout):
	}
	r.mu.Lock()
	for c := range r.conns {
		c.Close()
	}
	r.mu.Unlock()
	<-done
	return err
}

func (r *Recorder) accept() {
	defer r.wg.Done()
	for {
		c, err := r.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				slog.Warn("recording proxy: stopped accepting connections", "err", err)
			}
			return
		}
		r.mu.Lock()
		r.nextID++
		id := "c" + strconv.Itoa(r.nextID)
		r.conns[c] = struct{}{}
		r.mu.Unlock()
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			r.serve(c, id)
			r.mu.Lock()
			delete(r.conns, c)
			r.mu.Unlock()
		}()
	}
}

// serve relays one client connection until either side hangs up.
func (r *Recorder) serve(client net.Conn, id string) {
	defer client.Close()
	in := bufio.NewReader(client)
	server, err := r.startup(in, client)
	if err != nil {
		slog.Debug("recording proxy: connection refused", "session", id, "err", err)
		return
	}
	if server == nil {
		return // a CancelRequest, forwarded
	}
	defer server.Close()
	back := make(chan struct{})
	go func() {
		defer close(back)
		relayBack(client, server)
		client.Close() // the server hung up (a failed login, a FATAL): so does the client
	}()
	s := &session{id: id, rec: r, prepared: map[string]string{}, portals: map[string]*portal{}}
	if err := s.relay(in, server); err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
		slog.Debug("recording proxy: connection ended", "session", id, "err", err)
		writeError(client, err)
	}
	server.Close()
	<-back
}

// startup answers the client's requests before its StartupMessage, then dials the upstream and
// forwards the StartupMessage. It returns nil and no error for a CancelRequest, which it forwards.
func (r *Recorder) startup(in *bufio.Reader, client net.Conn) (net.Conn, error) {
	for {
		msg, err := readStartup(in, DefaultMaxMessage)
		if err != nil {
			return nil, err
		}
		switch binary.BigEndian.Uint32(msg[4:8]) {
		case sslRequestCode, gssEncRequestCode:
			if _, err := client.Write([]byte{'N'}); err != nil {
				return nil, err
			}
			continue
		case cancelRequestCode:
			return nil, r.cancel(msg)
		}
		ctx, cancel := context.WithTimeout(context.Background(), DefaultDialTimeout)
		server, err := r.up.dial(ctx)
		cancel()
		if err != nil {
			writeError(client, err)
			return nil, err
		}
		if _, err := server.Write(msg); err != nil {
			server.Close()
			return nil, err
		}
		return server, nil
	}
}

// cancel forwards a CancelRequest on a connection of its own, as the protocol wants.
func (r *Recorder) cancel(msg []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), DefaultDialTimeout)
	defer cancel()
	server, err := r.up.dial(ctx)
	if err != nil {
		return err
	}
	defer server.Close()
	_, err = server.Write(msg)
	return err
}

// record appends what session id executed, splitting a query holding several statements.
func (r *Recorder) record(id, sql string, params []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, one := range splitStatements(sql) {
		if one == "" {
			continue // an empty query, as a ping may send
		}
		r.stmts = append(r.stmts, Statement{Session: id, SQL: one, Params: params, Tx: r.tx.mark(id, one)})
	}
}

// writeError tells a client, as a FATAL ErrorResponse, why the proxy ends its connection.
func writeError(client net.Conn, err error) {
	msg := &pgproto3.ErrorResponse{Severity: "FATAL", Code: "08006",
		Message: "cutover's recording proxy: " + strings.ReplaceAll(err.Error(), "\n", " ")}
	if b, encErr := msg.Encode(nil); encErr == nil {
		client.SetWriteDeadline(time.Now().Add(DefaultDialTimeout))
		client.Write(b)
	}
}
