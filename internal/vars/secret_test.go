package vars

import "testing"

func TestLooksSecret(t *testing.T) {
	tests := []struct {
		name, value string
		want        bool
	}{
		{"STRIPE_API_KEY", "sk_live_x", true},
		{"GITHUB_TOKEN", "ghp_x", true},
		{"SESSION_SECRET", "x", true},
		{"SMTP_PASSWORD", "x", true},
		{"SECRET_KEY_BASE", "x", true},
		{"db_password", "x", true},
		{"DATABASE_URL", "postgres://app:pw@db/app", true},
		{"REDIS_URL", "redis://:pw@cache:6379/0", true},
		{"DATABASE_URL", "postgres://app@db/app", false},
		{"DATABASE_URL", "postgres:///app?host=/run/postgresql", false},
		{"RAILS_ENV", "production", false},
		{"WEB_CONCURRENCY", "2", false},
		{"KEYBOARD", "us", false},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			if got := LooksSecret(tt.name, tt.value); got != tt.want {
				t.Errorf("LooksSecret(%q, %q): got %v, want %v", tt.name, tt.value, got, tt.want)
			}
		})
	}
}
