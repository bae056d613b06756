package proxy

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestWriter(t *testing.T) {
	var out flushCounter
	w := newWriter(&out)
	w.WriteString("a")
	w.WriteByte('b')
	w.Write([]byte("c"))
	if out.writes != 0 || w.Buffered() != 3 {
		t.Fatalf("got %d writes and %d gathered, want 0 and 3", out.writes, w.Buffered())
	}
	big := strings.Repeat("x", writeBufferSize)
	w.WriteString(big) // flushes "abc", then goes out whole
	if out.writes != 2 || w.Buffered() != 0 || out.String() != "abc"+big {
		t.Errorf("got %d writes, %d gathered; want 2 and 0 with everything written in order", out.writes, w.Buffered())
	}
	w.WriteString("tail")
	if got := string(w.take()); got != "tail" || w.Buffered() != 0 {
		t.Errorf("take: got %q with %d left, want tail and nothing", got, w.Buffered())
	}
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestWriterErrorsStick(t *testing.T) {
	w := newWriter(failingWriter{})
	w.WriteString("a")
	if err := w.Flush(); err == nil {
		t.Fatal("Flush: got nil, want the write's error")
	}
	if _, err := w.WriteString("b"); err == nil {
		t.Errorf("WriteString after a failure: got nil, want the error again")
	}
}

func TestWriterReleaseAndUse(t *testing.T) {
	var out bytes.Buffer
	w := newWriter(&out)
	w.WriteString("pending")
	w.release()
	if w.buf == nil {
		t.Fatalf("release with gathered bytes: got the buffer given back, want it kept")
	}
	w.Flush()
	w.release()
	if w.buf != nil {
		t.Fatalf("release when empty: got a buffer kept, want it given back")
	}
	w.use().WriteString("again")
	w.Flush()
	if out.String() != "pendingagain" {
		t.Errorf("got %q, want pendingagain", out.String())
	}
}
