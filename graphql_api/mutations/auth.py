"""Session login/logout for the SPA and API tokens for mobile (the same tokens as REST)."""

import math
from types import SimpleNamespace
from typing import Annotated

import strawberry
import strawberry_django
from django.contrib.auth import authenticate, login, logout
from rest_framework.authtoken.models import Token
from strawberry import Info

from config.errors import DomainError, ErrorCode
from config.throttling import ScopedRateThrottle
from graphql_api.context import current_user
from graphql_api.errors import InputError, OperationError, graphql_error
from graphql_api.types import UserType


@strawberry.type
class LoginSuccess:
    user: UserType


@strawberry.type
class TokenSuccess:
    token: str


@strawberry.type
class LogoutSuccess:
    ok: bool


LoginPayload = Annotated[LoginSuccess | OperationError | InputError, strawberry.union("LoginPayload")]
TokenPayload = Annotated[TokenSuccess | OperationError | InputError, strawberry.union("TokenPayload")]


def _credentials_user(info: Info, username: str, password: str):
    # The REST token endpoint's limit (`auth_token`): GraphQL is no side door for password guessing.
    throttle = ScopedRateThrottle()
    if not throttle.allow_request(info.context.request, SimpleNamespace(throttle_scope="auth_token")):
        raise DomainError(ErrorCode.THROTTLED, details={"retry_after": math.ceil(throttle.wait() or 1)})
    user = authenticate(info.context.request, username=username, password=password)
    if user is None:
        raise DomainError(ErrorCode.NOT_AUTHENTICATED, "Wrong username or password.")
    return user


@strawberry.type
class AuthMutation:
    @strawberry_django.mutation(
        description="Start a browser session (cookie). Later mutations need the CSRF token."
    )
    def login(self, info: Info, username: str, password: str) -> LoginPayload:
        try:
            user = _credentials_user(info, username, password)
        except DomainError as exc:
            return graphql_error(exc)
        login(info.context.request, user)
        return LoginSuccess(user=user)

    @strawberry_django.mutation(description="End the browser session.")
    def logout(self, info: Info) -> LogoutSuccess:
        had_session = current_user(info).is_authenticated
        logout(info.context.request)
        return LogoutSuccess(ok=had_session)

    @strawberry_django.mutation(
        description="An API token for mobile apps and partners (send `Authorization: Token <token>`)."
    )
    def obtain_token(self, info: Info, username: str, password: str) -> TokenPayload:
        try:
            user = _credentials_user(info, username, password)
        except DomainError as exc:
            return graphql_error(exc)
        token, _ = Token.objects.get_or_create(user=user)
        return TokenSuccess(token=token.key)
