package deploy

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestLineWriter(t *testing.T) {
	var got []string
	w := &lineWriter{emit: func(s string) { got = append(got, s) }}
	for _, chunk := range []string{"one\r\ntw", "o\n", "\n", "three"} {
		w.Write([]byte(chunk))
	}
	if want := []string{"one", "two", ""}; !slices.Equal(got, want) {
		t.Errorf("before Close: got %q, want %q", got, want)
	}
	w.Close()
	if want := []string{"one", "two", "", "three"}; !slices.Equal(got, want) {
		t.Errorf("after Close: got %q, want %q", got, want)
	}
}

// TestLineWriterCutsLongLines: a line past MaxOutputLine is passed on cut, saying so, its rest
// dropped up to its newline, however it is written; the buffer never holds more than the limit.
func TestLineWriterCutsLongLines(t *testing.T) {
	long := strings.Repeat("é", MaxOutputLine) // 2 bytes each: twice the limit
	for _, tc := range []struct {
		name   string
		chunks []string
	}{
		{"one write", []string{long + "\nnext\n"}},
		{"byte chunks of 1000", chunked(long+"\nnext\n", 1000)},
		{"the newline alone", []string{long, "\n", "next\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			w := &lineWriter{emit: func(s string) { got = append(got, s) }}
			for _, c := range tc.chunks {
				w.Write([]byte(c))
				if cap(w.buf) > 2*MaxOutputLine {
					t.Fatalf("the buffer grew to %d bytes", cap(w.buf))
				}
			}
			w.Close()
			if len(got) != 2 || got[1] != "next" {
				t.Fatalf("got %d lines (last %.20q), want the cut line and next", len(got), got[len(got)-1])
			}
			first := got[0]
			if !strings.HasSuffix(first, cutNote) || len(first)-len(cutNote) > MaxOutputLine || !utf8.ValidString(first) {
				t.Errorf("the cut line: %d bytes, valid UTF-8 %v, ends %q", len(first), utf8.ValidString(first), first[len(first)-50:])
			}
		})
	}
}

// chunked splits s into pieces of n bytes.
func chunked(s string, n int) []string {
	var out []string
	for len(s) > n {
		out, s = append(out, s[:n]), s[n:]
	}
	return append(out, s)
}
