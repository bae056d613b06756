package process

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestPidRecord(t *testing.T) {
	dir := filepath.Join(t.TempDir(), PidDirName)
	p := start(t, Spec{Name: "web.1", Command: "exec sleep 1000", PidDir: dir})
	path := filepath.Join(dir, fmt.Sprint(p.Pid()))
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("record: %v", err)
	}
	if got := fi.Mode().Perm(); got != 0o600 {
		t.Errorf("record mode: got %v, want 0600", got)
	}
	recs := readRecords(dir)
	if len(recs) != 1 || recs[0].pid != p.Pid() || recs[0].name != "web.1" {
		t.Fatalf("records: got %+v, want one for web.1 pid %d", recs, p.Pid())
	}
	if _, ok := recs[0].alive(); !ok {
		t.Errorf("record of a running process: got not alive")
	}
	if err := p.Stop(time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("record after Stop: got %v, want it removed", err)
	}
}

func TestReadRecordsSkipsDamaged(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"123":      "4567 web.1\n",
		"124":      "not-a-number web.2\n",
		"notapid":  "4567 web.3\n",
		".tmp-999": "4567 web.4\n",
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got := readRecords(dir)
	if len(got) != 1 || got[0] != (record{pid: 123, startTime: 4567, name: "web.1"}) {
		t.Errorf("got %+v, want only pid 123's record", got)
	}
}
