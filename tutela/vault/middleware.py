from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from tutela.vault.scope import vault_scope


class VaultScopeMiddleware:
    """Unwrapped keys live for one request, no longer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with vault_scope():
            return self.get_response(request)
