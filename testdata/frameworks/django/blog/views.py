from django.http import HttpResponse, JsonResponse

from blog.models import Post


def index(request):
    """The number of posts and the first one with every field the model has (its query reads them
    all): a release whose model still has a column the database lost answers 500."""
    first = Post.objects.order_by("id").values().first()
    return JsonResponse({"count": Post.objects.count(), "first": first})


def up(request):
    """The health check: the app is up; it does not touch the database."""
    return HttpResponse("ok\n")
