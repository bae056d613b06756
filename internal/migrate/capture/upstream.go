package capture

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// ErrUpstreamTLS means the check database's server refused TLS that its URL's sslmode requires.
var ErrUpstreamTLS = errors.New("the check database's server does not offer TLS, which its sslmode requires")

// upstream is where the recording proxy sends its clients: the server of check_database.
type upstream struct {
	network, address string
	tls              *tls.Config // nil: plain
	plainFallback    bool        // sslmode=prefer: a server that answers 'N' is spoken to in plain
}

// newUpstream reads the server's address and TLS settings from a URL, as libpq would (pgconn's
// reading of sslmode, sslrootcert...). Only the first host is used.
func newUpstream(rawURL string) (upstream, error) {
	cfg, err := pgconn.ParseConfig(rawURL)
	if err != nil {
		return upstream{}, fmt.Errorf("read the check database's URL %s: %w", redact(rawURL), err)
	}
	network, address := pgconn.NetworkAddress(cfg.Host, cfg.Port)
	up := upstream{network: network, address: address, tls: cfg.TLSConfig}
	if network == "unix" {
		up.tls = nil // libpq never uses TLS on a unix socket either
	}
	for _, fb := range cfg.Fallbacks {
		if fb.Host == cfg.Host && fb.Port == cfg.Port && fb.TLSConfig == nil {
			up.plainFallback = true
		}
	}
	return up, nil
}

// dial connects to the server and, when its sslmode asks for TLS, negotiates it (SSLRequest, 'S',
// handshake), all within ctx.
func (u upstream) dial(ctx context.Context) (net.Conn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, u.network, u.address)
	if err != nil {
		return nil, fmt.Errorf("reach the check database's server at %s: %w", u.address, err)
	}
	if u.tls == nil {
		return c, nil
	}
	tc, err := u.startTLS(ctx, c)
	if err != nil {
		c.Close()
		return nil, err
	}
	return tc, nil
}

func (u upstream) startTLS(ctx context.Context, c net.Conn) (net.Conn, error) {
	if deadline, ok := ctx.Deadline(); ok {
		c.SetDeadline(deadline)
		defer c.SetDeadline(time.Time{})
	}
	req := binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, 8), sslRequestCode)
	if _, err := c.Write(req); err != nil {
		return nil, fmt.Errorf("ask %s for TLS: %w", u.address, err)
	}
	var answer [1]byte
	if _, err := io.ReadFull(c, answer[:]); err != nil {
		return nil, fmt.Errorf("ask %s for TLS: %w", u.address, err)
	}
	switch {
	case answer[0] == 'N' && u.plainFallback:
		return c, nil
	case answer[0] == 'N':
		return nil, fmt.Errorf("%w (%s): set sslmode=disable or prefer in check_database, or enable ssl on that server", ErrUpstreamTLS, u.address)
	case answer[0] != 'S':
		return nil, fmt.Errorf("%s answered %q to an SSLRequest: is it a PostgreSQL server?", u.address, answer[0])
	}
	tc := tls.Client(c, u.tls.Clone())
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("TLS handshake with the check database's server %s: %w", u.address, err)
	}
	return tc, nil
}
