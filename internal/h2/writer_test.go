package h2

import "testing"

func TestLowerName(t *testing.T) {
	w := &writer{lower: map[string]string{}}
	for _, tt := range []struct {
		name, want string
		ok         bool
	}{
		{"Content-Type", "content-type", true},
		{"X-Request-Id", "x-request-id", true},
		{"Connection", "", false},
		{"Transfer-Encoding", "", false},
		{"Bad Name", "", false},
		{":status", "", false},
	} {
		for range 2 { // the second time from the cache
			got, ok := w.lowerName(tt.name)
			if got != tt.want || ok != tt.ok {
				t.Errorf("lowerName(%q) = %q, %v; want %q, %v", tt.name, got, ok, tt.want, tt.ok)
			}
		}
	}
}

func TestStatusText(t *testing.T) {
	for _, code := range []int{100, 200, 204, 304, 404, 418, 503} {
		if got, want := statusText(code), string(rune('0'+code/100))+string(rune('0'+code/10%10))+string(rune('0'+code%10)); got != want {
			t.Errorf("statusText(%d) = %q, want %q", code, got, want)
		}
	}
}
