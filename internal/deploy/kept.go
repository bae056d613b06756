package deploy

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/cutover-dev/cutover/internal/config"
	"github.com/cutover-dev/cutover/internal/process"
	"github.com/cutover-dev/cutover/internal/release"
)

// FormationFile is the file in the state directory that keeps the formation set with --scale: the
// number of processes per type belongs to the app, not to one command, so later deploys and
// rollbacks run the same until another --scale changes it.
const FormationFile = "formation.json"

// KeptScale is the formation set by earlier deploys' --scale: process type → count. It is empty when
// none was set; cutover.toml's [scale] and the default of 1 apply to the types it lacks.
func (d *Deployer) KeptScale() (map[string]int, error) {
	b, err := release.ReadPrivateFile(filepath.Join(d.Store.Dir(), FormationFile))
	if errors.Is(err, os.ErrNotExist) {
		return map[string]int{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the kept formation: %w", err)
	}
	scale := map[string]int{}
	if err := json.Unmarshal(b, &scale); err != nil {
		return nil, fmt.Errorf("%s is damaged (%w): remove it, and give --scale again", filepath.Join(d.Store.Dir(), FormationFile), err)
	}
	return scale, nil
}

// withKeptScale returns the deploy's overrides with the kept formation under them: this command's
// --scale wins, then the kept formation, then (in loadApp) cutover.toml.
func (r *run) withKeptScale(over config.Config) config.Config {
	kept, err := r.d.KeptScale()
	if err != nil {
		r.warn("%v; deploying with cutover.toml's [scale] and this command's --scale", err)
		return over
	}
	if len(kept) == 0 {
		return over
	}
	scale := make(map[string]int, len(kept)+len(over.Scale))
	for k, v := range kept {
		scale[k] = v
	}
	for k, v := range over.Scale {
		scale[k] = v
	}
	if len(over.Scale) == 0 {
		r.info("formation kept from an earlier --scale: %s", FormatScale(kept))
	}
	over.Scale = scale
	return over
}

// keptOverFile says where cutover.toml's [scale] asks for other counts than the kept formation,
// which wins over it.
func (r *run) keptOverFile(file *config.File) []string {
	kept, err := r.d.KeptScale()
	if err != nil {
		return nil
	}
	var warnings []string
	for _, name := range sortedNames(kept) {
		n, inFile := file.Config.Scale[name]
		if _, flag := r.req.Overrides.Scale[name]; flag || !inFile || n == kept[name] {
			continue
		}
		warnings = append(warnings, fmt.Sprintf("%s line %d: [scale] %s = %d is overridden by the formation kept from an earlier --scale (%s=%d); give --scale %s=%d to change it",
			config.FileName, file.Line("scale", name), name, n, name, kept[name], name, n))
	}
	return warnings
}

// keepScale stores the formation once a deploy given --scale serves.
func (r *run) keepScale() {
	if len(r.req.Overrides.Scale) == 0 || r.restoring {
		return
	}
	kept, err := r.d.KeptScale()
	if err != nil {
		kept = map[string]int{}
	}
	for k, v := range r.req.Overrides.Scale {
		kept[k] = v
	}
	b, _ := json.Marshal(kept)
	if err := release.WriteFileAtomic(filepath.Join(r.d.Store.Dir(), FormationFile), append(b, '\n')); err != nil {
		r.warn("the formation %s serves, but could not be kept for the next deploy: %v", FormatScale(kept), err)
		return
	}
	r.info("formation kept for later deploys and rollbacks: %s", FormatScale(kept))
}

// Scale is the formation's processes per type, as they run now (a scale changes them).
func (f *Formation) Scale() map[string]int {
	scale := map[string]int{}
	if f.Procfile == nil {
		return scale
	}
	for _, p := range f.Procfile.Services() {
		scale[p.Name] = 0
	}
	for _, g := range []*process.Group{f.web, f.others} {
		if g == nil {
			continue
		}
		for _, p := range g.Processes() {
			kind, _, _ := strings.Cut(p.Name(), ".")
			scale[kind]++
		}
	}
	return scale
}

// FormatScale writes a formation as web=2 worker=1.
func FormatScale(scale map[string]int) string {
	s := ""
	for _, name := range sortedNames(scale) {
		if s != "" {
			s += " "
		}
		s += fmt.Sprintf("%s=%d", name, scale[name])
	}
	return s
}
