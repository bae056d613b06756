package capture

import (
	"context"
	"net/url"
	"os"
	"testing"

	"github.com/cutover-dev/cutover/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// sourceDB makes a database on the shared test cluster holding sql, and returns its URL.
func sourceDB(t *testing.T, sql string) string {
	t.Helper()
	u := pgtest.Shared(t).NewDatabase(t)
	pgtest.Exec(t, u, sql)
	return u
}

// startScratch starts a scratch copy closed at the end of the test.
func startScratch(t *testing.T) *Scratch {
	t.Helper()
	bin, err := FindBinaries(DefaultInstallRoot)
	if err != nil {
		t.Fatal(err)
	}
	s, err := StartScratch(context.Background(), bin, "", "app")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
		if _, err := os.Stat(s.Dir); !os.IsNotExist(err) {
			t.Errorf("scratch folder %s still there after Close (%v)", s.Dir, err)
		}
	})
	return s
}

// TestScratchURL checks that the copy's DATABASE_URL has no user before its empty host, which Ruby's
// URI parser rejects (Rails could not boot), and that its query alone reaches the copy as postgres.
func TestScratchURL(t *testing.T) {
	s := startScratch(t)
	u, err := url.Parse(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	if u.User != nil || u.Host != "" {
		t.Errorf("got user %q and host %q in %s, want neither (both in the query)", u.User, u.Host, s.URL())
	}
	q := u.Query()
	if q.Get("host") != s.Dir || q.Get("port") != "5432" || q.Get("user") != "postgres" {
		t.Errorf("got query %v, want host %s, port 5432, user postgres", q, s.Dir)
	}
	if got := pgtest.QueryInt(t, s.URL(), "SELECT (current_user = 'postgres')::int"); got != 1 {
		t.Errorf("connected to the copy as another user than postgres")
	}
}
