"""Unsafe on a populated table: a field with db_index=True, whose CREATE INDEX (without
CONCURRENTLY) Django defers to the end of the migration and runs before it records the migration,
after the migration's COMMIT."""
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("blog", "0001_initial")]
    operations = [migrations.AddField(model_name="post", name="slug", field=models.TextField(null=True, db_index=True))]
