package deploy

import (
	"fmt"
	"slices"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/procfile"
)

// loadApp reads an app's Procfile and settings and checks them. It returns cutover.toml as read,
// for appWarnings.
func loadApp(dir string, overrides config.Config) (*procfile.Procfile, config.Config, *config.File, error) {
	pf, err := procfile.ParseFile(dir + "/Procfile")
	if err != nil {
		return nil, config.Config{}, nil, err
	}
	if err := pf.Validate(); err != nil {
		return nil, config.Config{}, nil, err
	}
	file, err := config.Read(dir)
	if err != nil {
		return nil, config.Config{}, nil, err
	}
	cfg := config.Defaults().Merge(file.Config).Merge(overrides)
	return pf, cfg, file, cfg.Validate()
}

// checkApp finds what a new deploy should refuse or warn about beyond what loadApp checks: settings
// that are accepted but do not do what they seem to. A release that already served is restored or
// adopted without it, as it ran.
func checkApp(pf *procfile.Procfile, cfg config.Config, file *config.File, overrides config.Config) ([]string, error) {
	var warnings []string
	for _, w := range file.Warnings {
		warnings = append(warnings, w.String())
	}
	scaleWarnings, err := checkScale(pf, cfg, file, overrides)
	return append(warnings, scaleWarnings...), err
}

// checkScale checks the formation against the Procfile. web = 0 is refused: a deploy that runs no
// web process would switch traffic to nothing (stop the daemon to stop the app). Other types may be
// scaled to 0, which runs none of them. A type the Procfile lacks is warned about.
func checkScale(pf *procfile.Procfile, cfg config.Config, file *config.File, overrides config.Config) ([]string, error) {
	where := func(name string) string {
		if _, ok := overrides.Scale[name]; ok {
			return "--scale " + name + "=" + fmt.Sprint(overrides.Scale[name]) + " (or the formation kept from an earlier --scale)"
		}
		if line := file.Line("scale", name); line > 0 {
			return fmt.Sprintf("%s line %d: [scale] %s", config.FileName, line, name)
		}
		return "[scale] " + name
	}
	if n, ok := cfg.Scale[procfile.Web]; ok && n == 0 {
		return nil, fmt.Errorf("%s = 0: web must run at least 1 process, since traffic switches to it; scale workers to 0 if you like, and stop the daemon to stop the app", where(procfile.Web))
	}
	var services []string
	for _, p := range pf.Services() {
		services = append(services, p.Name)
	}
	var warnings []string
	for _, name := range sortedNames(cfg.Scale) {
		switch {
		case name == procfile.Release || name == procfile.Postdeploy || name == procfile.Build:
			warnings = append(warnings, fmt.Sprintf("%s is ignored: the %s command runs once per deploy", where(name), name))
		case !slices.Contains(services, name):
			warnings = append(warnings, fmt.Sprintf("%s is ignored: the Procfile has no %q process (it has %v)", where(name), name, services))
		}
	}
	return warnings, nil
}

func sortedNames(m map[string]int) []string {
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}
