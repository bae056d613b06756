package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// pumaConfig is where Puma reads its settings when no -C is given.
const pumaConfig = "config/puma.rb"

// pumaKeepsNoIdle matches the Puma settings under which it keeps no idle keep-alive connection:
// each response then says Connection: close and the connection ends after it.
var pumaKeepsNoIdle = regexp.MustCompile(`(?m)^\s*(queue_requests|enable_keep_alives)[\s(]+false\b`)

// keepAliveAdvice looks at the web command of an app in socket mode, where cutover is not on the
// request path, for a server known to end its idle keep-alive connections with a bare close when it
// stops: a client that sends a request on one just then has it reset (a POST fails, a GET is
// re-sent). It returns what to change, or "" when it knows no such problem.
//
// Puma, 5.6 to 8.0 at least, closes its idle keep-alive connections without a response at
// SIGTERM, and may close one just after a keep-alive response; it keeps none with queue_requests
// false (up to 6.4) or enable_keep_alives false (6.5 on).
func keepAliveAdvice(webCommand, appDir string) string {
	args := strings.Fields(webCommand)
	isPuma := false
	for _, a := range args {
		if filepath.Base(a) == "puma" {
			isPuma = true
		}
	}
	if !isPuma {
		return ""
	}
	config := pumaConfig
	for i, a := range args {
		switch {
		case (a == "-C" || a == "--config") && i+1 < len(args):
			config = args[i+1]
		case strings.HasPrefix(a, "--config="):
			config = strings.TrimPrefix(a, "--config=")
		}
	}
	path := config
	if !filepath.IsAbs(path) {
		path = filepath.Join(appDir, path)
	}
	if b, err := os.ReadFile(path); err == nil && pumaKeepsNoIdle.Match(b) {
		return ""
	}
	return "web runs Puma, which closes idle keep-alive connections without an answer when it stops, " +
		"so a client sending a request on one just then has it reset at each deploy: add " +
		"`queue_requests false` (Puma up to 6.4) or `enable_keep_alives false` (6.5 on) to " + config
}
