package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadMergePrecedence(t *testing.T) {
	dir := t.TempDir()
	toml := "health_path = \"/health\"\nboot_timeout = \"5s\"\ndrain_timeout = \"2s\"\n[scale]\nweb = 2\n[env]\nA = \"1\"\n"
	if err := os.WriteFile(filepath.Join(dir, FileName), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	file, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	env, err := FromEnv(func(k string) string {
		return map[string]string{"CUTOVER_BOOT_TIMEOUT": "7s", "CUTOVER_DRAIN_TIMEOUT": "3s"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	flags := Config{DrainTimeout: Duration(4 * time.Second)}
	got := Defaults().Merge(file).Merge(env).Merge(flags)
	checks := []struct {
		name      string
		got, want any
	}{
		{"health path from file", got.HealthPath, "/health"},
		{"boot timeout: env over file", time.Duration(got.BootTimeout), 7 * time.Second},
		{"drain timeout: flag over env", time.Duration(got.DrainTimeout), 4 * time.Second},
		{"stop timeout default", time.Duration(got.StopTimeout), DefaultStopTimeout},
		{"scale web", got.ScaleOf("web"), 2},
		{"scale worker default", got.ScaleOf("worker"), DefaultScale},
		{"env", got.Env["A"], "1"},
		{"mode default", got.Mode, ModeProxy},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
	if err := got.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct{ name, toml, want string }{
		{"unknown key", "helth_path = \"/up\"\n", "unknown setting \"helth_path\""},
		{"bad duration", "boot_timeout = \"soon\"\n", "not a duration"},
		{"syntax", "mode = \n", FileName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, FileName), []byte(tt.toml), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestLoadMissingIsEmpty(t *testing.T) {
	c, err := Load(t.TempDir())
	if err != nil || c.HealthPath != "" {
		t.Errorf("got %+v, %v; want empty config, nil", c, err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		over Config
		want string
	}{
		{"mode", Config{Mode: "magic"}, "mode \"magic\""},
		{"health path", Config{HealthPath: "up"}, "must start with /"},
		{"scale", Config{Scale: map[string]int{"web": 100}}, "scale.web"},
		{"check database", Config{Migrations: Migrations{CheckDatabase: "host=db password=x"}}, "check_database must be a URL"},
		{"listen in proxy mode", Config{Listen: ":9000"}, `is the own socket of an app in mode = "socket"`},
		{"listen no port", Config{Mode: ModeSocket, Listen: "9000"}, `listen = "9000": give an address`},
		{"bake", Config{Bake: "a minute"}, `bake: "a minute" is not a duration like 60s`},
		{"negative bake", Config{Bake: "-5s"}, `bake: "-5s"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Defaults().Merge(tt.over).Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestValidListen: a socket-mode app may have its own listener.
func TestValidListen(t *testing.T) {
	if err := Defaults().Merge(Config{Mode: ModeSocket, Listen: "127.0.0.1:9000"}).Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestBakeWindow(t *testing.T) {
	tests := []struct {
		over Config
		want time.Duration
	}{
		{Config{}, DefaultBake},
		{Config{Bake: "5s"}, 5 * time.Second},
		{Config{Bake: "off"}, 0},
		{Config{Bake: "0"}, 0},
		{Config{Bake: "0s"}, 0},
	}
	for _, tt := range tests {
		c := Defaults().Merge(tt.over)
		if err := c.Validate(); err != nil {
			t.Fatalf("%+v: %v", tt.over, err)
		}
		if got := c.BakeWindow(); got != tt.want {
			t.Errorf("bake %q: window %s, want %s", tt.over.Bake, got, tt.want)
		}
	}
	env, err := FromEnv(func(k string) string {
		if k == "CUTOVER_BAKE" {
			return "off"
		}
		return ""
	})
	if err != nil || Defaults().Merge(env).BakeWindow() != 0 {
		t.Fatalf("CUTOVER_BAKE=off: %v, window %s", err, Defaults().Merge(env).BakeWindow())
	}
}

func TestFromEnvBad(t *testing.T) {
	_, err := FromEnv(func(k string) string {
		if k == "CUTOVER_STOP_TIMEOUT" {
			return "-1s"
		}
		return ""
	})
	if err == nil || !strings.Contains(err.Error(), "CUTOVER_STOP_TIMEOUT") {
		t.Errorf("got %v, want an error naming CUTOVER_STOP_TIMEOUT", err)
	}
}
