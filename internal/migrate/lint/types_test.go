package lint

import "testing"

func TestMetadataOnly(t *testing.T) {
	tests := []struct {
		old, new string
		want     bool
	}{
		{"varchar(10)", "varchar(20)", true},
		{"varchar(20)", "varchar(10)", false},
		{"varchar(10)", "varchar", true},
		{"varchar(10)", "text", true},
		{"text", "varchar", true},
		{"text", "varchar(10)", false},
		{"char(2)", "char(3)", false},
		{"numeric(10,2)", "numeric(12,2)", true},
		{"numeric(10,2)", "numeric(12,3)", false},
		{"numeric(10,2)", "numeric", true},
		{"numeric", "numeric(10,2)", false},
		{"bit varying(5)", "bit varying(8)", true},
		{"integer", "integer", true},
		{"integer", "bigint", false},
		{"integer[]", "integer", false},
		{"integer[]", "integer[]", true},
		{"varchar(10)[]", "varchar(20)[]", false},
		{"timestamp", "timestamptz", false},
	}
	for _, tt := range tests {
		t.Run(tt.old+" to "+tt.new, func(t *testing.T) {
			if got := metadataOnly(typeOf(t, tt.old), typeOf(t, tt.new)); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if metadataOnly(nil, typeOf(t, "text")) {
		t.Errorf("got true for an unknown old type, want false")
	}
}

func TestUnboundedString(t *testing.T) {
	for typ, want := range map[string]bool{"text": true, "varchar": true, "varchar(5)": false, "char(5)": false, "integer": false} {
		if got := unboundedString(typeOf(t, typ)); got != want {
			t.Errorf("%s: got %v, want %v", typ, got, want)
		}
	}
}
