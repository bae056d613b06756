"""Safe: a nullable column the old release ignores."""
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("blog", "0001_initial")]
    operations = [migrations.AddField(model_name="post", name="subtitle", field=models.TextField(null=True))]
