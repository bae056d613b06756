package capture

import (
	"bytes"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
)

// FuzzSessionRelay feeds the recording proxy's reader any bytes a client might send: it must not
// panic, and what it forwards is always a prefix of what it read, unchanged.
func FuzzSessionRelay(f *testing.F) {
	var seed []byte
	for _, m := range []pgproto3.FrontendMessage{
		&pgproto3.Query{String: "BEGIN; SELECT 1; COMMIT"},
		&pgproto3.Parse{Name: "s", Query: "SELECT $1"},
		&pgproto3.Bind{PreparedStatement: "s", ParameterFormatCodes: []int16{1}, Parameters: [][]byte{{1}}},
		&pgproto3.Execute{},
		&pgproto3.Close{ObjectType: 'S', Name: "s"},
		&pgproto3.Sync{},
	} {
		seed, _ = m.Encode(seed)
	}
	f.Add(seed)
	f.Add([]byte{'B', 0, 0, 0, 12, 0, 0, 0, 2, 0xff, 0xff, 0, 0})
	f.Add([]byte{'Q', 0, 0, 0, 3})
	f.Fuzz(func(t *testing.T, in []byte) {
		s := &session{id: "c1", rec: &Recorder{tx: &txTracker{open: map[string]int{}}},
			prepared: map[string]string{}, portals: map[string]*portal{}}
		var out bytes.Buffer
		s.relay(bufioReader(in), &out)
		if !bytes.HasPrefix(in, out.Bytes()) {
			t.Fatalf("forwarded %q, which is not a prefix of the input %q", out.Bytes(), in)
		}
		var back bytes.Buffer
		relayBack(&back, bytes.NewReader(in)) // must not panic on a server's bytes either
	})
}
