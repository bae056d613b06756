package capture

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"github.com/jackc/pgx/v5/pgproto3"
)

// session is what the recording proxy knows of one client connection: its prepared statements
// and portals, by name ("" is the unnamed one), to know what an Execute runs.
type session struct {
	id       string
	rec      *Recorder
	prepared map[string]string  // statement name -> SQL
	portals  map[string]*portal // portal name -> what it runs
}

// portal is a bound statement: its SQL and its parameters as the log would show them.
type portal struct {
	sql    string
	params []string
	ran    bool // an Execute after the first only fetches more rows of it
}

// relay copies the client's messages to the server one by one, reading those that say what runs.
// Writes are buffered and flushed whenever the client has nothing more waiting, so a pipelined
// Parse/Bind/Execute/Sync goes out in one write, and a lone Query at once.
func (s *session) relay(in *bufio.Reader, server io.Writer) error {
	out := bufio.NewWriter(server)
	var buf []byte
	for {
		if in.Buffered() == 0 {
			if err := out.Flush(); err != nil {
				return err
			}
		}
		msg, err := readMessage(in, buf, DefaultMaxMessage)
		if err != nil {
			return err
		}
		if cap(msg) <= 1<<20 { // a huge message's storage is not kept for the connection's life
			buf = msg
		}
		if err := s.read(msg[0], msg[5:]); err != nil {
			return err
		}
		if _, err := out.Write(msg); err != nil {
			return err
		}
	}
}

// read takes in one message of type typ with body body.
func (s *session) read(typ byte, body []byte) error {
	switch typ {
	case 'Q':
		var q pgproto3.Query
		if err := q.Decode(body); err != nil {
			return err
		}
		s.rec.record(s.id, q.String, nil)
	case 'P':
		var p pgproto3.Parse
		if err := p.Decode(body); err != nil {
			return err
		}
		s.prepared[p.Name] = p.Query
	case 'B':
		var b pgproto3.Bind
		if err := b.Decode(body); err != nil {
			return err
		}
		s.portals[b.DestinationPortal] = &portal{sql: s.prepared[b.PreparedStatement], params: logParams(b)}
	case 'E':
		var e pgproto3.Execute
		if err := e.Decode(body); err != nil {
			return err
		}
		if p := s.portals[e.Portal]; p != nil && !p.ran && p.sql != "" {
			p.ran = true
			s.rec.record(s.id, p.sql, p.params)
		}
	case 'C':
		var c pgproto3.Close
		if err := c.Decode(body); err != nil {
			return err
		}
		if c.ObjectType == 'S' {
			delete(s.prepared, c.Name)
		} else {
			delete(s.portals, c.Name)
		}
	}
	return nil
}

// logParams writes a Bind's parameters as PostgreSQL's log does ('text' quoted, NULL), so that
// Attribute reads both alike; a binary one is binaryParam.
func logParams(b pgproto3.Bind) []string {
	if len(b.Parameters) == 0 {
		return nil
	}
	params := make([]string, len(b.Parameters))
	for i, v := range b.Parameters {
		format := int16(0)
		switch len(b.ParameterFormatCodes) {
		case 0:
		case 1:
			format = b.ParameterFormatCodes[0]
		default:
			if i < len(b.ParameterFormatCodes) {
				format = b.ParameterFormatCodes[i]
			}
		}
		switch {
		case v == nil:
			params[i] = "NULL"
		case format != 0:
			params[i] = binaryParam
		default:
			params[i] = "'" + strings.ReplaceAll(string(v), "'", "''") + "'"
		}
	}
	return params
}

// relayBack copies the server's messages to the client. Until the login ends it reads them: a
// server on TLS offers SCRAM-SHA-256-PLUS, which binds the login to a TLS channel the client
// cannot see (libpq refuses such an offer on a plain connection), so that mechanism is left out.
func relayBack(client io.Writer, server io.Reader) error {
	in := bufio.NewReader(server)
	for {
		msg, err := readMessage(in, nil, DefaultMaxMessage)
		if err != nil {
			return err
		}
		done := msg[0] == 'E' // a failed login
		if msg[0] == 'R' && len(msg) >= 9 {
			switch binary.BigEndian.Uint32(msg[5:9]) {
			case 0: // AuthenticationOk
				done = true
			case 10: // AuthenticationSASL: the mechanisms offered
				msg = withoutChannelBinding(msg)
			}
		}
		if _, err := client.Write(msg); err != nil {
			return err
		}
		if done {
			_, err := io.Copy(client, in)
			return err
		}
	}
}

// withoutChannelBinding returns an AuthenticationSASL message without its *-PLUS mechanisms.
func withoutChannelBinding(msg []byte) []byte {
	out := append([]byte(nil), msg[:9]...)
	for _, mech := range bytes.Split(bytes.TrimRight(msg[9:], "\x00"), []byte{0}) {
		if !bytes.HasSuffix(mech, []byte("-PLUS")) {
			out = append(append(out, mech...), 0)
		}
	}
	out = append(out, 0)
	binary.BigEndian.PutUint32(out[1:5], uint32(len(out)-1))
	return out
}

// readMessage reads one typed message (type byte, length, body) into buf's storage and returns it
// whole, as it goes on the wire.
func readMessage(in io.Reader, buf []byte, max int) ([]byte, error) {
	var head [5]byte
	if _, err := io.ReadFull(in, head[:]); err != nil {
		return nil, err
	}
	n, err := bodyLen(binary.BigEndian.Uint32(head[1:]), max)
	if err != nil {
		return nil, fmt.Errorf("message %q: %w", head[0], err)
	}
	msg := buf
	if cap(msg) < 5+n {
		msg = make([]byte, 5+n)
	}
	msg = msg[:5+n]
	copy(msg, head[:])
	if _, err := io.ReadFull(in, msg[5:]); err != nil {
		return nil, unexpectedEOF(err)
	}
	return msg, nil
}

// readStartup reads one message of the start of a connection, which has no type byte: a
// StartupMessage, SSLRequest, GSSENCRequest or CancelRequest. Its code is in bytes 4 to 8.
func readStartup(in io.Reader, max int) ([]byte, error) {
	var head [4]byte
	if _, err := io.ReadFull(in, head[:]); err != nil {
		return nil, err
	}
	n, err := bodyLen(binary.BigEndian.Uint32(head[:]), max)
	if err != nil {
		return nil, fmt.Errorf("startup message: %w", err)
	}
	if n < 4 {
		return nil, fmt.Errorf("startup message of %d bytes: too short for a protocol code", n+4)
	}
	msg := make([]byte, 4+n)
	copy(msg, head[:])
	if _, err := io.ReadFull(in, msg[4:]); err != nil {
		return nil, unexpectedEOF(err)
	}
	return msg, nil
}

// bodyLen checks a message's length field, which counts itself, and returns the body's length.
func bodyLen(length uint32, max int) (int, error) {
	if length < 4 {
		return 0, fmt.Errorf("length %d is less than the length field itself", length)
	}
	if int64(length)-4 > int64(max) {
		return 0, fmt.Errorf("%w: %d bytes, more than %d", ErrMessageTooLarge, length-4, max)
	}
	return int(length) - 4, nil
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
