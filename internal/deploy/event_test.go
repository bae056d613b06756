package deploy

import (
	"slices"
	"testing"
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
