from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from strawberry import Info


def current_user(info: Info) -> AbstractBaseUser | AnonymousUser:
    return info.context.request.user
