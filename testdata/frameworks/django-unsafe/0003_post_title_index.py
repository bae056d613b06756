"""Unsafe on a populated table: CREATE INDEX without CONCURRENTLY, which blocks writes to blog_post
while the index builds."""
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("blog", "0002_post_subtitle")]
    operations = [
        migrations.AddIndex(model_name="post", index=models.Index(fields=["title"], name="blog_post_title_idx")),
    ]
