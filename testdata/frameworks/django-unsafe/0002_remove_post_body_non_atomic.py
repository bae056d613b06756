"""Unsafe, and not atomic: drops a column the old release still reads, then runs a backfill in a
transaction of its own and adds a column, each outside the migration's (atomic = False)."""
from django.db import migrations, models


def untitled(apps, schema_editor):
    apps.get_model("blog", "Post").objects.filter(title="").update(title="untitled")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("blog", "0001_initial")]
    operations = [
        migrations.RemoveField(model_name="post", name="body"),
        migrations.RunPython(untitled, migrations.RunPython.noop, atomic=True),
        migrations.AddField(model_name="post", name="subtitle", field=models.TextField(null=True)),
    ]
