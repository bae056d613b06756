from django.db import models


class Post(models.Model):
    """A post as 0001_initial creates it. Django reads every field of a model in each query, so
    this release reads blog_post.body."""

    title = models.TextField()
    body = models.TextField(null=True)
