"""The contract half: drops the column no release reads any more. The Procfile's
`postdeploy: python3 manage.py migrate` runs it once the release that read it has stopped."""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("blog", "0003_remove_post_body_state")]
    operations = [
        migrations.RunSQL(
            'ALTER TABLE "blog_post" DROP COLUMN "body"',
            reverse_sql='ALTER TABLE "blog_post" ADD COLUMN "body" text NULL',
        ),
    ]
