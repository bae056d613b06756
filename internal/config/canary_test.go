package config

import (
	"testing"
	"time"
)

func TestParseShare(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want float64
		err  bool
	}{
		{"", 0, false},
		{"off", 0, false},
		{"10%", 0.1, false},
		{" 2.5 %", 0.025, false},
		{"10", 0, true},
		{"100%", 0, true},
		{"-5%", 0, true},
		{"ten%", 0, true},
	} {
		got, err := ParseShare(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseShare(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestCanarySettings(t *testing.T) {
	env := map[string]string{"CUTOVER_CANARY": "20%", "CUTOVER_CANARY_FOR": "30s"}
	c, err := FromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	m := Defaults().Merge(Config{Canary: "5%"}).Merge(c)
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := m.CanaryShare(), 0.2; got != want {
		t.Errorf("share %v, want %v", got, want)
	}
	if got, want := m.CanaryWindow(), 30*time.Second; got != want {
		t.Errorf("window %v, want %v", got, want)
	}
	if got := Defaults().CanaryWindow(); got != DefaultCanaryFor {
		t.Errorf("default window %v, want %v", got, DefaultCanaryFor)
	}
	sock := Defaults().Merge(Config{Mode: ModeSocket, Canary: "10%"})
	if err := sock.Validate(); err == nil {
		t.Error("a canary in socket mode validated, want an error")
	}
}
