package h2

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"
)

// blockWire writes header blocks as a client would, one HPACK encoder for the connection.
type blockWire struct {
	buf bytes.Buffer
	fr  *http2.Framer
	enc *hpack.Encoder
	hb  bytes.Buffer
}

func newBlockWire() *blockWire {
	w := &blockWire{}
	w.fr = http2.NewFramer(&w.buf, nil)
	w.enc = hpack.NewEncoder(&w.hb)
	return w
}

// headers writes a HEADERS frame of fields on stream id, split into CONTINUATION frames of at most
// split bytes (0: one frame).
func (w *blockWire) headers(t *testing.T, id uint32, split int, fields ...string) {
	t.Helper()
	w.hb.Reset()
	for i := 0; i+1 < len(fields); i += 2 {
		if err := w.enc.WriteField(hpack.HeaderField{Name: fields[i], Value: fields[i+1]}); err != nil {
			t.Fatal(err)
		}
	}
	w.raw(t, id, split, w.hb.Bytes())
}

func (w *blockWire) raw(t *testing.T, id uint32, split int, block []byte) {
	t.Helper()
	first := block
	if split > 0 && len(block) > split {
		first = block[:split]
	}
	rest := block[len(first):]
	err := w.fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: first, EndStream: true, EndHeaders: len(rest) == 0})
	for err == nil && len(rest) > 0 {
		n := min(split, len(rest))
		err = w.fr.WriteContinuation(id, n == len(rest), rest[:n])
		rest = rest[n:]
	}
	if err != nil {
		t.Fatal(err)
	}
}

// readBlock reads the next frame of r, which must begin a header block, and decodes it with b.
func readBlock(t *testing.T, fr *http2.Framer, b *headerBlock) (*http2.MetaHeadersFrame, error) {
	t.Helper()
	f, err := fr.ReadFrame()
	if err != nil {
		t.Fatalf("read frame: %v", err)
	}
	hf, ok := f.(*http2.HeadersFrame)
	if !ok {
		t.Fatalf("got frame %T, want HEADERS", f)
	}
	return b.read(hf)
}

var request = []string{":method", "GET", ":scheme", "https", ":path", "/a", ":authority", "x.test", "accept", "*/*"}

func TestHeaderBlockDecodes(t *testing.T) {
	w := newBlockWire()
	w.headers(t, 1, 0, request...)
	w.headers(t, 3, 5, append(request, "cookie", "a=1", "trailer", "x-sum")...) // in CONTINUATION frames
	w.headers(t, 5, 0, ":method", "GET", ":scheme", "https", ":path", "/c")     // fewer fields than before
	fr := http2.NewFramer(nil, &w.buf)
	b := newHeaderBlock(fr, 1<<10)
	for _, want := range []struct{ path, fields string }{
		{"/a", ":method=GET :scheme=https :path=/a :authority=x.test accept=*/* "},
		{"/a", ":method=GET :scheme=https :path=/a :authority=x.test accept=*/* cookie=a=1 trailer=x-sum "},
		{"/c", ":method=GET :scheme=https :path=/c "},
	} {
		mh, err := readBlock(t, fr, b)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		var got string
		for _, f := range mh.Fields {
			got += f.Name + "=" + f.Value + " "
		}
		if got != want.fields || mh.PseudoValue("path") != want.path || mh.Truncated || !mh.StreamEnded() {
			t.Errorf("got fields %q (path %q, truncated %v), want %q", got, mh.PseudoValue("path"), mh.Truncated, want.fields)
		}
	}
}

func TestHeaderBlockRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		fields []string
	}{
		{"upper-case name", append(request, "Accept", "x")},
		{"name not a token", append(request, "a b", "x")},
		{"control character in a value", append(request, "accept", "a\x01b")},
		{"pseudo-header after a regular field", append(request, ":foo", "x")},
		{"pseudo-header given twice", append([]string{":path", "/b"}, request...)},
		{"unknown pseudo-header", append([]string{":foo", "x"}, request...)},
		{"request and response pseudo-headers", append([]string{":status", "200"}, request...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newBlockWire()
			w.headers(t, 1, 0, tc.fields...)
			w.headers(t, 3, 0, request...) // the same encoder: indexes what the refused block added
			fr := http2.NewFramer(nil, &w.buf)
			b := newHeaderBlock(fr, 1<<10)
			_, err := readBlock(t, fr, b)
			var se http2.StreamError
			if !errors.As(err, &se) || se.StreamID != 1 || se.Code != http2.ErrCodeProtocol {
				t.Fatalf("got %v, want a PROTOCOL_ERROR of stream 1", err)
			}
			mh, err := readBlock(t, fr, b)
			if err != nil || mh.PseudoValue("authority") != "x.test" || len(mh.Fields) != 5 {
				t.Fatalf("the block after: %v, %d fields, want 5 decoded with the table kept", err, len(mh.Fields))
			}
		})
	}
}

func TestHeaderBlockBounds(t *testing.T) {
	t.Run("a list past the bound is truncated", func(t *testing.T) {
		w := newBlockWire()
		v := string(bytes.Repeat([]byte("v"), 100)) // each field within the bound, not all of them
		w.headers(t, 1, 0, append(request, "x-a", v, "x-b", v, "x-c", v)...)
		fr := http2.NewFramer(nil, &w.buf)
		mh, err := readBlock(t, fr, newHeaderBlock(fr, 256))
		if err != nil || !mh.Truncated {
			t.Fatalf("got %v, truncated %v; want the block marked truncated", err, mh != nil && mh.Truncated)
		}
	})
	for _, tc := range []struct {
		name  string
		write func(t *testing.T, w *blockWire)
		limit uint32
		want  http2.ErrCode
	}{
		{"a fragment far past the bound", func(t *testing.T, w *blockWire) {
			v := string(bytes.Repeat([]byte("v"), 200))
			w.headers(t, 1, 600, append(request, "x-a", v, "x-b", v, "x-c", v, "x-d", v, "x-e", v)...)
		}, 256, http2.ErrCodeProtocol},
		{"a string longer than the bound", func(t *testing.T, w *blockWire) {
			w.headers(t, 1, 0, append(request, "x-big", string(bytes.Repeat([]byte("v"), 300)))...)
		}, 256, http2.ErrCodeCompression}, // as x/net's Framer answers
		{"HPACK that does not decode", func(t *testing.T, w *blockWire) {
			w.raw(t, 1, 0, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0x0f}) // an index far past any table
		}, 1 << 10, http2.ErrCodeCompression},
		{"a block cut short", func(t *testing.T, w *blockWire) {
			w.hb.Reset()
			w.enc.WriteField(hpack.HeaderField{Name: "x-long", Value: "abcdefgh"})
			w.raw(t, 1, 0, w.hb.Bytes()[:5])
		}, 1 << 10, http2.ErrCodeCompression},
	} {
		t.Run(tc.name+" ends the connection", func(t *testing.T) {
			w := newBlockWire()
			tc.write(t, w)
			fr := http2.NewFramer(nil, &w.buf)
			_, err := readBlock(t, fr, newHeaderBlock(fr, tc.limit))
			if ce, ok := err.(http2.ConnectionError); !ok || http2.ErrCode(ce) != tc.want {
				t.Fatalf("got %v, want a connection %v", err, tc.want)
			}
		})
	}
}

func TestHeaderBlockKeepsNoLargeList(t *testing.T) {
	const maxList = 32 << 10 // the proxy's MaxHeaderListSize (MaxRequestHeadBytes)
	w := newBlockWire()
	block := []byte{0x82, 0x87, 0x84, 0x41, 1, 'x'} // :method GET, :scheme https, :path /, :authority x
	block = append(block, 0x40, 1, 'a', 0)          // a: "" into the table (index 62)
	for range maxList / 33 {
		block = append(block, 0xbe) // a: "" again, one byte on the wire
	}
	w.raw(t, 1, 0, block)
	w.headers(t, 3, 0, request...) // the next request, an ordinary one
	fr := http2.NewFramer(nil, &w.buf)
	b := newHeaderBlock(fr, maxList)
	for i := 0; i < 2; i++ {
		mh, err := readBlock(t, fr, b)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 && len(mh.Fields) < 900 {
			t.Fatalf("the first block decoded to %d fields, want about 990", len(mh.Fields))
		}
		b.done()
	}
	if kept := cap(b.meta.Fields) * int(unsafe.Sizeof(hpack.HeaderField{})); kept > 4<<10 {
		t.Errorf("after a block of %d bytes and an ordinary one, the connection keeps a list of %d fields (%d bytes); want at most 4 KiB", len(block), cap(b.meta.Fields), kept)
	}
}

func TestHeaderBlockAllocations(t *testing.T) {
	w := newBlockWire()
	w.headers(t, 1, 0, request...)
	one := append([]byte(nil), w.buf.Bytes()...)
	r := bytes.NewReader(nil)
	fr := http2.NewFramer(nil, r)
	b := newHeaderBlock(fr, 1<<10)
	allocs := testing.AllocsPerRun(100, func() {
		// Each run a new connection's worth of table: the first block, literal fields.
		r.Reset(one)
		b.dec.SetMaxDynamicTableSize(0)
		b.dec.SetMaxDynamicTableSize(4096)
		if _, err := readBlock(t, fr, b); err != nil {
			t.Fatal(err)
		}
		b.done()
	})
	// The HEADERS frame the Framer makes, and the strings of the fields not in the static table.
	if allocs > 6 {
		t.Errorf("a block of 5 fields took %.0f allocations, want at most 6 (no frame, closure or list of our own)", allocs)
	}
}

// FuzzHeaderBlock feeds the same header blocks to headerBlock and to x/net's Framer decoding them
// itself (ReadMetaHeaders), and wants the same fields, truncation and errors from both: block.go
// claims to make x/net's checks. Two blocks a run, so a refused block must leave the HPACK table
// as x/net leaves it.
func FuzzHeaderBlock(f *testing.F) {
	w := newBlockWire()
	w.hb.Reset()
	for _, fl := range [][2]string{{":method", "GET"}, {":path", "/"}, {"x-a", "b"}} {
		w.enc.WriteField(hpack.HeaderField{Name: fl[0], Value: fl[1]})
	}
	valid := append([]byte(nil), w.hb.Bytes()...)
	f.Add(valid, valid, uint8(0), uint16(1024))
	f.Add(valid, []byte{0xbe}, uint8(3), uint16(40))                              // the second indexes the first's entry
	f.Add([]byte{0x40, 1, 'A', 1, 'b'}, valid, uint8(2), uint16(1024))            // an upper-case name, indexed
	f.Add([]byte{0x40, 1, 'a', 1, 'b', 0x82}, []byte{0xbe}, uint8(0), uint16(64)) // a pseudo after a regular field
	f.Fuzz(func(t *testing.T, first, second []byte, split uint8, maxList uint16) {
		if len(first)+len(second) > 4096 {
			return
		}
		var wire bytes.Buffer
		wf := http2.NewFramer(&wire, nil)
		for i, block := range [][]byte{first, second} {
			if err := writeSplit(wf, uint32(2*i+1), int(split), block); err != nil {
				t.Skip()
			}
		}
		raw := wire.Bytes()

		theirs := http2.NewFramer(nil, bytes.NewReader(raw))
		theirs.ReadMetaHeaders = hpack.NewDecoder(4096, nil)
		theirs.MaxHeaderListSize = uint32(maxList)
		ours := http2.NewFramer(nil, bytes.NewReader(raw))
		limit := uint32(maxList)
		if limit == 0 {
			limit = 16 << 20 // what 0 means to x/net; the server never gives 0 (maxHeaderList)
		}
		b := newHeaderBlock(ours, limit)
		for i := 0; i < 2; i++ {
			want, wantErr := readTheirs(theirs)
			got, gotErr := readOurs(ours, b)
			if errClass(gotErr) != errClass(wantErr) {
				t.Fatalf("block %d: got error %v, x/net %v", i+1, gotErr, wantErr)
			}
			if gotErr == nil && describeBlock(got) != describeBlock(want) {
				t.Fatalf("block %d: got %s, x/net %s", i+1, describeBlock(got), describeBlock(want))
			}
			if gotErr != nil && errClass(gotErr) != "stream PROTOCOL_ERROR" {
				return // the connection ends: nothing more is read
			}
		}
	})
}

func writeSplit(fr *http2.Framer, id uint32, split int, block []byte) error {
	first := block
	if split > 0 && len(block) > split {
		first = block[:split]
	}
	rest := block[len(first):]
	err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: id, BlockFragment: first, EndStream: true, EndHeaders: len(rest) == 0})
	for err == nil && len(rest) > 0 {
		n := min(split, len(rest))
		err = fr.WriteContinuation(id, n == len(rest), rest[:n])
		rest = rest[n:]
	}
	return err
}

func readTheirs(fr *http2.Framer) (*http2.MetaHeadersFrame, error) {
	f, err := fr.ReadFrame()
	if err != nil {
		return nil, err
	}
	return f.(*http2.MetaHeadersFrame), nil
}

func readOurs(fr *http2.Framer, b *headerBlock) (*http2.MetaHeadersFrame, error) {
	f, err := fr.ReadFrame()
	if err != nil {
		return nil, err
	}
	return b.read(f.(*http2.HeadersFrame))
}

// errClass names what an error does to the connection: nothing, one stream, or all of it.
func errClass(err error) string {
	var se http2.StreamError
	var ce http2.ConnectionError
	switch {
	case err == nil:
		return "none"
	case errors.As(err, &se):
		return "stream " + se.Code.String()
	case errors.As(err, &ce):
		return "connection " + http2.ErrCode(ce).String()
	}
	return "other"
}

func describeBlock(mh *http2.MetaHeadersFrame) string {
	var s strings.Builder
	fmt.Fprintf(&s, "truncated=%v", mh.Truncated)
	for _, f := range mh.Fields {
		fmt.Fprintf(&s, " %q=%q", f.Name, f.Value)
	}
	return s.String()
}
