from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Post",
            fields=[
                ("id", models.BigAutoField(primary_key=True)),
                ("title", models.TextField()),
                ("body", models.TextField(null=True)),
            ],
        ),
    ]
