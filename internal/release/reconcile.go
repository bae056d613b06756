package release

import (
	"errors"
	"fmt"
)

// interruptedReason is the error recorded on a deploy that a stop or crash of the daemon cut short.
const interruptedReason = "the daemon stopped while this deploy ran"

// interruptedLiveReason is the note on a release the daemon stopped or crashed after switching to:
// it serves, but what comes after the switch did not happen.
const interruptedLiveReason = "the daemon stopped after the switch, before this deploy ended: it serves, but its bake was " +
	"not judged and its postdeploy command (contract migrations), if the Procfile has one, did not run: run it with " +
	"`cutover run` once you have checked it is still wanted"

// Reconcile makes the records agree with the live pointer after the daemon stopped mid-deploy (a
// crash during drain or stop old leaves two records marked live): the pointer decides what serves,
// since it is written, atomically, before traffic moves. The release it names is live; any other
// release marked live served and was replaced, so it is superseded; a deploy still marked deploying
// was interrupted. It returns the releases it changed; records that cannot be saved (a full disk)
// are an error, but the daemon serves on all the same: nothing here is needed to serve.
func (s *Store) Reconcile() ([]*Release, error) {
	liveID, err := s.LiveID()
	if err != nil {
		return nil, err
	}
	rels, _, err := s.List()
	if err != nil {
		return nil, err
	}
	changed := reconcile(rels, liveID)
	var errs []error
	for _, r := range changed {
		if err := s.Save(r); err != nil {
			errs = append(errs, fmt.Errorf("save release %s: %w", r.ID, err))
		}
	}
	return changed, errors.Join(errs...)
}

// reconcile sets the status of each release in rels from the live pointer, and returns those it changed.
func reconcile(rels []*Release, liveID string) []*Release {
	var changed []*Release
	for _, r := range rels {
		want := r.Status
		switch {
		case r.ID == liveID:
			want = Live
		case r.Status == Live:
			want = Superseded
		case r.Status == Deploying:
			want = Interrupted
		}
		if want == r.Status {
			continue
		}
		if want == Interrupted && r.Error == "" {
			r.Error = interruptedReason
		}
		if r.Status == Deploying && want == Live && r.Error == "" {
			r.Error = interruptedLiveReason
		}
		r.Status = want
		changed = append(changed, r)
	}
	return changed
}

// PreviousServed returns the release a rollback goes back to: the latest one, other than the live
// one, that served and was replaced, with an app or a version of the config vars that differs from
// the live one's (liveHash, liveVars); nil if none.
func PreviousServed(rels []*Release, liveID, liveHash string, liveVars int) *Release {
	for i := len(rels) - 1; i >= 0; i-- {
		r := rels[i]
		if r.Status == Superseded && r.ID != liveID && (r.Hash != liveHash || r.VarsVersion != liveVars) {
			return r
		}
	}
	return nil
}
