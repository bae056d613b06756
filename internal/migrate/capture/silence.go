package capture

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"unicode"
)

// silencedIn reports whether the framework migration file (relative to appDir) silences code with
// a comment in its own language, on any line of the file, with a reason:
//
//	# cutover:ignore CO201 reason: posts has a few hundred rows
//
// A Ruby or Python line cannot be matched to the SQL it sends, so the comment covers the whole
// migration; the reason is required, as it is in SQL files.
func silencedIn(appDir, file, code string) (bool, string) {
	if appDir == "" || file == "" {
		return false, ""
	}
	f, err := os.Open(filepath.Join(appDir, file))
	if err != nil {
		return false, ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		_, rest, ok := strings.Cut(sc.Text(), "cutover:ignore")
		if !ok || rest != "" && !unicode.IsSpace(rune(rest[0])) {
			continue
		}
		codes, reason, _ := strings.Cut(rest, "reason:")
		reason = strings.TrimSpace(reason)
		if reason == "" {
			continue
		}
		for _, c := range strings.FieldsFunc(codes, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
			if strings.EqualFold(c, code) {
				return true, reason
			}
		}
	}
	return false, ""
}
