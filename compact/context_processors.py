from compact.access import principal_of


def principal(request):
    """The request's principal, for navigation that follows the role."""
    return {"principal": principal_of(request)}
