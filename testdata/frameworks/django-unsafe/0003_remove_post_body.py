"""Unsafe: drops blog_post.body, which the release still serving reads (its model has the field)."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("blog", "0002_post_subtitle")]
    operations = [migrations.RemoveField(model_name="post", name="body")]
