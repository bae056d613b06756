from django.db import models


class Post(models.Model):
    """The post once 0002_post_subtitle ran: the release that adds subtitle reads it."""

    title = models.TextField()
    body = models.TextField(null=True)
    subtitle = models.TextField(null=True)
