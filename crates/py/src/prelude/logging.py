# The playground's `logging`: loggers in a dotted hierarchy, levels, handlers writing to
# stderr (or stdout), and Formatter with CPython's %-style record attributes — threadName,
# processName, relativeCreated and asctime all come from the simulation (virtual time).

import os
import sys
import threading
import time

CRITICAL = 50
FATAL = CRITICAL
ERROR = 40
WARNING = 30
WARN = WARNING
INFO = 20
DEBUG = 10
NOTSET = 0

_levelToName = {CRITICAL: "CRITICAL", ERROR: "ERROR", WARNING: "WARNING", INFO: "INFO", DEBUG: "DEBUG", NOTSET: "NOTSET"}
_nameToLevel = {"CRITICAL": CRITICAL, "FATAL": FATAL, "ERROR": ERROR, "WARN": WARNING, "WARNING": WARNING, "INFO": INFO, "DEBUG": DEBUG, "NOTSET": NOTSET}

BASIC_FORMAT = "%(levelname)s:%(name)s:%(message)s"
# _start_time (set by the interpreter): the run's start on the virtual clock, which is when
# CPython's logging is usually imported.
_lock = threading.RLock()
raiseExceptions = True


def _civil(days):
    # The date `days` after 1970-01-01 (proleptic Gregorian).
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (m <= 2), m, d


def _strftime(fmt, t):
    secs = int(t)
    days, rem = divmod(secs, 86400)
    y, mo, d = _civil(days)
    fields = {
        "Y": "%04d" % y, "m": "%02d" % mo, "d": "%02d" % d,
        "H": "%02d" % (rem // 3600), "M": "%02d" % (rem // 60 % 60), "S": "%02d" % (rem % 60),
        "y": "%02d" % (y % 100), "%": "%",
    }
    out = []
    i = 0
    while i < len(fmt):
        c = fmt[i]
        if c == "%" and i + 1 < len(fmt) and fmt[i + 1] in fields:
            out.append(fields[fmt[i + 1]])
            i += 2
        else:
            out.append(c)
            i += 1
    return "".join(out)


def getLevelName(level):
    result = _levelToName.get(level)
    if result is not None:
        return result
    result = _nameToLevel.get(level)
    if result is not None:
        return result
    return "Level %s" % level


def addLevelName(level, levelName):
    _levelToName[level] = levelName
    _nameToLevel[levelName] = level


def _checkLevel(level):
    if isinstance(level, int):
        return level
    if str(level) == level:
        if level not in _nameToLevel:
            raise ValueError("Unknown level: %r" % level)
        return _nameToLevel[level]
    raise TypeError("Level not an integer or a valid string: %r" % (level,))


class LogRecord:
    def __init__(self, name, level, pathname, lineno, msg, args, exc_info, func=None, sinfo=None):
        ct = time.time()
        self.name = name
        self.msg = msg
        if args and len(args) == 1 and isinstance(args[0], dict) and args[0]:
            args = args[0]
        self.args = args
        self.levelname = getLevelName(level)
        self.levelno = level
        self.pathname = pathname
        self.filename = os.path.basename(pathname)
        self.module = self.filename.rsplit(".", 1)[0]
        self.exc_info = exc_info
        self.exc_text = None
        self.stack_info = sinfo
        self.lineno = lineno
        self.funcName = func
        self.created = ct
        self.msecs = int((ct - int(ct)) * 1000) + 0.0
        self.relativeCreated = (ct - _start_time) * 1000
        t = threading.current_thread()
        self.thread = t.ident
        self.threadName = t.name
        import multiprocessing

        self.processName = multiprocessing.current_process().name
        self.process = os.getpid()
        self.taskName = None

    def getMessage(self):
        msg = str(self.msg)
        if self.args:
            msg = msg % self.args
        return msg

    def __repr__(self):
        return '<LogRecord: %s, %s, %s, %s, "%s">' % (self.name, self.levelno, self.pathname, self.lineno, self.msg)


class Formatter:
    default_time_format = "%Y-%m-%d %H:%M:%S"
    default_msec_format = "%s,%03d"

    def __init__(self, fmt=None, datefmt=None, style="%", validate=True, *, defaults=None):
        if style not in ("%", "{"):
            raise ValueError("not supported in the playground: logging format style %r" % style)
        self._style = style
        self._fmt = fmt or ("%(message)s" if style == "%" else "{message}")
        self.datefmt = datefmt

    def usesTime(self):
        return "asctime" in self._fmt

    def formatTime(self, record, datefmt=None):
        # The simulation's clock, in UTC.
        s = _strftime(datefmt or self.default_time_format, record.created)
        if datefmt:
            return s
        return self.default_msec_format % (s, record.msecs)

    def formatException(self, ei):
        import traceback

        return "".join(traceback.format_exception(ei[1])).rstrip("\n")

    def formatMessage(self, record):
        values = dict(vars(record))
        if self._style == "{":
            return self._fmt.format(**values)
        return self._fmt % values

    def format(self, record):
        record.message = record.getMessage()
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        s = self.formatMessage(record)
        if record.exc_info:
            if not record.exc_text:
                record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            if s[-1:] != "\n":
                s = s + "\n"
            s = s + record.exc_text
        return s


_defaultFormatter = Formatter()


class Filter:
    def __init__(self, name=""):
        self.name = name
        self.nlen = len(name)

    def filter(self, record):
        if self.nlen == 0:
            return True
        if self.name == record.name:
            return True
        if record.name.find(self.name, 0, self.nlen) != 0:
            return False
        return record.name[self.nlen] == "."


class Filterer:
    def __init__(self):
        self.filters = []

    def addFilter(self, filter):
        if filter not in self.filters:
            self.filters.append(filter)

    def removeFilter(self, filter):
        if filter in self.filters:
            self.filters.remove(filter)

    def filter(self, record):
        for f in self.filters:
            if hasattr(f, "filter"):
                result = f.filter(record)
            else:
                result = f(record)
            if not result:
                return False
        return True


class Handler(Filterer):
    def __init__(self, level=NOTSET):
        Filterer.__init__(self)
        self.level = _checkLevel(level)
        self.formatter = None
        self.lock = threading.RLock()
        self.name = None

    def setLevel(self, level):
        self.level = _checkLevel(level)

    def setFormatter(self, fmt):
        self.formatter = fmt

    def format(self, record):
        fmt = self.formatter if self.formatter is not None else _defaultFormatter
        return fmt.format(record)

    def handle(self, record):
        if not self.filter(record):
            return False
        with self.lock:
            self.emit(record)
        return True

    def emit(self, record):
        raise NotImplementedError("emit must be implemented by Handler subclasses")

    def flush(self):
        pass

    def close(self):
        pass


class StreamHandler(Handler):
    terminator = "\n"

    def __init__(self, stream=None):
        Handler.__init__(self)
        self.stream = sys.stderr if stream is None else stream

    def emit(self, record):
        msg = self.format(record)
        self.stream.write(msg + self.terminator)

    def setStream(self, stream):
        old = self.stream
        self.stream = stream
        return old

    def __repr__(self):
        return "<%s <stderr> (%s)>" % (type(self).__name__, getLevelName(self.level))


class NullHandler(Handler):
    def handle(self, record):
        pass

    def emit(self, record):
        pass


def FileHandler(*args, **kwargs):
    raise OSError("not supported in the playground: logging.FileHandler (files)")


class Logger(Filterer):
    def __init__(self, name, level=NOTSET):
        Filterer.__init__(self)
        self.name = name
        self.level = _checkLevel(level)
        self.parent = None
        self.propagate = True
        self.handlers = []
        self.disabled = False

    def setLevel(self, level):
        self.level = _checkLevel(level)

    def getEffectiveLevel(self):
        logger = self
        while logger:
            if logger.level:
                return logger.level
            logger = logger.parent
        return NOTSET

    def isEnabledFor(self, level):
        if self.disabled or level < _disable_level:
            return False
        return level >= self.getEffectiveLevel()

    def debug(self, msg, *args, **kwargs):
        if self.isEnabledFor(DEBUG):
            self._log(DEBUG, msg, args, **kwargs)

    def info(self, msg, *args, **kwargs):
        if self.isEnabledFor(INFO):
            self._log(INFO, msg, args, **kwargs)

    def warning(self, msg, *args, **kwargs):
        if self.isEnabledFor(WARNING):
            self._log(WARNING, msg, args, **kwargs)

    warn = warning

    def error(self, msg, *args, **kwargs):
        if self.isEnabledFor(ERROR):
            self._log(ERROR, msg, args, **kwargs)

    def exception(self, msg, *args, exc_info=True, **kwargs):
        self.error(msg, *args, exc_info=exc_info, **kwargs)

    def critical(self, msg, *args, **kwargs):
        if self.isEnabledFor(CRITICAL):
            self._log(CRITICAL, msg, args, **kwargs)

    fatal = critical

    def log(self, level, msg, *args, **kwargs):
        if not isinstance(level, int):
            raise TypeError("level must be an integer")
        if self.isEnabledFor(level):
            self._log(level, msg, args, **kwargs)

    def _log(self, level, msg, args, exc_info=None, extra=None, stack_info=False, stacklevel=1):
        pathname, lineno, func = _caller()
        if exc_info:
            if isinstance(exc_info, BaseException):
                exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
            elif not isinstance(exc_info, tuple):
                exc_info = sys.exc_info()
        record = LogRecord(self.name, level, pathname, lineno, msg, args, exc_info, func)
        if extra is not None:
            for key in extra:
                if key in ("message", "asctime") or hasattr(record, key):
                    raise KeyError("Attempt to overwrite %r in LogRecord" % key)
                setattr(record, key, extra[key])
        self.handle(record)

    def handle(self, record):
        if self.disabled or not self.filter(record):
            return
        self.callHandlers(record)

    def callHandlers(self, record):
        c = self
        found = 0
        while c:
            for hdlr in c.handlers:
                found = found + 1
                if record.levelno >= hdlr.level:
                    hdlr.handle(record)
            if not c.propagate:
                c = None
            else:
                c = c.parent
        if found == 0 and lastResort is not None:
            if record.levelno >= lastResort.level:
                lastResort.handle(record)

    def addHandler(self, hdlr):
        with _lock:
            if hdlr not in self.handlers:
                self.handlers.append(hdlr)

    def removeHandler(self, hdlr):
        with _lock:
            if hdlr in self.handlers:
                self.handlers.remove(hdlr)

    def hasHandlers(self):
        c = self
        while c:
            if c.handlers:
                return True
            if not c.propagate:
                break
            c = c.parent
        return False

    def getChild(self, suffix):
        if self.root is not self:
            suffix = ".".join((self.name, suffix))
        return getLogger(suffix)

    def __repr__(self):
        return "<%s %s (%s)>" % (type(self).__name__, self.name, getLevelName(self.getEffectiveLevel()))


class RootLogger(Logger):
    def __init__(self, level):
        Logger.__init__(self, "root", level)

    def __repr__(self):
        return "<RootLogger root (%s)>" % getLevelName(self.getEffectiveLevel())


class _LastResort(StreamHandler):
    def __init__(self, level):
        StreamHandler.__init__(self)
        self.level = level


lastResort = _LastResort(WARNING)
root = RootLogger(WARNING)
Logger.root = root
_loggers = {}
_disable_level = 0


def getLogger(name=None):
    if not name or (isinstance(name, str) and name == root.name):
        return root
    if not isinstance(name, str):
        raise TypeError("A logger name must be a string")
    with _lock:
        logger = _loggers.get(name)
        if logger is None:
            logger = Logger(name)
            _loggers[name] = logger
            _fix_parents(name, logger)
        return logger


def _fix_parents(name, logger):
    # The nearest existing ancestor is the parent; existing descendants now point here.
    parent = root
    parts = name.split(".")
    for i in range(len(parts) - 1, 0, -1):
        ancestor = ".".join(parts[:i])
        if ancestor in _loggers:
            parent = _loggers[ancestor]
            break
    logger.parent = parent
    prefix = name + "."
    for other_name, other in _loggers.items():
        if other_name.startswith(prefix) and (other.parent is parent):
            other.parent = logger


def basicConfig(**kwargs):
    with _lock:
        force = kwargs.pop("force", False)
        if force:
            for h in root.handlers[:]:
                root.removeHandler(h)
        if root.handlers:
            return
        handlers = kwargs.pop("handlers", None)
        if "filename" in kwargs:
            raise OSError("not supported in the playground: logging.basicConfig(filename=...) (files)")
        if handlers is None:
            handlers = [StreamHandler(kwargs.pop("stream", None))]
        dfs = kwargs.pop("datefmt", None)
        style = kwargs.pop("style", "%")
        fs = kwargs.pop("format", BASIC_FORMAT if style == "%" else "{levelname}:{name}:{message}")
        fmt = Formatter(fs, dfs, style)
        for h in handlers:
            if h.formatter is None:
                h.setFormatter(fmt)
            root.addHandler(h)
        level = kwargs.pop("level", None)
        if level is not None:
            root.setLevel(level)
        if kwargs:
            raise ValueError("Unrecognised argument(s): %s" % ", ".join(kwargs.keys()))


def _ensure_handler():
    if not root.handlers:
        basicConfig()


def critical(msg, *args, **kwargs):
    _ensure_handler()
    root.critical(msg, *args, **kwargs)


fatal = critical


def error(msg, *args, **kwargs):
    _ensure_handler()
    root.error(msg, *args, **kwargs)


def exception(msg, *args, exc_info=True, **kwargs):
    error(msg, *args, exc_info=exc_info, **kwargs)


def warning(msg, *args, **kwargs):
    _ensure_handler()
    root.warning(msg, *args, **kwargs)


warn = warning


def info(msg, *args, **kwargs):
    _ensure_handler()
    root.info(msg, *args, **kwargs)


def debug(msg, *args, **kwargs):
    _ensure_handler()
    root.debug(msg, *args, **kwargs)


def log(level, msg, *args, **kwargs):
    _ensure_handler()
    root.log(level, msg, *args, **kwargs)


def disable(level=CRITICAL):
    global _disable_level
    _disable_level = level + 1 if level else 0


def shutdown():
    pass


def getLoggerClass():
    return Logger


class LoggerAdapter:
    def __init__(self, logger, extra=None):
        self.logger = logger
        self.extra = extra

    def process(self, msg, kwargs):
        kwargs["extra"] = self.extra
        return msg, kwargs

    def log(self, level, msg, *args, **kwargs):
        msg, kwargs = self.process(msg, kwargs)
        self.logger.log(level, msg, *args, **kwargs)

    def debug(self, msg, *args, **kwargs):
        self.log(DEBUG, msg, *args, **kwargs)

    def info(self, msg, *args, **kwargs):
        self.log(INFO, msg, *args, **kwargs)

    def warning(self, msg, *args, **kwargs):
        self.log(WARNING, msg, *args, **kwargs)

    def error(self, msg, *args, **kwargs):
        self.log(ERROR, msg, *args, **kwargs)

    def critical(self, msg, *args, **kwargs):
        self.log(CRITICAL, msg, *args, **kwargs)
