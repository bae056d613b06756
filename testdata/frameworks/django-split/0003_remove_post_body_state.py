"""The release half of removing body: the field leaves Django's state, so this release's code no
longer reads the column, but no SQL runs; the release still serving keeps reading it. The Procfile's
`release: python3 manage.py migrate blog 0003_remove_post_body_state` stops here."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("blog", "0002_post_subtitle")]
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField(model_name="post", name="body")],
            database_operations=[],
        ),
    ]
