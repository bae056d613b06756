package capture

import "testing"

func TestSilencedIn(t *testing.T) {
	app := t.TempDir()
	writeFiles(t, app, map[string]string{
		"db/migrate/1_a.rb": "class A < ActiveRecord::Migration[6.1]\n  # cutover:ignore CO201, CO101 reason: posts holds ten rows\n  def change; end\nend\n",
		"db/migrate/2_b.rb": "# cutover:ignore CO201\n",
		"db/migrate/3_c.rb": "# cutover:ignoreCO201 reason: glued\n",
	})
	for _, c := range []struct {
		file, code string
		want       bool
	}{
		{"db/migrate/1_a.rb", "CO201", true},
		{"db/migrate/1_a.rb", "CO101", true},
		{"db/migrate/1_a.rb", "CO102", false},
		{"db/migrate/2_b.rb", "CO201", false}, // no reason: silences nothing
		{"db/migrate/3_c.rb", "CO201", false},
		{"db/migrate/missing.rb", "CO201", false},
		{"", "CO201", false},
	} {
		got, reason := silencedIn(app, c.file, c.code)
		if got != c.want {
			t.Errorf("%s %s: got %v (%q), want %v", c.file, c.code, got, reason, c.want)
		}
		if got && reason != "posts holds ten rows" {
			t.Errorf("%s %s: reason %q", c.file, c.code, reason)
		}
	}
}
