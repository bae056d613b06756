package deploy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeepAliveAdvice(t *testing.T) {
	tests := []struct {
		name    string
		command string
		files   map[string]string
		want    string // in the advice; "" for none
	}{
		{"not puma", "exec gunicorn --bind 127.0.0.1:$PORT app:app", nil, ""},
		{"puma without settings", "exec puma --bind-to-activated-sockets config.ru", nil, "config/puma.rb"},
		{"bundle exec puma, keep-alive on", "bundle exec puma -t 4:8", map[string]string{"config/puma.rb": "threads 4, 8\nqueue_requests true\n"}, "queue_requests false"},
		{"commented out", "puma", map[string]string{"config/puma.rb": "# queue_requests false\n"}, "enable_keep_alives false"},
		{"queue_requests false", "puma", map[string]string{"config/puma.rb": "threads 4, 8\nqueue_requests false\n"}, ""},
		{"enable_keep_alives(false)", "puma", map[string]string{"config/puma.rb": "enable_keep_alives(false)\n"}, ""},
		{"-C file", "puma -C deploy/puma.rb", map[string]string{"deploy/puma.rb": "queue_requests false\n"}, ""},
		{"--config= file without it", "/usr/bin/puma --config=deploy/puma.rb", map[string]string{"config/puma.rb": "queue_requests false\n", "deploy/puma.rb": ""}, "deploy/puma.rb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, text := range tt.files {
				path := filepath.Join(dir, name)
				os.MkdirAll(filepath.Dir(path), 0o755)
				if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got := keepAliveAdvice(tt.command, dir)
			switch {
			case tt.want == "" && got != "":
				t.Errorf("got advice %q, want none", got)
			case tt.want != "" && !strings.Contains(got, tt.want):
				t.Errorf("got advice %q, want it to mention %q", got, tt.want)
			}
		})
	}
}
