package lint

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// sample returns findings of every kind Write must render.
func sample() []Finding {
	return []Finding{
		{Code: "CO101", Severity: Error, File: "db/migrate/001_drop.sql", Line: 3, Statement: "ALTER TABLE users DROP COLUMN email",
			Why: `drops column "email" of "users", 100% sure`, Fix: "drop it post-deploy"},
		{Code: "CO201", Severity: Error, File: "db/migrate/001_drop.sql", Line: 7, Statement: "CREATE INDEX i ON t (a)",
			Why: "takes a SHARE lock", Fix: "use CONCURRENTLY", Silenced: true, Reason: "empty table, for now"},
		{Code: "CO304", Severity: Warning, File: "/abs/db/migrate/002, odd:name.sql", Line: 1, Statement: "CREATE TABLE e (at timestamp)",
			Why: "timestamp without time zone", Fix: "use timestamptz"},
		{Code: "CO303", Severity: Info, File: "db/migrate/003.sql", Line: 2, Statement: "ALTER TABLE t ALTER c TYPE varchar(9)",
			Why: "may shrink", Fix: "nothing if it widens"},
	}
}

func TestWriteText(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, sample()[:2], ""); err != nil {
		t.Fatalf("Write: got error %v, want nil", err)
	}
	want := `db/migrate/001_drop.sql:3: error CO101 drops column "email" of "users", 100% sure
  fix: drop it post-deploy
db/migrate/001_drop.sql:7: error CO201 takes a SHARE lock
  silenced: empty table, for now
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestWriteJSONParsesBack(t *testing.T) {
	for _, fs := range [][]Finding{sample(), nil} {
		var b bytes.Buffer
		if err := Write(&b, fs, "json"); err != nil {
			t.Fatalf("Write: got error %v, want nil", err)
		}
		var got []Finding
		if err := json.Unmarshal(b.Bytes(), &got); err != nil {
			t.Fatalf("unmarshal: got error %v, want nil\n%s", err, b.String())
		}
		if len(fs) == 0 {
			if strings.TrimSpace(b.String()) != "[]" {
				t.Errorf("got %q, want []", b.String())
			}
			continue
		}
		if !reflect.DeepEqual(got, fs) {
			t.Errorf("got %+v, want %+v", got, fs)
		}
		if !strings.Contains(b.String(), `"severity":"error"`) {
			t.Errorf("got %s, want severities as strings", b.String())
		}
	}
}

func TestWriteGitHub(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, sample(), "github"); err != nil {
		t.Fatalf("Write: got error %v, want nil", err)
	}
	want := []string{
		`::error file=db/migrate/001_drop.sql,line=3,title=CO101::drops column "email" of "users", 100%25 sure%0Afix: drop it post-deploy`,
		`::notice file=db/migrate/001_drop.sql,line=7,title=CO201 (silenced)::takes a SHARE lock%0Asilenced: empty table, for now`,
		`::warning file=/abs/db/migrate/002%2C odd%3Aname.sql,line=1,title=CO304::timestamp without time zone%0Afix: use timestamptz`,
		`::notice file=db/migrate/003.sql,line=2,title=CO303::may shrink%0Afix: nothing if it widens`,
	}
	got := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	err := Write(&bytes.Buffer{}, nil, "xml")
	if err == nil || !strings.Contains(err.Error(), `"xml"`) || !strings.Contains(err.Error(), "sarif") {
		t.Errorf("got %v, want an error naming the format and the known ones", err)
	}
}

// TestWriteJSONMany checks that findings encoded in parallel come back whole,
// in order, one per line.
func TestWriteJSONMany(t *testing.T) {
	var fs []Finding
	for i := range 3*jsonChunk + 7 {
		f := sample()[i%len(sample())]
		f.Line = i + 1
		f.Statement = "SELECT '<&>'"
		fs = append(fs, f)
	}
	var b bytes.Buffer
	if err := Write(&b, fs, "json"); err != nil {
		t.Fatalf("Write: %v", err)
	}
	var got []Finding
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	if !reflect.DeepEqual(got, fs) {
		t.Errorf("got %d findings back, want the %d written, in order", len(got), len(fs))
	}
	if lines := strings.Count(b.String(), "\n"); lines != len(fs)+2 {
		t.Errorf("got %d lines, want one per finding and two for the brackets", lines)
	}
	if !strings.Contains(b.String(), "'<&>'") {
		t.Errorf("got HTML escapes in the statements, want them as written")
	}
}
