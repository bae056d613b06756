package deploy

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/cutover-dev/cutover/internal/process"
	"github.com/cutover-dev/cutover/internal/procfile"
	"github.com/cutover-dev/cutover/internal/release"
)

// StepBuild is the step that builds the release from its source, before anything runs it.
const StepBuild = "build"

// CacheDirName is the app's build cache in its state directory, kept between builds and given to
// the build command as $CACHE_DIR (bundle's path, npm's cache, GOCACHE).
const CacheDirName = "cache"

// buildCommand is the release's build command: cutover.toml's build, or the Procfile's build:
// line; "" for none. Both at once is an error: one would be silently ignored.
func (r *run) buildCommand() (string, error) {
	line, inProcfile := r.pf.Get(procfile.Build)
	switch {
	case r.cfg.Build != "" && inProcfile:
		return "", fmt.Errorf("the build command is set twice, as build = %q in cutover.toml and as the Procfile's build: line: keep one", r.cfg.Build)
	case inProcfile:
		return line.Command, nil
	}
	return r.cfg.Build, nil
}

// build runs the build command in the new release's directory, with $CACHE_DIR, streaming its
// output, bounded by build_timeout; a failure stops the deploy with nothing changed.
func (r *run) build(ctx context.Context) error {
	command, err := r.buildCommand()
	if err != nil || command == "" {
		return err
	}
	cache := filepath.Join(r.d.Store.Dir(), CacheDirName)
	if err := release.MakePrivateDir(cache); err != nil {
		return fmt.Errorf("make the build cache %s: %w", cache, err)
	}
	r.info("$ %s", command)
	out := r.output(StepBuild)
	defer out.Close()
	spec := r.spawner().spec(procfile.Build, command, 0)
	spec.Env = append(spec.Env, "CACHE_DIR="+cache)
	spec.Stdout = io.MultiWriter(spec.Stdout, out)
	spec.Stderr = io.MultiWriter(spec.Stderr, out)
	timeout := time.Duration(r.cfg.BuildTimeout)
	if err := process.Run(ctx, spec, timeout); err != nil {
		return fmt.Errorf("the build command failed, so nothing was changed (its output is above, and in `cutover logs -p build`; build_timeout is %s): %w", timeout, err)
	}
	return nil
}
