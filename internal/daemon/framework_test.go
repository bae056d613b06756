package daemon_test

import (
	"os/exec"
	"testing"
)

// TestDeployDjango walks a Django app on gunicorn through a real daemon (see walkFramework). The
// split removes body from the model's state in the release migration (SeparateDatabaseAndState, no
// SQL) and drops the column in the next one, which only the postdeploy command runs.
func TestDeployDjango(t *testing.T) {
	const migrate = "/usr/bin/python3 manage.py migrate --noinput"
	m := "blog/migrations/"
	v1 := frameworkRelease{release: migrate}
	safe := v1.plus(map[string]string{
		m + "0002_post_subtitle.py": "django-safe/0002_post_subtitle.py",
		"blog/models.py":            "django-safe/models.py",
	})
	walkFramework(t, framework{
		name:  "Django",
		base:  "django",
		web:   "gunicorn --workers 2 --bind 127.0.0.1:$PORT wsgi:application",
		table: "blog_post",
		index: "blog_post_title_idx",
		v1:    v1,
		safe:  safe,
		unsafeDrop: safe.plus(map[string]string{
			m + "0003_remove_post_body.py": "django-unsafe/0003_remove_post_body.py",
			"blog/models.py":               "django-split/models.py",
		}),
		unsafeIndex: safe.plus(map[string]string{
			m + "0003_post_title_index.py": "django-unsafe/0003_post_title_index.py",
		}),
		split: safe.plus(map[string]string{
			m + "0003_remove_post_body_state.py": "django-split/0003_remove_post_body_state.py",
			m + "0004_drop_post_body.py":         "django-split/0004_drop_post_body.py",
			"blog/models.py":                     "django-split/models.py",
		}).running(migrate+" blog 0003_remove_post_body_state", migrate),
		dropFile:  m + "0003_remove_post_body.py",
		dropFix:   "SeparateDatabaseAndState",
		indexFile: m + "0003_post_title_index.py",
		indexFix:  "AddIndexConcurrently",
		contract:  m + "0004_drop_post_body.py",
	})
}

// TestDeployRails walks a Rails 6.1 app (Debian's gems, no Gemfile) on Puma through a real daemon
// (see walkFramework). The split is GitLab's: the release's model ignores body, and the migration
// dropping it is in db/post_migrate, which the release command skips and the postdeploy command runs.
func TestDeployRails(t *testing.T) {
	if out, err := exec.Command("ruby", "-e", `require "rails"; require "pg"`).CombinedOutput(); err != nil {
		t.Fatalf("Rails is not installed: apt-get install ruby-rails ruby-pg (%v)\n%s", err, out)
	}
	const migrate = "bin/rails db:migrate"
	skip := "SKIP_POST_DEPLOYMENT_MIGRATIONS=true " + migrate
	m := "db/migrate/"
	ignored := map[string]string{
		"app/models/post.rb":                  "rails-split/app/models/post.rb",
		"app/controllers/posts_controller.rb": "rails-split/app/controllers/posts_controller.rb",
	}
	v1 := frameworkRelease{release: skip}
	safe := v1.plus(map[string]string{m + "20261205110000_add_subtitle_to_posts.rb": "rails-safe/20261205110000_add_subtitle_to_posts.rb"})
	walkFramework(t, framework{
		name:  "Rails",
		base:  "rails",
		web:   "exec puma --environment production --bind tcp://127.0.0.1:$PORT config.ru",
		table: "posts",
		index: "index_posts_on_title",
		seed: "INSERT INTO posts (title, body, created_at, updated_at) " +
			"SELECT 'post ' || i, 'body ' || i, now(), now() FROM generate_series(1, 10000) i",
		v1:   v1,
		safe: safe,
		unsafeDrop: safe.plus(ignored).plus(map[string]string{
			m + "20261205120000_remove_body_from_posts.rb": "rails-unsafe/20261205120000_remove_body_from_posts.rb",
		}),
		unsafeIndex: safe.plus(map[string]string{
			m + "20261205130000_add_index_to_posts_title.rb": "rails-unsafe/20261205130000_add_index_to_posts_title.rb",
		}),
		split: safe.plus(ignored).plus(map[string]string{
			"db/post_migrate/20261205140000_remove_body_from_posts.rb": "rails-split/db/post_migrate/20261205140000_remove_body_from_posts.rb",
		}).running(skip, migrate),
		dropFile:  m + "20261205120000_remove_body_from_posts.rb",
		dropFix:   `self.ignored_columns += ["body"]`,
		indexFile: m + "20261205130000_add_index_to_posts_title.rb",
		indexFix:  "algorithm: :concurrently",
		contract:  "db/post_migrate/20261205140000_remove_body_from_posts.rb",
	})
}

// TestDeployAlembic walks an Alembic app (a WSGI app on gunicorn reading posts with psycopg2)
// through a real daemon (see walkFramework). The split is the very revision a3 whose drop was
// stopped, with the release command stopping at a2 and the postdeploy command going to head.
func TestDeployAlembic(t *testing.T) {
	v := "alembic/versions/"
	v1 := frameworkRelease{release: "alembic upgrade head"}
	safe := v1.plus(map[string]string{
		v + "a2_add_subtitle.py": "alembic-safe/a2_add_subtitle.py",
		"columns.py":             "alembic-safe/columns.py",
	})
	drop := safe.plus(map[string]string{
		v + "a3_drop_body.py": "alembic-split/a3_drop_body.py",
		"columns.py":          "alembic-split/columns.py",
	})
	walkFramework(t, framework{
		name:       "Alembic",
		base:       "alembic",
		web:        "gunicorn --workers 2 --bind 127.0.0.1:$PORT app:application",
		table:      "posts",
		index:      "posts_title_idx",
		v1:         v1,
		safe:       safe,
		unsafeDrop: drop,
		unsafeIndex: safe.plus(map[string]string{
			v + "a3_index_title.py": "alembic-unsafe/a3_index_title.py",
		}),
		split:     drop.running("alembic upgrade a2", "alembic upgrade head"),
		dropFile:  v + "a3_drop_body.py",
		dropFix:   "`op.drop_column` it in a later revision",
		indexFile: v + "a3_index_title.py",
		indexFix:  "postgresql_concurrently=True",
		contract:  v + "a3_drop_body.py",
	})
}
