package lint

import (
	"errors"
	"reflect"
	"testing"
)

func TestClaimedLocks(t *testing.T) {
	tests := []struct {
		sql  string
		want []ClaimedLock
	}{
		{"ALTER TABLE users ADD COLUMN a text", []ClaimedLock{{Table: "users", Name: []string{"users"}, Mode: "ACCESS EXCLUSIVE"}}},
		{"CREATE INDEX i ON app.users (a)", []ClaimedLock{{Table: "app.users", Name: []string{"app", "users"}, Mode: "SHARE"}}},
		{"DROP INDEX i", []ClaimedLock{{Table: "the table of index i", Name: []string{"i"}, OfIndex: true, Mode: "ACCESS EXCLUSIVE"}}},
		{`DROP TABLE "Users"`, []ClaimedLock{{Table: "Users", Name: []string{"Users"}, Mode: "ACCESS EXCLUSIVE"}}},
		{"ALTER TABLE orders ADD CONSTRAINT f FOREIGN KEY (u) REFERENCES users (id)", []ClaimedLock{
			{Table: "orders", Name: []string{"orders"}, Mode: "SHARE ROW EXCLUSIVE"},
			{Table: "users", Name: []string{"users"}, Mode: "SHARE ROW EXCLUSIVE"}}},
		{"CREATE TABLE t (a int); CREATE INDEX ON t (a)", nil},
		{"SELECT * FROM users", nil},
		{"UPDATE users SET a = 1", nil},
	}
	for _, tt := range tests {
		t.Run(tt.sql, func(t *testing.T) {
			got, err := ClaimedLocks(tt.sql)
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestClaimedLocksSyntaxError(t *testing.T) {
	var se *SyntaxError
	if _, err := ClaimedLocks("ALTER TABLE"); !errors.As(err, &se) {
		t.Errorf("got %v, want a *SyntaxError", err)
	}
}

func TestLockModes(t *testing.T) {
	if len(LockModes) != 8 || LockModes[0] != "ACCESS SHARE" || LockModes[7] != "ACCESS EXCLUSIVE" {
		t.Errorf("got %q, want the 8 modes from ACCESS SHARE to ACCESS EXCLUSIVE", LockModes)
	}
}
