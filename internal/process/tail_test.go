package process

import (
	"bytes"
	"slices"
	"testing"
)

func TestTail(t *testing.T) {
	tests := []struct {
		name   string
		max    int
		out    []string // writes to stdout
		err    []string // writes to stderr, after stdout's
		want   []string
		stdout string
	}{
		{"lines across writes", 5, []string{"a\nb", "c\n"}, nil, []string{"a", "bc"}, "a\nbc\n"},
		{"keeps the last", 2, []string{"1\n2\n3\n"}, []string{"4\n"}, []string{"3", "4"}, "1\n2\n3\n"},
		{"partial lines flushed", 5, []string{"out"}, []string{"err"}, []string{"out", "err"}, "out"},
		{"crlf", 5, []string{"a\r\n"}, nil, []string{"a"}, "a\r\n"},
		{"empty line", 5, []string{"\n"}, nil, []string{""}, "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout bytes.Buffer
			tl := newTail(tt.max)
			o, e := tl.stream(&stdout), tl.stream(nil)
			for _, s := range tt.out {
				if n, err := o.Write([]byte(s)); n != len(s) || err != nil {
					t.Fatalf("Write: got %d, %v, want %d, nil", n, err, len(s))
				}
			}
			for _, s := range tt.err {
				e.Write([]byte(s))
			}
			tl.flush()
			if got := tl.get(); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if got := stdout.String(); got != tt.stdout {
				t.Errorf("passed on: got %q, want %q", got, tt.stdout)
			}
		})
	}
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, bytes.ErrTooLarge }

func TestTailIgnoresWriterErrors(t *testing.T) {
	tl := newTail(5)
	w := tl.stream(failingWriter{})
	if n, err := w.Write([]byte("x\n")); n != 2 || err != nil {
		t.Errorf("got %d, %v, want 2, nil", n, err)
	}
	if got := tl.get(); !slices.Equal(got, []string{"x"}) {
		t.Errorf("got %q, want [x]", got)
	}
}
