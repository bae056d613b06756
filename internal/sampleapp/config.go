package sampleapp

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"
)

// DefaultShutdownTimeout is how long the app lets in-flight requests finish
// after SIGTERM before it closes their connections.
const DefaultShutdownTimeout = 30 * time.Second

// DefaultReadHeaderTimeout bounds how long a client may take to send its
// request headers.
const DefaultReadHeaderTimeout = 10 * time.Second

// DefaultVersion is the version the app reports when none is given.
const DefaultVersion = "v1"

// config is what the flags and their environment variables ask for.
type config struct {
	host, port      string
	version         string
	bootDelay       time.Duration
	shutdownTimeout time.Duration
	neverHealthy    bool
	crashAtBoot     bool
	flapHealth      bool
	ignoreSIGTERM   bool
	dbQuery         string
	failEvery       int           // answer / with 500 to every nth request; 0 never
	slow            time.Duration // every / request takes this much longer
	crashAfter      time.Duration // exit 1 this long after listening; 0 never
	showEnv         string        // the environment variables /env/{name} may show, comma-separated
	serial          bool          // serve one request at a time, as one Unicorn worker does
}

// envFlags pairs each flag with the environment variable that sets its
// default, so that Procfile lines can stay short.
var envFlags = []struct{ flag, env string }{
	{"host", "SAMPLE_HOST"},
	{"port", "PORT"},
	{"version", "SAMPLE_VERSION"},
	{"boot-delay", "SAMPLE_BOOT_DELAY"},
	{"shutdown-timeout", "SAMPLE_SHUTDOWN_TIMEOUT"},
	{"never-healthy", "SAMPLE_NEVER_HEALTHY"},
	{"crash-at-boot", "SAMPLE_CRASH_AT_BOOT"},
	{"flap-health", "SAMPLE_FLAP_HEALTH"},
	{"ignore-sigterm", "SAMPLE_IGNORE_SIGTERM"},
	{"db-query", "SAMPLE_DB_QUERY"},
	{"fail-every", "SAMPLE_FAIL_EVERY"},
	{"slow", "SAMPLE_SLOW"},
	{"crash-after", "SAMPLE_CRASH_AFTER"},
	{"show-env", "SAMPLE_SHOW_ENV"},
	{"serial", "SAMPLE_SERIAL"},
}

// parseConfig reads the environment, then the flags, which win. It returns
// flag.ErrHelp when -h was asked for.
func parseConfig(args []string, getenv func(string) string, usage io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("sample-app", flag.ContinueOnError)
	fs.SetOutput(usage)
	fs.StringVar(&c.host, "host", "127.0.0.1", "address to listen on; \"\" or 0.0.0.0 for all interfaces; env SAMPLE_HOST")
	fs.StringVar(&c.port, "port", "", "port to listen on, 0 for any free one; env PORT")
	fs.StringVar(&c.version, "version", DefaultVersion, "version to report in X-App-Version and on /; env SAMPLE_VERSION")
	fs.DurationVar(&c.bootDelay, "boot-delay", 0, "wait this long before listening; env SAMPLE_BOOT_DELAY")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", DefaultShutdownTimeout, "time in-flight requests get after SIGTERM; env SAMPLE_SHUTDOWN_TIMEOUT")
	fs.BoolVar(&c.neverHealthy, "never-healthy", false, "answer 503 on /up forever; env SAMPLE_NEVER_HEALTHY")
	fs.BoolVar(&c.crashAtBoot, "crash-at-boot", false, "print an error and exit 1 at once; env SAMPLE_CRASH_AT_BOOT")
	fs.BoolVar(&c.flapHealth, "flap-health", false, "answer /up with 200 and 503 in turn; env SAMPLE_FLAP_HEALTH")
	fs.BoolVar(&c.ignoreSIGTERM, "ignore-sigterm", false, "keep serving after SIGTERM until killed; env SAMPLE_IGNORE_SIGTERM")
	fs.StringVar(&c.dbQuery, "db-query", "", "SQL that / runs on $DATABASE_URL before answering (500 if it fails); env SAMPLE_DB_QUERY")
	fs.IntVar(&c.failEvery, "fail-every", 0, "answer / with 500 to every nth request (5: 20%), never /up; env SAMPLE_FAIL_EVERY")
	fs.DurationVar(&c.slow, "slow", 0, "make every request to / take this much longer; env SAMPLE_SLOW")
	fs.DurationVar(&c.crashAfter, "crash-after", 0, "exit with status 1 this long after listening; env SAMPLE_CRASH_AFTER")
	fs.StringVar(&c.showEnv, "show-env", "", "comma-separated environment variables that /env/NAME answers with (no other); env SAMPLE_SHOW_ENV")
	fs.BoolVar(&c.serial, "serial", false, "serve one request at a time, as a single Unicorn or sync gunicorn worker does: the next waits until the last response is written; env SAMPLE_SERIAL")

	for _, ef := range envFlags {
		if v := getenv(ef.env); v != "" {
			if err := fs.Set(ef.flag, v); err != nil {
				return config{}, fmt.Errorf("environment %s=%q: %w", ef.env, v, err)
			}
		}
	}
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q; the sample app takes only flags", fs.Args())
	}
	if c.bootDelay < 0 || c.shutdownTimeout <= 0 {
		return config{}, errors.New("--boot-delay must not be negative and --shutdown-timeout must be positive")
	}
	if c.failEvery < 0 || c.slow < 0 || c.crashAfter < 0 {
		return config{}, errors.New("--fail-every, --slow and --crash-after must not be negative")
	}
	return c, nil
}
