package vars

import (
	"net/url"
	"strings"
)

// secretSuffixes end the names that look like secrets: API_KEY, STRIPE_SECRET, GITHUB_TOKEN,
// SMTP_PASSWORD.
var secretSuffixes = []string{"_KEY", "_SECRET", "_TOKEN", "_PASSWORD"}

// LooksSecret reports whether an environment variable looks like a secret, which belongs in a
// config var rather than in cutover.toml's [env] (copied into every release): a name ending in
// _KEY, _SECRET, _TOKEN or _PASSWORD, or holding SECRET or PASSWORD (SECRET_KEY_BASE), or a value
// that is a URL with a password (postgres://app:pw@db/app).
func LooksSecret(name, value string) bool {
	upper := strings.ToUpper(name)
	for _, s := range secretSuffixes {
		if strings.HasSuffix(upper, s) || upper == s[1:] {
			return true
		}
	}
	if strings.Contains(upper, "SECRET") || strings.Contains(upper, "PASSWORD") {
		return true
	}
	u, err := url.Parse(value)
	if err != nil || u.User == nil {
		return false
	}
	_, has := u.User.Password()
	return has
}
