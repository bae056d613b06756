package proxy

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// newTestPipe returns a pipe from in, delivered one byte per read, to out.
func newTestPipe(in string, out *bytes.Buffer, client bool) *pipe {
	src := newReader(iotest.OneByteReader(strings.NewReader(in)))
	p := &pipe{dst: newWriter(out), src: &src, client: client}
	p.fill = func() error { return p.src.fill(2 * maxLineBytes) }
	return p
}

func TestPipeChunked(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		chunked bool // re-encode as chunks
		client  bool
		want    string
		err     error
	}{
		{"re-chunked, extensions and trailers", "5;a=b\r\nhello\r\n6 ; x\r\n world\r\n0\r\nX-T: 1\r\nContent-Length: 9\r\n\r\n",
			true, true, "5\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n", nil},
		{"no cookie in a trailer", "0\r\nCookie: cutover_dashboard=x\r\nX-T: 1\r\n\r\n", true, true, "0\r\nX-T: 1\r\n\r\n", nil},
		{"unchunked for HTTP/1.0", "5\r\nhello\r\n0\r\n\r\n", false, false, "hello", nil},
		{"upper-case hex", "A\r\n0123456789\r\n0\r\n\r\n", true, true, "a\r\n0123456789\r\n0\r\n\r\n", nil},
		{"bare LF from a backend", "5\nhello\n0\n\n", true, false, "5\r\nhello\r\n0\r\n\r\n", nil},
		{"bare LF from a client", "5\nhello\n0\n\n", true, true, "", errBareLF},
		{"not hex", "zz\r\n", true, true, "", errChunkSize},
		{"empty size", "\r\nhello\r\n", true, true, "", errChunkSize},
		{"negative", "-1\r\n", true, true, "", errChunkSize},
		{"0x prefix", "0x5\r\nhello\r\n", true, true, "", errChunkSize},
		{"too many digits", "1000000000000000\r\n", true, true, "", errChunkSize},
		{"junk after the size", "5 x\r\nhello\r\n", true, true, "", errChunkSize},
		{"data longer than the size", "3\r\nhello\r\n0\r\n\r\n", true, true, "", errChunkEnd},
		{"bad trailer", "0\r\nX T: 1\r\n\r\n", true, true, "", errTrailer},
		{"bad chunk from a backend", "zz\r\n", true, false, "", errResChunk},
		{"cut short", "5\r\nhel", true, true, "", io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			p := newTestPipe(tt.in, &out, tt.client)
			err := p.chunked(tt.chunked)
			if err == nil {
				err = p.dst.Flush()
			}
			if !errors.Is(err, tt.err) || (tt.err == nil) != (err == nil) {
				t.Fatalf("got error %v, want %v", err, tt.err)
			}
			if tt.err == nil && out.String() != tt.want {
				t.Errorf("got %q, want %q", out.String(), tt.want)
			}
		})
	}
}

func TestPipeCopyN(t *testing.T) {
	var out bytes.Buffer
	p := newTestPipe("hello world and more", &out, true)
	if err := p.copyN(11); err != nil {
		t.Fatal(err)
	}
	p.dst.Flush()
	if out.String() != "hello world" {
		t.Errorf("got %q, want %q", out.String(), "hello world")
	}
	if got := string(p.src.buffered()); got != "" {
		t.Errorf("got %q left in the buffer, want nothing read past the body", got)
	}
	if err := newTestPipe("short", &out, true).copyN(6); err != io.ErrUnexpectedEOF {
		t.Errorf("short body: got %v, want io.ErrUnexpectedEOF", err)
	}
}

func TestPipeUntilEOF(t *testing.T) {
	tests := []struct {
		chunked bool
		want    string
	}{
		{false, "abc"},
		{true, "1\r\na\r\n1\r\nb\r\n1\r\nc\r\n0\r\n\r\n"}, // one read of one byte per chunk
	}
	for _, tt := range tests {
		var out bytes.Buffer
		p := newTestPipe("abc", &out, false)
		if err := p.untilEOF(tt.chunked); err != nil {
			t.Fatal(err)
		}
		p.dst.Flush()
		if out.String() != tt.want {
			t.Errorf("chunked %v: got %q, want %q", tt.chunked, out.String(), tt.want)
		}
	}
}

// flushCounter counts the writes that reach it.
type flushCounter struct {
	bytes.Buffer
	writes int
}

func (f *flushCounter) Write(p []byte) (int, error) {
	f.writes++
	return f.Buffer.Write(p)
}

// pieces delivers its strings one per read.
type pieces []string

func (p *pieces) Read(b []byte) (int, error) {
	if len(*p) == 0 {
		return 0, io.EOF
	}
	n := copy(b, (*p)[0])
	(*p)[0] = (*p)[0][n:]
	if (*p)[0] == "" {
		*p = (*p)[1:]
	}
	return n, nil
}

func TestPipeFlushesBeforeWaiting(t *testing.T) {
	var out flushCounter
	src := newReader(&pieces{"5\r\nhello\r\n", "5\r\nworld\r\n", "0\r\n\r\n"})
	p := &pipe{dst: newWriter(&out), src: &src, client: true}
	reads := 0
	p.fill = func() error {
		reads++
		if got := p.dst.Buffered(); got != 0 {
			t.Errorf("read %d: got %d bytes held back, want all flushed before reading", reads, got)
		}
		return p.src.fill(2 * maxLineBytes)
	}
	if err := p.chunked(true); err != nil {
		t.Fatal(err)
	}
	if out.writes != 2 {
		t.Errorf("got %d writes before the end, want 2: each piece passed on as it came", out.writes)
	}
}
