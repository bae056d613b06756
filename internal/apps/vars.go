package apps

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/cutover-dev/cutover/internal/control"
	"github.com/cutover-dev/cutover/internal/deploy"
	"github.com/cutover-dev/cutover/internal/release"
	"github.com/cutover-dev/cutover/internal/vars"
)

// Vars lists the names of the app's config vars, with the version the live release booted with.
func (a *App) Vars() (control.VarsInfo, error) {
	cur, err := a.vars.Current()
	if err != nil {
		return control.VarsInfo{}, err
	}
	info := control.VarsInfo{Version: cur.Number, Names: cur.Names()}
	if live := a.Live(); live != nil {
		info.Live, info.LiveVersion = live.Release.ID, live.Release.VarsVersion
	}
	return info, nil
}

// Var returns one config var of the current version, its value control.Masked unless reveal.
func (a *App) Var(name string, reveal bool) (control.VarValue, error) {
	cur, err := a.vars.Current()
	if err != nil {
		return control.VarValue{}, err
	}
	v, ok := cur.Vars[name]
	if !ok {
		return control.VarValue{}, fmt.Errorf("%w: %s is not set on app %s (see `cutover config`)", control.ErrNoVar, name, a.Name)
	}
	if !reveal {
		v = control.Masked
	}
	return control.VarValue{Name: name, Value: v}, nil
}

// ChangeVars stores a change of the config vars as their next version and, unless req.NoRestart
// or no release is live, deploys the live release's code again with them: the whole deploy, with
// its preboot, as `cutover deploy` runs it. A deploy under way refuses the change, storing nothing.
func (a *App) ChangeVars(ctx context.Context, req control.VarsChange, emit func(deploy.Event)) (*release.Release, error) {
	if !a.deployMu.TryLock() {
		return nil, fmt.Errorf("nothing was stored: %w", a.busy("change the config vars"))
	}
	defer a.deployMu.Unlock()
	if err := a.refuseDeploy(); err != nil {
		return nil, err
	}
	v, changed, err := a.vars.Change(vars.Change{Set: req.Set, Unset: req.Unset})
	if err != nil {
		return nil, err
	}
	say := func(kind deploy.Kind, format string, args ...any) {
		emit(deploy.Event{Time: time.Now(), Kind: kind, Message: fmt.Sprintf(format, args...)})
	}
	if !changed {
		say(deploy.Info, "no change: config vars version %d has that already; nothing to deploy", v.Number)
		return nil, nil
	}
	set := slices.Sorted(maps.Keys(req.Set))
	a.logger.Info("config vars changed", "version", v.Number, "set", set, "unset", req.Unset)
	say(deploy.Info, "stored config vars version %d%s", v.Number, describeChange(set, req.Unset))
	live, err := a.store.Live()
	switch {
	case err != nil:
		return nil, fmt.Errorf("config vars version %d is stored, but the live release cannot be read (%w): deploy the app to boot with them", v.Number, err)
	case live == nil:
		say(deploy.Info, "no release is live yet: the first deploy boots with them")
		return nil, nil
	case req.NoRestart:
		say(deploy.Info, "not restarted (--no-restart): %s runs on with config vars version %d; the next deploy boots with version %d",
			live.ID, live.VarsVersion, v.Number)
		return nil, nil
	}
	rel, err := a.deployLocked(ctx, deploy.Request{Source: live.Dir, VarsChangeOf: live.ID}, emit)
	if err != nil {
		err = fmt.Errorf("%w\nconfig vars version %d stays stored: the next deploy boots with it", err, v.Number)
	}
	return rel, err
}

// describeChange says what a change set and unset, by name.
func describeChange(set, unset []string) string {
	var parts []string
	if len(set) > 0 {
		parts = append(parts, "set "+strings.Join(set, ", "))
	}
	if len(unset) > 0 {
		parts = append(parts, "unset "+strings.Join(unset, ", "))
	}
	if len(parts) == 0 {
		return ""
	}
	return ": " + strings.Join(parts, "; ")
}

// restoreVars makes the config vars a rollback booted with the current ones again, so that the
// next deploy or change starts from them, and says so.
func (a *App) restoreVars(rel *release.Release, emit func(deploy.Event)) {
	v, changed, err := a.vars.Restore(rel.VarsVersion)
	e := deploy.Event{Time: time.Now(), Release: rel.ID, Kind: deploy.Info}
	switch {
	case err != nil:
		a.logger.Warn("restore the config vars of a rollback", "release", rel.ID, "version", rel.VarsVersion, "err", err)
		e.Kind = deploy.Warn
		e.Message = fmt.Sprintf("%s serves with the config vars it had (version %d), but they could not be made the current ones: %v; "+
			"set them again with `cutover config set` before the next deploy", rel.ID, rel.VarsVersion, err)
	case changed:
		e.Message = fmt.Sprintf("config vars restored: version %d is %s's (version %d) again", v.Number, rel.RollbackOf, rel.VarsVersion)
	default:
		return
	}
	emit(e)
}
