package deploy

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/vars"
)

// settleVars picks the config vars the release boots with, the last part of prepare: a rollback
// its target's version, any other deploy the current one. It tells the names, never the values,
// and warns of what looks like a secret in cutover.toml's [env].
func (r *run) settleVars() error {
	r.warnSecrets()
	if r.d.Vars == nil {
		return nil
	}
	var err error
	switch {
	case r.isRollback():
		target, gerr := r.d.Store.Get(r.rel.RollbackOf)
		if gerr != nil {
			return fmt.Errorf("the config vars of %s: %w", r.rel.RollbackOf, gerr)
		}
		r.vars, err = r.d.Vars.Get(target.VarsVersion)
	default:
		r.vars, err = r.d.Vars.Current()
	}
	if err != nil {
		return err
	}
	r.rel.VarsVersion = r.vars.Number
	if r.req.VarsChangeOf != "" {
		if err := r.markVarsChange(); err != nil {
			return err
		}
	}
	if names := r.vars.Names(); len(names) > 0 {
		r.info("config vars (version %d): %s", r.vars.Number, strings.Join(names, ", "))
	}
	return nil
}

// markVarsChange records the release as a change of config vars of the live release, whose code it
// copied: its source is that release's.
func (r *run) markVarsChange() error {
	of, err := r.d.Store.Get(r.req.VarsChangeOf)
	if err != nil {
		return fmt.Errorf("the release whose config vars changed: %w", err)
	}
	r.rel.Source, r.rel.VarsChangeOf, r.rel.Commit = of.Source, of.ID, of.Commit
	r.info("%s boots the code of %s again, with the config vars changed", r.rel.ID, of.ID)
	built := slices.ContainsFunc(of.Steps, func(s release.Step) bool { return s.Name == StepBuild })
	if r.rel.Hash != of.Hash && !built { // a build adds files to the copy after its hash was taken
		r.warn("the files of %s changed since it was deployed (the app writes into its own directory?): %s copies them as they are now", of.ID, r.rel.ID)
	}
	return nil
}

// warnSecrets warns of each variable of cutover.toml's [env] that looks like a secret, by name:
// cutover.toml is copied into every release, where a config var is not.
func (r *run) warnSecrets() {
	for _, name := range slices.Sorted(maps.Keys(r.cfg.Env)) {
		if vars.LooksSecret(name, r.cfg.Env[name]) {
			r.warn("cutover.toml [env] %s looks like a secret, and cutover.toml is copied into every release: "+
				"make it a config var (`cutover config set %s=...`) and remove it from [env]", name, name)
		}
	}
}

// varsOf is the version of the config vars rel boots with, to boot it again (a restart, an
// upgrade); none when the app has no config vars.
func (d *Deployer) varsOf(rel *release.Release) (vars.Version, error) {
	if d.Vars == nil {
		return vars.Version{Vars: map[string]string{}}, nil
	}
	return d.Vars.Get(rel.VarsVersion)
}

// liveVarsVersion is the version of the config vars the live release booted with, 0 for none.
func (r *run) liveVarsVersion() int {
	if r.live == nil {
		return 0
	}
	return r.live.Release.VarsVersion
}
