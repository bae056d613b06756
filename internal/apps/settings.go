package apps

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/router"
)

// Where things are in a state directory of layout 2.
const (
	// AppsDirName is the directory of the state directory that holds one directory per app.
	AppsDirName = "apps"
	// SettingsFile is an app's settings, in its directory.
	SettingsFile = "app.json"
	// LayoutFile, in the state directory, holds the layout's version; a state directory with
	// releases and no LayoutFile is a single-app one from before apps (see Migrate).
	LayoutFile = "layout"
	// Layout is the version of the layout this cutover writes.
	Layout = "2"
	// MaxNameLen bounds an app's name.
	MaxNameLen = 40
)

// ErrBadName is wrapped by the errors of CheckName.
var ErrBadName = errors.New("not an app name")

var namePattern = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// CheckName returns an error that says what is wrong with an app's name, or nil: a lowercase
// letter, then up to 39 lowercase letters, digits or hyphens (it names a directory, a cgroup and
// a log field).
func CheckName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: the name is empty", ErrBadName)
	case len(name) > MaxNameLen:
		return fmt.Errorf("%w: %q is longer than %d characters", ErrBadName, name, MaxNameLen)
	case !namePattern.MatchString(name):
		return fmt.Errorf("%w: %q: use a lowercase letter, then lowercase letters, digits or hyphens (such as blog or api-2)", ErrBadName, name)
	}
	return nil
}

// Settings are what the server's operator set for an app with `cutover apps`: how requests reach
// it. They live in the app's directory, not in its cutover.toml, so that a deploy never moves
// traffic between apps.
type Settings struct {
	// Hosts are the routes of the app as the user typed them: "blog.example.com",
	// "*.example.com", "example.com/api"; router.AnyHost for every host no other app claims.
	Hosts []string `json:"hosts"`
	// TLSCert and TLSKey are the app's own certificate files, instead of ACME; "" for none.
	TLSCert string `json:"tls_cert,omitempty"`
	TLSKey  string `json:"tls_key,omitempty"`
	// NoRedirect keeps plain HTTP serving the app when it has a certificate (no redirect).
	NoRedirect bool `json:"no_redirect,omitempty"`
	// HSTS is the Strict-Transport-Security value sent over HTTPS; "" sends none.
	HSTS string `json:"hsts,omitempty"`
	// Paused is set while the app is paused (`cutover pause`): new requests are held.
	Paused *Pause `json:"paused,omitempty"`
	// Maintenance is set while the app is in maintenance (`cutover maintenance on`).
	Maintenance *Maintenance `json:"maintenance,omitempty"`
	Created     time.Time    `json:"created"`
}

// Dir is the directory of the app named name in the state directory.
func Dir(stateDir, name string) string { return filepath.Join(stateDir, AppsDirName, name) }

// ReadSettings reads the settings of the app whose directory is dir.
func ReadSettings(dir string) (Settings, error) {
	var s Settings
	b, err := release.ReadPrivateFile(filepath.Join(dir, SettingsFile))
	if err != nil {
		return s, fmt.Errorf("read the app's settings: %w", err)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("%s is damaged (%w): fix or remove it", filepath.Join(dir, SettingsFile), err)
	}
	return s, nil
}

// WriteSettings writes the settings of the app whose directory is dir, atomically.
func WriteSettings(dir string, s Settings) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := release.WriteFileAtomic(filepath.Join(dir, SettingsFile), append(b, '\n')); err != nil {
		return fmt.Errorf("write the app's settings: %w", err)
	}
	return nil
}

// CheckHosts checks each route a user typed and returns them as routes hold them.
func CheckHosts(hosts []string) ([]string, error) {
	out := make([]string, 0, len(hosts))
	for _, h := range hosts {
		if h == router.AnyHost {
			out = append(out, h)
			continue
		}
		host, prefix, err := router.Parse(h)
		if err != nil {
			return nil, err
		}
		out = append(out, host+prefix)
	}
	return out, nil
}

// exists reports whether path exists (a link counts, whatever it points to).
func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
