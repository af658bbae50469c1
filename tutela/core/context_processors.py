from django.http import HttpRequest


def tutela(request: HttpRequest) -> dict[str, object]:
    return {"request_id": getattr(request, "request_id", "")}
