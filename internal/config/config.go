// Package config holds an app's deploy settings: the named defaults, the optional cutover.toml in the
// app, and overrides from environment variables and flags. Flags win over the environment, which wins
// over cutover.toml, which wins over the defaults.
package config

import (
	"fmt"
	"net"
	"strings"
	"time"
)

// FileName is the optional settings file in an app's directory.
const FileName = "cutover.toml"

// Defaults for every setting. Each is also the default of the matching flag.
const (
	DefaultMode           = ModeProxy
	DefaultHealthPath     = "/up"
	DefaultHealthInterval = 50 * time.Millisecond
	DefaultReleaseTimeout = 10 * time.Minute
	// DefaultBuildTimeout bounds the build command (bundle install, npm ci, go build).
	DefaultBuildTimeout = 15 * time.Minute
	DefaultBootTimeout  = 30 * time.Second
	DefaultDrainTimeout = 30 * time.Second
	DefaultStopTimeout  = 10 * time.Second
	// DefaultBake is how long the old release stays booted after the switch while the new one is
	// judged against it (see package bake); "off" or "0" turns the bake off.
	DefaultBake           = time.Minute
	DefaultScale          = 1
	DefaultPreMigrateDir  = "db/migrate"
	DefaultPostMigrateDir = "db/post_migrate"
)

// Modes a release's web processes can be reached in.
const (
	ModeProxy  = "proxy"  // each web process listens on its own $PORT; cutover proxies to it
	ModeSocket = "socket" // web processes inherit cutover's listening socket (LISTEN_FDS)
)

// Duration is a time.Duration written as "30s" in TOML and JSON.
type Duration time.Duration

// UnmarshalText parses a Go duration such as "1m30s".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("%q is not a duration like 30s or 2m: %w", b, err)
	}
	if v <= 0 {
		return fmt.Errorf("%q: a timeout must be positive", b)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration as "30s".
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// Migrations says where an app keeps its SQL migrations, and where its release command is checked.
type Migrations struct {
	PreDir  string `toml:"pre" json:"pre,omitempty"`
	PostDir string `toml:"post" json:"post,omitempty"`
	// CheckDatabase, if set, is a postgres:// URL to a server of the user's where the release
	// command is checked on a scratch database cutover creates and drops (its user needs
	// CREATEDB), instead of a private PostgreSQL cluster started from the host's binaries.
	CheckDatabase string `toml:"check_database" json:"check_database,omitempty"`
}

// Config is the settings of one app's deploys. The zero value of a field means "not set here".
type Config struct {
	// App names the app of the daemon this directory deploys to (see `cutover apps`), for the
	// commands run in it that give no --app.
	App  string `toml:"app" json:"app,omitempty"`
	Mode string `toml:"mode" json:"mode,omitempty"`
	// Listen is the address of a socket-mode app's own listening socket (":9000"), which its web
	// processes take over as the public one: on a daemon with several apps, where the public
	// socket is the proxy's. "" means the public socket.
	Listen         string   `toml:"listen" json:"listen,omitempty"`
	HealthPath     string   `toml:"health_path" json:"health_path,omitempty"`
	HealthInterval Duration `toml:"health_interval" json:"health_interval,omitempty"`
	ReleaseTimeout Duration `toml:"release_timeout" json:"release_timeout,omitempty"`
	BootTimeout    Duration `toml:"boot_timeout" json:"boot_timeout,omitempty"`
	DrainTimeout   Duration `toml:"drain_timeout" json:"drain_timeout,omitempty"`
	StopTimeout    Duration `toml:"stop_timeout" json:"stop_timeout,omitempty"`
	// Build is the command that builds the release from its source, in the release's directory,
	// before the release phase: "bundle install", "npm ci && npm run build", "go build -o app .".
	// The Procfile may have it as a build: line instead.
	Build        string   `toml:"build" json:"build,omitempty"`
	BuildTimeout Duration `toml:"build_timeout" json:"build_timeout,omitempty"`
	// Bake is how long the old release stays booted after the switch, to switch back to at once
	// if the new one does worse: a duration such as "60s", or "off". See BakeWindow.
	Bake string `toml:"bake" json:"bake,omitempty"`
	// Canary, when set, sends that share of new clients ("10%") to the new release once it is
	// healthy, instead of all of them, for CanaryFor, then promotes it or rolls it back by its
	// figures beside the old release's (see docs/bake.md). "" or "off": no canary.
	Canary string `toml:"canary" json:"canary,omitempty"`
	// CanaryFor is how long a canary runs before it is promoted; 0 means DefaultCanaryFor.
	CanaryFor Duration `toml:"canary_for" json:"canary_for,omitempty"`
	// BufferRequests, BufferResponses and MaxBody say what the proxy buffers for the app (see
	// Buffering); unset means the defaults: both on, 100 MiB.
	BufferRequests  *bool  `toml:"buffer_requests" json:"buffer_requests,omitempty"`
	BufferResponses *bool  `toml:"buffer_responses" json:"buffer_responses,omitempty"`
	MaxBody         string `toml:"max_body" json:"max_body,omitempty"`
	// MaxBufferedResponse is the largest response body (by its Content-Length) buffered with
	// BufferResponses, a size as MaxBody; unset means the proxy's default (see
	// MaxBufferedResponseBytes).
	MaxBufferedResponse string            `toml:"max_buffered_response" json:"max_buffered_response,omitempty"`
	Scale               map[string]int    `toml:"scale" json:"scale,omitempty"`
	Env                 map[string]string `toml:"env" json:"env,omitempty"`
	Migrations          Migrations        `toml:"migrations" json:"migrations"`
}

// Defaults returns a Config with every named default filled in.
func Defaults() Config {
	return Config{
		Mode:           DefaultMode,
		HealthPath:     DefaultHealthPath,
		HealthInterval: Duration(DefaultHealthInterval),
		ReleaseTimeout: Duration(DefaultReleaseTimeout),
		BuildTimeout:   Duration(DefaultBuildTimeout),
		BootTimeout:    Duration(DefaultBootTimeout),
		DrainTimeout:   Duration(DefaultDrainTimeout),
		StopTimeout:    Duration(DefaultStopTimeout),
		Bake:           DefaultBake.String(),
		Migrations:     Migrations{PreDir: DefaultPreMigrateDir, PostDir: DefaultPostMigrateDir},
	}
}

// Load reads cutover.toml from appDir; a missing file is an empty Config. Read also says what in it
// is probably not what the user meant.
func Load(appDir string) (Config, error) {
	f, err := Read(appDir)
	if err != nil {
		return Config{}, err
	}
	return f.Config, nil
}

// FromEnv reads the CUTOVER_* environment overrides through getenv (os.Getenv in main).
func FromEnv(getenv func(string) string) (Config, error) {
	var c Config
	if v := getenv("CUTOVER_HEALTH_PATH"); v != "" {
		c.HealthPath = v
	}
	if v := getenv("CUTOVER_CANARY"); v != "" {
		if _, err := ParseShare(v); err != nil {
			return Config{}, fmt.Errorf("CUTOVER_CANARY: %w", err)
		}
		c.Canary = v
	}
	if v := getenv("CUTOVER_BAKE"); v != "" {
		if _, err := parseBake(v); err != nil {
			return Config{}, fmt.Errorf("CUTOVER_BAKE: %w", err)
		}
		c.Bake = v
	}
	durations := map[string]*Duration{
		"CUTOVER_RELEASE_TIMEOUT": &c.ReleaseTimeout,
		"CUTOVER_BUILD_TIMEOUT":   &c.BuildTimeout,
		"CUTOVER_BOOT_TIMEOUT":    &c.BootTimeout,
		"CUTOVER_DRAIN_TIMEOUT":   &c.DrainTimeout,
		"CUTOVER_STOP_TIMEOUT":    &c.StopTimeout,
		"CUTOVER_CANARY_FOR":      &c.CanaryFor,
	}
	for name, d := range durations {
		if v := getenv(name); v != "" {
			if err := d.UnmarshalText([]byte(v)); err != nil {
				return Config{}, fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	return c, nil
}

// Merge returns c with every field that over sets replaced by over's value.
func (c Config) Merge(over Config) Config {
	setString(&c.Mode, over.Mode)
	setString(&c.Listen, over.Listen)
	setString(&c.HealthPath, over.HealthPath)
	setString(&c.Bake, over.Bake)
	setString(&c.Canary, over.Canary)
	setString(&c.Build, over.Build)
	setString(&c.MaxBody, over.MaxBody)
	setString(&c.MaxBufferedResponse, over.MaxBufferedResponse)
	if over.BufferRequests != nil {
		c.BufferRequests = over.BufferRequests
	}
	if over.BufferResponses != nil {
		c.BufferResponses = over.BufferResponses
	}
	setString(&c.Migrations.PreDir, over.Migrations.PreDir)
	setString(&c.Migrations.PostDir, over.Migrations.PostDir)
	setString(&c.Migrations.CheckDatabase, over.Migrations.CheckDatabase)
	for _, p := range []struct{ dst, src *Duration }{
		{&c.HealthInterval, &over.HealthInterval},
		{&c.ReleaseTimeout, &over.ReleaseTimeout},
		{&c.BuildTimeout, &over.BuildTimeout},
		{&c.BootTimeout, &over.BootTimeout},
		{&c.DrainTimeout, &over.DrainTimeout},
		{&c.StopTimeout, &over.StopTimeout},
		{&c.CanaryFor, &over.CanaryFor},
	} {
		if *p.src != 0 {
			*p.dst = *p.src
		}
	}
	c.Scale = mergeMap(c.Scale, over.Scale)
	c.Env = mergeMap(c.Env, over.Env)
	return c
}

// Validate checks a merged Config.
func (c Config) Validate() error {
	if c.Mode != ModeProxy && c.Mode != ModeSocket {
		return fmt.Errorf("mode %q: use %q (the default) or %q", c.Mode, ModeProxy, ModeSocket)
	}
	if c.Listen != "" {
		if c.Mode != ModeSocket {
			return fmt.Errorf("listen = %q is the own socket of an app in mode = %q: set that mode too, or remove listen (in proxy mode the daemon's --listen and --https serve the app)", c.Listen, ModeSocket)
		}
		if _, _, err := net.SplitHostPort(c.Listen); err != nil {
			return fmt.Errorf("listen = %q: give an address such as \":9000\" or \"127.0.0.1:9000\" (%v)", c.Listen, err)
		}
	}
	if _, err := parseBake(c.Bake); err != nil {
		return fmt.Errorf("bake: %w", err)
	}
	if _, err := ParseShare(c.Canary); err != nil {
		return fmt.Errorf("canary: %w", err)
	}
	if c.Canary != "" && c.Canary != "off" && c.Mode == ModeSocket {
		return fmt.Errorf("canary = %q in mode = %q: the kernel shares the app's connections among its processes there, so cutover cannot send a share of clients to the new release; use mode = %q for a canary, or remove canary", c.Canary, ModeSocket, ModeProxy)
	}
	if _, err := parseSize(c.MaxBody); err != nil {
		return fmt.Errorf("max_body: %w", err)
	}
	if c.MaxBufferedResponse != "" {
		if _, err := parseSize(c.MaxBufferedResponse); err != nil {
			return fmt.Errorf("max_buffered_response: %w", err)
		}
	}
	if !strings.HasPrefix(c.HealthPath, "/") {
		return fmt.Errorf("health_path %q must start with /", c.HealthPath)
	}
	if db := c.Migrations.CheckDatabase; db != "" && !strings.HasPrefix(db, "postgres://") && !strings.HasPrefix(db, "postgresql://") {
		// The value is not shown: it may hold a password.
		return fmt.Errorf("[migrations] check_database must be a URL such as postgres://user:password@host:5432/postgres")
	}
	return c.ValidateScale()
}

// MaxScale is the most processes of one type a release runs.
const MaxScale = 64

// ValidateScale checks the number of processes of each type.
func (c Config) ValidateScale() error {
	for name, n := range c.Scale {
		if n < 0 || n > MaxScale {
			return fmt.Errorf("scale.%s = %d: use 0 to %d processes", name, n, MaxScale)
		}
	}
	return nil
}

// BakeWindow is how long the old release stays booted after the switch; 0 means no bake. Call it
// on a validated Config.
func (c Config) BakeWindow() time.Duration {
	d, _ := parseBake(c.Bake)
	return d
}

// parseBake reads a bake setting: "off", "0", or a positive duration such as "60s". "" is the
// unset zero value: no bake.
func parseBake(v string) (time.Duration, error) {
	switch v {
	case "", "off", "0":
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q is not a duration like 60s or 5m, nor off", v)
	}
	return d, nil
}

// ScaleOf is how many processes of a type to run.
func (c Config) ScaleOf(name string) int {
	if n, ok := c.Scale[name]; ok {
		return n
	}
	return DefaultScale
}

func setString(dst *string, v string) {
	if v != "" {
		*dst = v
	}
}

func mergeMap[V any](base, over map[string]V) map[string]V {
	if len(over) == 0 {
		return base
	}
	out := make(map[string]V, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}
