from tests.identity_support import born_years_ago, certificate, emulator, verified_adult  # noqa: F401
