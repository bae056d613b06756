package deploy

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cutover-dev/cutover/internal/release"
)

// ErrPastContract is returned by a rollback refused because later releases ran contract migrations.
var ErrPastContract = errors.New("rollback past contract migrations")

// pastContract refuses a rollback to target when a later release ran post-deploy (contract)
// migrations: they ran because no serving release needed what they removed, and target's code may
// need it. Request.Force rolls back anyway.
func (r *run) pastContract(target *release.Release) error {
	all, _, err := r.d.Store.List()
	if err != nil {
		return err
	}
	var ran []string
	for _, rel := range all {
		if rel.Number() > target.Number() {
			for _, c := range rel.Contract {
				ran = append(ran, fmt.Sprintf("%s: %s", rel.ID, c))
			}
		}
	}
	if len(ran) == 0 {
		return nil
	}
	if r.req.Force {
		w := fmt.Sprintf("rolled back to %s past contract migrations (--force): %s", target.ID, strings.Join(ran, "; "))
		r.warn("%s", w)
		r.forced = w // the rollback's release, made next, records it
		return nil
	}
	return fmt.Errorf("%w: since %s served, these post-deploy migrations ran, and %s's code may need what they removed:\n  %s\n"+
		"a rollback would boot %s against the schema without them and fail its requests; deploy a fix forward instead, "+
		"or roll back with --force if you know %s does not need them", ErrPastContract, target.ID, target.ID,
		strings.Join(ran, "\n  "), target.ID, target.ID)
}
