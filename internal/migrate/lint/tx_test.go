package lint

import (
	"strings"
	"testing"
)

func TestRunsInTransaction(t *testing.T) {
	tests := []struct {
		name, src string
		want      bool
	}{
		{"plain DDL", "ALTER TABLE t ADD COLUMN a int; CREATE INDEX i ON t (a);", true},
		{"empty", "", true},
		{"create index concurrently", "CREATE INDEX CONCURRENTLY i ON t (a);", false},
		{"drop index concurrently", "DROP INDEX CONCURRENTLY i;", false},
		{"reindex concurrently", "REINDEX TABLE CONCURRENTLY t;", false},
		{"refresh concurrently", "REFRESH MATERIALIZED VIEW CONCURRENTLY v;", false},
		{"detach concurrently", "ALTER TABLE p DETACH PARTITION c CONCURRENTLY;", false},
		{"own BEGIN", "BEGIN; ALTER TABLE t ADD COLUMN a int; COMMIT;", false},
		{"own COMMIT", "COMMIT;", false},
		{"vacuum", "VACUUM (ANALYZE) t;", false},
		{"concurrently only in a string", "SELECT 'CREATE INDEX CONCURRENTLY';", true},
		{"concurrently only in a comment", "-- BEGIN; CONCURRENTLY\nSELECT 1;", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := RunsInTransaction([]byte(tt.src))
			if err != nil || got != tt.want {
				t.Errorf("got %v, %v, want %v, nil", got, err, tt.want)
			}
		})
	}
	_, err := RunsInTransaction([]byte("SELECT 1;\nSELEC"))
	if err == nil || !strings.HasPrefix(err.Error(), "line 2: syntax error") {
		t.Errorf("got %v for bad SQL, want a syntax error naming line 2", err)
	}
}

func TestTransactionGrouping(t *testing.T) {
	tests := []struct {
		name string
		src  string
		opts Options
		want []int
	}{
		{"autocommit", "SELECT 1; SELECT 2;", Options{}, []int{0, 0}},
		{"wrapped", "SELECT 1; SELECT 2;", Options{InTransaction: true}, []int{1, 1}},
		{"explicit blocks", "SELECT 0; BEGIN; SELECT 1; COMMIT; SELECT 2; START TRANSACTION; SELECT 3; ROLLBACK;", Options{InTransaction: true}, []int{0, 1, 1, 1, 0, 2, 2, 2}},
		{"commit and chain", "BEGIN; SELECT 1; COMMIT AND CHAIN; SELECT 2; COMMIT;", Options{}, []int{1, 1, 1, 2, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts, _ := tt.opts.withDefaults()
			f, err := parse("m.sql", []byte(tt.src), opts)
			if err != nil {
				t.Fatalf("parse: got error %v, want nil", err)
			}
			var got []int
			for _, st := range f.Statements {
				got = append(got, st.Tx)
			}
			if !equalInts(got, tt.want) {
				t.Errorf("got transactions %v, want %v", got, tt.want)
			}
		})
	}
}
