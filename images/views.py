# Placeholder until the images app lands (being built now).
from django.http import HttpResponse


def image_list(request):
    return HttpResponse("images")


def detail(request, image_id):
    return HttpResponse(image_id)
