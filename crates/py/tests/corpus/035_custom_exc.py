# level: 2 — custom exception classes, raise ... from, __cause__/__context__, except (A, B) as e
class AppError(Exception):
    """Base class for this program's errors."""


class ConfigError(AppError):
    def __init__(self, key, reason):
        super().__init__(f"bad config key {key!r}: {reason}")
        self.key = key


class RetryableError(AppError):
    pass


def load(settings, key):
    try:
        return int(settings[key])
    except KeyError as e:
        raise ConfigError(key, "missing") from e
    except ValueError as e:
        raise ConfigError(key, "not a number") from e


settings = {"workers": "4", "timeout": "soon"}
for key in ("workers", "timeout", "retries"):
    try:
        print(key, "=", load(settings, key))
    except ConfigError as e:
        print("error:", e, "| key:", e.key, "| cause:", type(e.__cause__).__name__, repr(e.__cause__))


def flaky(n):
    if n % 3 == 0:
        raise RetryableError(f"attempt {n} timed out")
    if n % 3 == 1:
        raise ValueError(f"attempt {n} bad value")
    return f"attempt {n} ok"


for n in range(4):
    try:
        print(flaky(n))
    except (RetryableError, ValueError) as e:
        print(f"{type(e).__name__}: {e}", isinstance(e, AppError))

try:
    try:
        1 / 0
    except ZeroDivisionError:
        raise AppError("while handling")
except AppError as e:
    print(e, "| context:", type(e.__context__).__name__, "| cause:", e.__cause__)

try:
    raise AppError("no chain") from None
except AppError as e:
    print(e, e.__cause__, e.__suppress_context__)
print(issubclass(ConfigError, Exception), ConfigError.__mro__[1].__name__, repr(RetryableError("x")))
print(str(AppError()), repr(AppError()), AppError("a", 1).args)
