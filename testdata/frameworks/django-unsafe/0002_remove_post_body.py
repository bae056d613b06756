"""Unsafe: drops a column the old release still reads."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("blog", "0001_initial")]
    operations = [migrations.RemoveField(model_name="post", name="body")]
