package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultCanaryFor is how long a canary runs before the new release is promoted, when canary_for
// is not set.
const DefaultCanaryFor = 5 * time.Minute

// CanaryShare is the share of new clients (0 to 1) a deploy sends to the new release before the
// full switch; 0 means no canary. Call it on a validated Config.
func (c Config) CanaryShare() float64 {
	s, _ := ParseShare(c.Canary)
	return s
}

// CanaryWindow is how long the canary runs.
func (c Config) CanaryWindow() time.Duration {
	if c.CanaryFor > 0 {
		return time.Duration(c.CanaryFor)
	}
	return DefaultCanaryFor
}

// ParseShare reads a canary setting: "10%", or "off", "0" and "" for none. A share must be above
// 0% and below 100%.
func ParseShare(v string) (float64, error) {
	switch v {
	case "", "off", "0", "0%":
		return 0, nil
	}
	num, ok := strings.CutSuffix(strings.TrimSpace(v), "%")
	p, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if !ok || err != nil || p <= 0 || p >= 100 {
		return 0, fmt.Errorf("%q is not a share like 10%% (above 0%%, below 100%%), nor off", v)
	}
	return p / 100, nil
}

// FormatShare says a share as a canary setting does: 0.1 is "10%".
func FormatShare(s float64) string { return strconv.FormatFloat(s*100, 'f', -1, 64) + "%" }
