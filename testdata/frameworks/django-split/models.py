from django.db import models


class Post(models.Model):
    """The post without body: this release no longer reads the column, which its postdeploy
    migration drops once the release that did has stopped."""

    title = models.TextField()
    subtitle = models.TextField(null=True)
