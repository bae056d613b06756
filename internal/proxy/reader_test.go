package proxy

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func TestReaderFillGrowsToItsLimit(t *testing.T) {
	long := strings.Repeat("a", 3*readBufferSize)
	b := newReader(strings.NewReader(long))
	for b.len() < len(long) {
		if err := b.fill(4 * readBufferSize); err != nil {
			t.Fatalf("fill at %d bytes: %v", b.len(), err)
		}
	}
	if got := string(b.buffered()); got != long {
		t.Errorf("got %d bytes, want %d", len(got), len(long))
	}
	b = newReader(strings.NewReader(long))
	var err error
	for err == nil {
		err = b.fill(readBufferSize)
	}
	if err != errBufferFull || b.len() != readBufferSize {
		t.Errorf("got %v with %d bytes, want errBufferFull with %d", err, b.len(), readBufferSize)
	}
}

func TestReaderDiscardAndCompact(t *testing.T) {
	b := newReader(iotest.HalfReader(strings.NewReader("hello world")))
	for b.len() < len("hello world") {
		if err := b.fill(maxHeadBytes); err != nil {
			t.Fatal(err)
		}
	}
	b.discard(6)
	if got := string(b.buffered()); got != "world" {
		t.Fatalf("after discard: got %q, want world", got)
	}
	b.unread([]byte("!"))
	if got := string(b.buffered()); got != "world!" {
		t.Errorf("after unread: got %q, want world!", got)
	}
	b.discard(6)
	if b.r != 0 || b.w != 0 {
		t.Errorf("empty buffer: got r=%d w=%d, want both 0", b.r, b.w)
	}
	if err := b.fill(maxHeadBytes); err != io.EOF {
		t.Errorf("fill at the end: got %v, want io.EOF", err)
	}
}

func TestReaderReleaseAndUse(t *testing.T) {
	b := newReader(strings.NewReader("abc"))
	b.fill(maxHeadBytes)
	b.release()
	if b.buf == nil {
		t.Errorf("release with unread bytes: got the buffer given back, want it kept")
	}
	b.discard(3)
	b.release()
	if b.buf != nil {
		t.Errorf("release when empty: got a buffer kept, want it given back")
	}
	b.use()
	if len(b.buf) != readBufferSize {
		t.Errorf("use: got a buffer of %d bytes, want %d", len(b.buf), readBufferSize)
	}
}
