package deploy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestServerDetections(t *testing.T) {
	tests := []struct {
		name    string
		detect  func(command, dir string) string
		command string
		files   map[string]string
		want    string // in the advice; "" for none
	}{
		{"puma as the README said", pumaBindAdvice, "exec puma --bind-to-activated-sockets config.ru", nil, "default port 9292"},
		{"puma only", pumaBindAdvice, "exec puma --bind-to-activated-sockets only config.ru", nil, ""},
		{"puma =only", pumaBindAdvice, "bundle exec puma --bind-to-activated-sockets=only", nil, ""},
		{"puma and $PORT", pumaBindAdvice, "exec puma --bind-to-activated-sockets -b tcp://127.0.0.1:$PORT", nil, ""},
		{"puma -p $PORT", pumaBindAdvice, "bin/puma --bind-to-activated-sockets -p ${PORT}", nil, ""},
		{"puma fixed port", pumaBindAdvice, "puma --bind-to-activated-sockets -b tcp://0.0.0.0:3000", nil, "fixed bind (tcp://0.0.0.0:3000"},
		{"puma config binds PORT", pumaBindAdvice, "bundle exec puma", map[string]string{"config/puma.rb": "bind_to_activated_sockets\nport ENV.fetch(\"PORT\", 3000)\n"}, ""},
		{"puma config fixed port", pumaBindAdvice, "bundle exec puma -C config/puma.rb", map[string]string{"config/puma.rb": "bind_to_activated_sockets\nport 3000\n"}, "fixed bind (3000"},
		{"puma config only", pumaBindAdvice, "bundle exec puma", map[string]string{"config/puma.rb": "bind_to_activated_sockets 'only'\nport 3000\n"}, ""},
		{"puma without activation", pumaBindAdvice, "bundle exec puma -p $PORT", nil, "without --bind-to-activated-sockets"},
		{"not puma", pumaBindAdvice, "exec gunicorn app:app", nil, ""},

		{"gunicorn sync", gunicornKeepAliveAdvice, "exec gunicorn --workers 2 app:app", nil, ""},
		{"gunicorn --threads 4", gunicornKeepAliveAdvice, "exec gunicorn --workers 2 --threads 4 app:app", nil, "with --threads 4 its workers are gthread workers"},
		{"gunicorn --threads=1", gunicornKeepAliveAdvice, "gunicorn --threads=1 app:app", nil, ""},
		{"gunicorn -k gthread", gunicornKeepAliveAdvice, "python -m gunicorn -k gthread app:app", nil, "its gthread workers keep"},
		{"gunicorn gevent", gunicornKeepAliveAdvice, "gunicorn --worker-class=gevent app:app", nil, "add `--keep-alive 0`"},
		{"gunicorn threads, keep-alive 0", gunicornKeepAliveAdvice, "gunicorn --threads 4 --keep-alive 0 app:app", nil, ""},
		{"gunicorn config threads", gunicornKeepAliveAdvice, "gunicorn app:app", map[string]string{"gunicorn.conf.py": "threads = 8\n"}, "keepalive = 0` in gunicorn.conf.py"},
		{"gunicorn config keepalive 0", gunicornKeepAliveAdvice, "gunicorn -c deploy/g.py app:app", map[string]string{"deploy/g.py": "worker_class = \"gthread\"\nkeepalive = 0\n"}, ""},
		{"not gunicorn", gunicornKeepAliveAdvice, "exec puma --threads 4", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, text := range tt.files {
				path := filepath.Join(dir, name)
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			got := tt.detect(tt.command, dir)
			switch {
			case tt.want == "" && got != "":
				t.Errorf("got advice %q, want none", got)
			case tt.want != "" && !strings.Contains(got, tt.want):
				t.Errorf("got advice %q, want it to contain %q", got, tt.want)
			}
		})
	}
}
