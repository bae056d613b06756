package capture

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"reflect"
	"testing"
	"testing/iotest"

	"github.com/jackc/pgx/v5/pgproto3"
)

// encode writes frontend messages as a client sends them.
func encode(t *testing.T, msgs ...pgproto3.FrontendMessage) []byte {
	t.Helper()
	var b []byte
	for _, m := range msgs {
		var err error
		if b, err = m.Encode(b); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func TestReadMessage(t *testing.T) {
	two := encode(t, &pgproto3.Query{String: "SELECT 1"}, &pgproto3.Sync{})
	huge := binary.BigEndian.AppendUint32([]byte{'Q'}, 1<<30)
	short := binary.BigEndian.AppendUint32([]byte{'Q'}, 3)
	tests := []struct {
		name    string
		in      io.Reader
		want    [][]byte
		wantErr error // after the messages in want
	}{
		{"several messages in one read", bytes.NewReader(two), [][]byte{two[:len(two)-5], two[len(two)-5:]}, io.EOF},
		{"a message split across reads", iotest.OneByteReader(bytes.NewReader(two)), [][]byte{two[:len(two)-5], two[len(two)-5:]}, io.EOF},
		{"an oversized length", bytes.NewReader(huge), nil, ErrMessageTooLarge},
		{"a length shorter than itself", bytes.NewReader(short), nil, nil},
		{"a body cut short", bytes.NewReader(two[:7]), nil, io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf []byte
			for i, want := range tt.want {
				got, err := readMessage(tt.in, buf, DefaultMaxMessage)
				if err != nil {
					t.Fatalf("message %d: %v", i, err)
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("message %d: got %q, want %q", i, got, want)
				}
				buf = got
			}
			_, err := readMessage(tt.in, buf, DefaultMaxMessage)
			if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
				t.Errorf("got error %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestReadStartup(t *testing.T) {
	ssl := encode(t, &pgproto3.SSLRequest{})
	startup := encode(t, &pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30,
		Parameters: map[string]string{"user": "u", "database": "d"}})
	in := iotest.OneByteReader(bytes.NewReader(append(append([]byte(nil), ssl...), startup...)))
	for _, want := range [][]byte{ssl, startup} {
		got, err := readStartup(in, DefaultMaxMessage)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("got %q, %v; want %q", got, err, want)
		}
	}
	if _, err := readStartup(bytes.NewReader([]byte{0, 0, 0, 6, 0, 0}), DefaultMaxMessage); err == nil {
		t.Error("got no error for a startup message too short to hold a code")
	}
	if _, err := readStartup(bytes.NewReader([]byte{0x7f, 0, 0, 0}), DefaultMaxMessage); !errors.Is(err, ErrMessageTooLarge) {
		t.Errorf("got %v, want ErrMessageTooLarge", err)
	}
}

// A session records a statement when it is executed, with its parameters as the log shows them,
// and once however many Executes fetch its rows.
func TestSessionRecordsExecutedStatements(t *testing.T) {
	rec := &Recorder{tx: &txTracker{open: map[string]int{}}}
	s := &session{id: "c1", rec: rec, prepared: map[string]string{}, portals: map[string]*portal{}}
	wire := encode(t,
		&pgproto3.Query{String: "BEGIN; CREATE TABLE a (id int)"},
		&pgproto3.Parse{Name: "ins", Query: "INSERT INTO a VALUES ($1, $2, $3)"},
		&pgproto3.Parse{Query: "never executed"},
		&pgproto3.Bind{PreparedStatement: "ins", ParameterFormatCodes: []int16{0, 0, 1},
			Parameters: [][]byte{[]byte("it's"), nil, {0, 0, 0, 1}}},
		&pgproto3.Describe{ObjectType: 'P'},
		&pgproto3.Execute{MaxRows: 1},
		&pgproto3.Execute{MaxRows: 1},
		&pgproto3.Sync{},
		&pgproto3.Close{ObjectType: 'S', Name: "ins"},
		&pgproto3.Bind{PreparedStatement: "ins"},
		&pgproto3.Execute{},
		&pgproto3.Query{String: "COMMIT"},
		&pgproto3.Query{String: " "}, // an empty query is not a statement
		&pgproto3.Terminate{},
	)
	var out bytes.Buffer
	if err := s.relay(bufioReader(wire), &out); !errors.Is(err, io.EOF) {
		t.Fatalf("relay: got %v, want io.EOF at the end", err)
	}
	if !bytes.Equal(out.Bytes(), wire) {
		t.Errorf("relayed %d bytes, want the %d the client sent, unchanged", out.Len(), len(wire))
	}
	want := []Statement{
		{Session: "c1", SQL: "BEGIN", Tx: 1},
		{Session: "c1", SQL: "CREATE TABLE a (id int)", Tx: 1},
		{Session: "c1", SQL: "INSERT INTO a VALUES ($1, $2, $3)", Params: []string{"'it''s'", "NULL", binaryParam}, Tx: 1},
		{Session: "c1", SQL: "COMMIT", Tx: 1},
	}
	if got := rec.Statements(); !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%#v\nwant\n%#v", got, want)
	}
}

func TestLogParams(t *testing.T) {
	tests := []struct {
		name string
		bind pgproto3.Bind
		want []string
	}{
		{"none", pgproto3.Bind{}, nil},
		{"all text by default", pgproto3.Bind{Parameters: [][]byte{[]byte("a"), nil}}, []string{"'a'", "NULL"}},
		{"one code for all", pgproto3.Bind{ParameterFormatCodes: []int16{1}, Parameters: [][]byte{{1}, {2}}},
			[]string{binaryParam, binaryParam}},
		{"a code each", pgproto3.Bind{ParameterFormatCodes: []int16{1, 0}, Parameters: [][]byte{{1}, []byte("x'")}},
			[]string{binaryParam, "'x'''"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := logParams(tt.bind); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func bufioReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }

// The server's offer of SCRAM-SHA-256-PLUS is left out (the client's side is not TLS); everything
// else, and everything after the login, passes unchanged.
func TestRelayBackDropsChannelBinding(t *testing.T) {
	var server, want []byte
	for _, m := range []struct{ got, want pgproto3.BackendMessage }{
		{&pgproto3.AuthenticationSASL{AuthMechanisms: []string{"SCRAM-SHA-256-PLUS", "SCRAM-SHA-256"}},
			&pgproto3.AuthenticationSASL{AuthMechanisms: []string{"SCRAM-SHA-256"}}},
		{&pgproto3.AuthenticationSASLFinal{Data: []byte("v=x")}, nil},
		{&pgproto3.AuthenticationOk{}, nil},
		{&pgproto3.AuthenticationSASL{AuthMechanisms: []string{"SCRAM-SHA-256-PLUS"}}, nil}, // after the login: not read
		{&pgproto3.ReadyForQuery{TxStatus: 'I'}, nil},
	} {
		var err error
		if server, err = m.got.Encode(server); err != nil {
			t.Fatal(err)
		}
		if m.want == nil {
			m.want = m.got
		}
		if want, err = m.want.Encode(want); err != nil {
			t.Fatal(err)
		}
	}
	var client bytes.Buffer
	if err := relayBack(&client, iotest.OneByteReader(bytes.NewReader(server))); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(client.Bytes(), want) {
		t.Errorf("got\n%q\nwant\n%q", client.Bytes(), want)
	}
}
