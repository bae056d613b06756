package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Buffering defaults: on, because Unicorn and Puma expect a buffering proxy in front of them (a
// slow client must not hold one of their few workers), as nginx buffers by default.
const (
	DefaultBufferRequests  = true
	DefaultBufferResponses = true
	// DefaultMaxBody is the largest request body a buffering app takes; a larger one gets 413.
	DefaultMaxBody = 100 << 20
)

// Buffering says what the proxy buffers for the app: request bodies, responses, and the largest
// request body it takes, in bytes. Call it on a validated Config.
func (c Config) Buffering() (requests, responses bool, maxBody int64) {
	requests, responses = DefaultBufferRequests, DefaultBufferResponses
	if c.BufferRequests != nil {
		requests = *c.BufferRequests
	}
	if c.BufferResponses != nil {
		responses = *c.BufferResponses
	}
	maxBody, _ = parseSize(c.MaxBody)
	return requests, responses, maxBody
}

// sizeUnits are the suffixes parseSize knows, longest first.
var sizeUnits = []struct {
	suffix string
	bytes  int64
}{
	{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
	{"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3},
	{"G", 1 << 30}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1},
}

// parseSize reads a size such as "100MiB", "512K" or "1048576" (bytes). "" is the default,
// DefaultMaxBody.
func parseSize(v string) (int64, error) {
	if v == "" {
		return DefaultMaxBody, nil
	}
	s, unit := strings.TrimSpace(v), int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(s, u.suffix) {
			s, unit = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.bytes
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/unit {
		return 0, fmt.Errorf("%q is not a size like 100MiB, 512KiB or 1048576 (bytes)", v)
	}
	return n * unit, nil
}

// MaxBufferedResponseBytes is the largest response body buffered for the app, in bytes, from
// max_buffered_response; 0 when it is unset, which means the proxy's default
// (proxy.DefaultResponseBuffer). Call it on a validated Config.
func (c Config) MaxBufferedResponseBytes() int64 {
	if c.MaxBufferedResponse == "" {
		return 0
	}
	n, _ := parseSize(c.MaxBufferedResponse)
	return n
}
