package lint

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestWriteSARIF(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, sample(), "sarif"); err != nil {
		t.Fatalf("Write: got error %v, want nil", err)
	}
	var log struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID               string `json:"id"`
						ShortDescription struct {
							Text string `json:"text"`
						} `json:"shortDescription"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Message   struct {
					Text string `json:"text"`
				} `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
				Suppressions []struct {
					Kind          string `json:"kind"`
					Justification string `json:"justification"`
				} `json:"suppressions"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatalf("unmarshal: got error %v, want nil", err)
	}
	if log.Version != "2.1.0" || !strings.Contains(log.Schema, "sarif-2.1.0") || len(log.Runs) != 1 {
		t.Fatalf("got version %q schema %q runs %d, want a 2.1.0 log with one run", log.Version, log.Schema, len(log.Runs))
	}
	run := log.Runs[0]
	if run.Tool.Driver.Name != "cutover" || len(run.Tool.Driver.Rules) != len(Rules()) {
		t.Errorf("got driver %q with %d rules, want cutover with %d", run.Tool.Driver.Name, len(run.Tool.Driver.Rules), len(Rules()))
	}
	levels := []string{"error", "error", "warning", "note"}
	uris := []string{"db/migrate/001_drop.sql", "db/migrate/001_drop.sql", "file:///abs/db/migrate/002, odd:name.sql", "db/migrate/003.sql"}
	if len(run.Results) != len(sample()) {
		t.Fatalf("got %d results, want %d", len(run.Results), len(sample()))
	}
	for i, r := range run.Results {
		f := sample()[i]
		if r.RuleID != f.Code || run.Tool.Driver.Rules[r.RuleIndex].ID != f.Code {
			t.Errorf("result %d: got rule %s at index %d, want %s at its index", i, r.RuleID, r.RuleIndex, f.Code)
		}
		loc := r.Locations[0].PhysicalLocation
		if r.Level != levels[i] || loc.ArtifactLocation.URI != uris[i] || loc.Region.StartLine != f.Line {
			t.Errorf("result %d: got level %s uri %s line %d, want %s %s %d", i, r.Level, loc.ArtifactLocation.URI, loc.Region.StartLine, levels[i], uris[i], f.Line)
		}
		if !strings.Contains(r.Message.Text, f.Why) || !strings.Contains(r.Message.Text, f.Fix) {
			t.Errorf("result %d: got message %q, want why and fix", i, r.Message.Text)
		}
		silenced := len(r.Suppressions) == 1 && r.Suppressions[0].Kind == "inSource" && r.Suppressions[0].Justification == f.Reason
		if silenced != f.Silenced {
			t.Errorf("result %d: got suppressions %+v, want silenced %v", i, r.Suppressions, f.Silenced)
		}
	}
}
