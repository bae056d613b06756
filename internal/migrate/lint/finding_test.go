package lint

import (
	"testing"
)

func TestSeverityText(t *testing.T) {
	for _, s := range []Severity{Info, Warning, Error} {
		b, err := s.MarshalText()
		var back Severity
		if err != nil || back.UnmarshalText(b) != nil || back != s {
			t.Errorf("got %q, %v round-tripping %v, want the same severity back", b, err, s)
		}
	}
	if _, err := Severity(7).MarshalText(); err == nil {
		t.Errorf("got nil error marshaling severity 7, want one")
	}
	var s Severity
	if err := s.UnmarshalText([]byte("fatal")); err == nil {
		t.Errorf("got nil error for severity fatal, want one")
	}
}

func TestHasErrors(t *testing.T) {
	tests := []struct {
		name string
		fs   []Finding
		want bool
	}{
		{"none", nil, false},
		{"warnings only", []Finding{{Severity: Warning}, {Severity: Info}}, false},
		{"silenced error", []Finding{{Severity: Error, Silenced: true}}, false},
		{"error", []Finding{{Severity: Warning}, {Severity: Error}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := HasErrors(tt.fs); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
