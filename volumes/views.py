# Placeholder until the volumes app lands (being built now).
from django.http import HttpResponse


def volume_list(request):
    return HttpResponse("volumes")
