"""lowcloud's Python runtime client: the loop inside a python3.x execution environment.

Purpose and contract: lowcloud runs `python3 -u bootstrap.py` (Python 3.8 to 3.13,
standard library only) in the function's unpacked code directory with the environment
a Lambda runtime gets: AWS_LAMBDA_RUNTIME_API (host:port; a path after it is kept as
a prefix), _HANDLER ("module.function", "pkg/sub/module.function" or
"pkg.module.function"), LAMBDA_TASK_ROOT, AWS_LAMBDA_FUNCTION_NAME/_VERSION/
_MEMORY_SIZE, AWS_LAMBDA_LOG_GROUP_NAME/_STREAM_NAME, optional AWS_LAMBDA_LOG_LEVEL
and AWS_EXECUTION_ENV, region, credentials and endpoint variables. It behaves like
AWS's awslambdaric: it installs the root logger's handler, makes old botocore honour
AWS_ENDPOINT_URL* (lowcloud_endpoints.py, next to this file), imports the handler
once with LAMBDA_TASK_ROOT first on sys.path and reports a failure to
/runtime/init/error, then exits 1; otherwise it loops on GET /runtime/invocation/next,
calls handler(event, context) and POSTs the JSON result to .../response or the error
document to .../error (with Lambda-Runtime-Function-Error-Type). Error bodies, log
formats and the Runtime.* messages are awslambdaric's (text log format only;
AWS_LAMBDA_LOG_FORMAT=JSON is not implemented). Everything goes to stdout a line per
log event: an error report's lines, and a logging record's, are joined by "\r" as on
AWS. A non-200 answer to /next (lowcloud answers 410) or a lost Runtime API ends the
process with status 0. One keep-alive connection is reused (see RuntimeAPI).
Waiting for an answer, it polls the socket for LOWCLOUD_SPIN_US microseconds
(`lowcloud serve --spin-us`; at most 10,000) before it blocks, as lowcloud's own
runtime does: on a VM a blocked reader's wake-up costs tens of microseconds.
"""

import json
import logging
import os
import re
import select
import socket
import sys
import time
import traceback

_HERE = os.path.dirname(os.path.abspath(__file__))
ERROR_LOG_LINE_TERMINATE = "\r"
ERROR_LOG_IDENT = "\u00a0"  # NO-BREAK SPACE, as awslambdaric indents stack lines
_ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type"
_UNHANDLED_WARNING = (  # awslambdaric's lambda_literals.lambda_unhandled_exception_warning_message
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. However, in rare "
    "cases, a Lambda runtime update can cause unexpected function behavior. For functions using managed runtimes, "
    "runtime updates can be triggered by a function change, or can be applied automatically. To determine if the "
    "runtime has been updated, check the runtime version in the INIT_START log entry. If this error correlates with a "
    "change in the runtime version, you may be able to mitigate this error by temporarily rolling back to the previous "
    "runtime version. For more information, see https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html")
_level = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
_LOG_LEVEL = {None: "", "TRACE": "DEBUG"}.get(_level, _level).upper()
_request_id = None


def _spin_seconds():
    try:
        return min(max(int(os.environ.get("LOWCLOUD_SPIN_US", "0")), 0), 10000) / 1e6
    except ValueError:
        return 0.0


_SPIN_S = _spin_seconds()


class FaultException(Exception):
    MARSHAL_ERROR = "Runtime.MarshalError"
    UNMARSHAL_ERROR = "Runtime.UnmarshalError"
    USER_CODE_SYNTAX_ERROR = "Runtime.UserCodeSyntaxError"
    HANDLER_NOT_FOUND = "Runtime.HandlerNotFound"
    IMPORT_MODULE_ERROR = "Runtime.ImportModuleError"
    BUILT_IN_MODULE_CONFLICT = "Runtime.BuiltInModuleConflict"
    MALFORMED_HANDLER_NAME = "Runtime.MalformedHandlerName"
    LAMBDA_CONTEXT_UNMARSHAL_ERROR = "Runtime.LambdaContextUnmarshalError"

    def __init__(self, exception_type, msg, trace=None):
        Exception.__init__(self, msg)
        self.exception_type, self.msg, self.trace = exception_type, msg, trace


# --- JSON (awslambdaric uses simplejson; this reproduces what it emits) -------

def _ensure_ascii():
    # awslambdaric writes non-ASCII characters raw from python3.12 on.
    m = re.match(r"AWS_Lambda_python(\d+)\.(\d+)", os.environ.get("AWS_EXECUTION_ENV", ""))
    version = (int(m.group(1)), int(m.group(2))) if m else sys.version_info[:2]
    return version < (3, 12)


_DECIMAL_MARK = re.compile(r'"\\u0000lowcloud-decimal-(\d+)\\u0000"')


class _Encoder(json.JSONEncoder):
    """Decimals become bare numbers (simplejson's RawJSON(str(d))), NaN -> NaN."""

    def __init__(self):
        json.JSONEncoder.__init__(self, ensure_ascii=_ENSURE_ASCII)
        self.raw = []

    def default(self, o):
        decimal = sys.modules.get("decimal")
        if decimal is not None and isinstance(o, decimal.Decimal):
            if o.is_nan():
                return float("nan")
            self.raw.append(str(o))
            return "\x00lowcloud-decimal-%d\x00" % (len(self.raw) - 1)
        return json.JSONEncoder.default(self, o)


def to_json(obj):
    encoder = _Encoder()
    text = encoder.encode(obj)
    return _DECIMAL_MARK.sub(lambda m: encoder.raw[int(m.group(1))], text) if encoder.raw else text


_ENSURE_ASCII = _ensure_ascii()


# --- Runtime API ---------------------------------------------------------------

class RuntimeAPI(object):
    """The Runtime API over one keep-alive HTTP/1.1 socket, reopened once if stale.

    Hand-rolled because http.client parses headers through the email package:
    measured ~5x the CPU per invocation. Handles Content-Length, chunked and
    read-to-close bodies and Connection: close; any failure raises OSError."""

    def __init__(self, address):
        hostport, _, prefix = address.partition("/")
        host, _, port = hostport.rpartition(":")
        self.addr, self.host = (host.strip("[]"), int(port)), hostport
        self.base = ("/" + prefix.strip("/") if prefix.strip("/") else "") + "/2018-06-01/runtime"
        self.sock = self.reader = self.poller = None

    def close(self):
        if self.sock is not None:
            self.reader.close()
            self.sock.close()
        self.sock = self.reader = self.poller = None

    def _await(self):
        """Polls the socket for up to _SPIN_S before the blocking read (see the top)."""
        deadline = time.monotonic() + _SPIN_S
        while not self.poller.poll(0) and time.monotonic() < deadline:
            os.sched_yield()

    def call(self, method, path, body=b"", headers=""):
        request = ("%s %s%s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n%s\r\n" % (
            method, self.base, path, self.host, len(body), headers)).encode("utf-8") + body
        for _ in range(2):
            fresh = self.sock is None
            if fresh:
                self.sock = socket.create_connection(self.addr)
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self.reader = self.sock.makefile("rb")
                self.poller = select.poll()
                self.poller.register(self.sock.fileno(), select.POLLIN)
            try:
                self.sock.sendall(request)
                if _SPIN_S:
                    self._await()
                return self._response()
            except OSError:
                self.close()
                if fresh:
                    raise

    def _line(self):
        line = self.reader.readline()
        if not line:
            raise ConnectionResetError("the Runtime API closed the connection")
        return line

    def _response(self):
        try:
            status = int(self._line().split(None, 2)[1])
            headers = {}
            while True:
                line = self._line().decode("utf-8", "replace")
                if line in ("\r\n", "\n"):
                    break
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            if "chunked" in headers.get("transfer-encoding", "").lower():
                chunks = []
                while True:
                    size = int(self._line().split(b";")[0], 16)
                    if size == 0:
                        while self._line() not in (b"\r\n", b"\n"):
                            pass
                        break
                    chunks.append(self.reader.read(size))
                    self._line()
                body = b"".join(chunks)
            elif "content-length" in headers:
                body = self.reader.read(int(headers["content-length"]))
            else:
                body, headers["connection"] = self.reader.read(), "close"
        except (ValueError, IndexError):
            raise ConnectionError("malformed answer from the Runtime API")
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, body

    def next(self):
        status, headers, body = self.call("GET", "/invocation/next")
        if status != 200:
            raise SystemExit(0)
        return headers, body

    def post(self, path, body, content_type="application/json", error_type=None):
        headers = "Content-Type: %s\r\n" % content_type
        if error_type:
            headers += "%s: %s\r\n" % (_ERROR_TYPE_HEADER, error_type.replace("\r", " ").replace("\n", " "))
        self.call("POST", path, body if isinstance(body, bytes) else body.encode("utf-8"), headers)


# --- context -------------------------------------------------------------------

class _Slots(object):
    __slots__ = ()

    def __repr__(self):
        fields = ",".join("%s=%s" % (k, getattr(self, k)) for k in self.__slots__)
        return "%s([%s])" % (self.__class__.__name__, fields)


def _slots_class(name, fields):
    return type(name, (_Slots,), {"__slots__": fields})


CognitoIdentity = _slots_class("CognitoIdentity", ["cognito_identity_id", "cognito_identity_pool_id"])
Client = _slots_class("Client", ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"])
ClientContext = _slots_class("ClientContext", ["custom", "env", "client"])


def make_obj_from_dict(cls, data):
    if data is None:
        return None
    obj = cls()
    for field in cls.__slots__:
        setattr(obj, field, data.get(field, None))
    return obj


class LambdaContext(object):
    def __init__(self, invoke_id, client_context, cognito_identity, deadline_ms, invoked_function_arn=None):
        env = os.environ
        self.aws_request_id = invoke_id
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = invoked_function_arn
        if isinstance(client_context, dict):
            client_context.pop("w3c", None)
        self.client_context = make_obj_from_dict(ClientContext, client_context)
        if self.client_context is not None:
            self.client_context.client = make_obj_from_dict(Client, self.client_context.client)
        self.identity = make_obj_from_dict(CognitoIdentity, {})
        if cognito_identity is not None:
            self.identity.cognito_identity_id = cognito_identity.get("cognitoIdentityId")
            self.identity.cognito_identity_pool_id = cognito_identity.get("cognitoIdentityPoolId")
        self._epoch_deadline_time_in_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        delta_ms = self._epoch_deadline_time_in_ms - int(time.time() * 1000)
        return delta_ms if delta_ms > 0 else 0

    def log(self, msg):
        sys.stdout.write(str(msg))

    def __repr__(self):
        names = ("aws_request_id", "log_group_name", "log_stream_name", "function_name", "memory_limit_in_mb",
                 "function_version", "invoked_function_arn", "client_context", "identity")
        return "LambdaContext([%s])" % ",".join("%s=%s" % (n, getattr(self, n)) for n in names)


def _parse_json_header(value, name):
    try:
        return json.loads(value)
    except Exception as e:
        raise FaultException(FaultException.LAMBDA_CONTEXT_UNMARSHAL_ERROR, "Unable to parse {} JSON: {}".format(name, e))


# --- errors and logging ----------------------------------------------------------

def make_error(error_message, error_type, stack_trace, invoke_id=None):
    return {
        "errorMessage": error_message if error_message else "",
        "errorType": error_type if error_type else "",
        "requestId": invoke_id if invoke_id is not None else "",
        "stackTrace": stack_trace if stack_trace else [],
    }


def _user_frames(tb):
    """The traceback without the runtime's own leading frames."""
    frames = [(f.filename, f.lineno, f.name, f.line) for f in traceback.extract_tb(tb)]
    for i in range(len(frames)):
        if "/bootstrap.py" not in frames[i][0]:
            return frames[i:]
    return frames


def build_fault_result(exc_info, invoke_id=None):
    etype, value, tb = exc_info
    return make_error(str(value), etype.__name__, traceback.format_list(_user_frames(tb)), invoke_id)


def _replace_indentation(line):
    stripped = line.lstrip(" ")
    return ERROR_LOG_IDENT * (len(line) - len(stripped)) + stripped


def log_error(error_result):
    description = "[ERROR]"
    if error_result.get("errorType"):
        description += " " + error_result["errorType"]
    if error_result.get("errorMessage"):
        description += (":" if error_result.get("errorType") else "") + " " + error_result["errorMessage"]
    lines = [description, "Traceback (most recent call last):"]
    for element in error_result.get("stackTrace") or []:
        lines += [""] if element == "" else [_replace_indentation(l) for l in element.splitlines()]
    sys.stdout.write(ERROR_LOG_LINE_TERMINATE.join(lines) + "\n")


class LambdaLoggerHandler(logging.Handler):
    """One record, one log event: on AWS records are framed on the telemetry fd,
    so embedded newlines become "\r" here, the way AWS's Node runtime writes them."""

    def emit(self, record):
        msg = self.format(record)
        body = msg[:-1] if msg.endswith("\n") else msg
        sys.stdout.write(body.replace("\n", "\r") + msg[len(body):])


class LambdaLoggerFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request_id or ""
        return True


def setup_logging():
    logging.Formatter.converter = time.gmtime
    handler = LambdaLoggerHandler()
    handler.setFormatter(logging.Formatter(
        "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s\n", "%Y-%m-%dT%H:%M:%S"))
    root = logging.getLogger()
    if _LOG_LEVEL in logging._nameToLevel:
        root.setLevel(_LOG_LEVEL)  # otherwise the root logger keeps Python's default, WARNING
    handler.addFilter(LambdaLoggerFilter())
    root.addHandler(handler)


class Unbuffered(object):
    def __init__(self, stream):
        self.stream = stream

    def __getattr__(self, attr):
        return getattr(self.stream, attr)

    def write(self, msg):
        self.stream.write(msg)
        self.stream.flush()

    def writelines(self, msgs):
        self.stream.writelines(msgs)
        self.stream.flush()


# --- handler loading and invocation -------------------------------------------------

def get_handler(handler):
    try:
        modname, fname = handler.rsplit(".", 1)
    except ValueError as e:
        raise FaultException(FaultException.MALFORMED_HANDLER_NAME, "Bad handler '{}': {}".format(handler, str(e)))
    try:
        if modname.split(".")[0] in sys.builtin_module_names:
            raise FaultException(FaultException.BUILT_IN_MODULE_CONFLICT,
                                 "Cannot use built-in module {} as a handler module".format(modname))
        import importlib
        module = importlib.import_module(modname.replace("/", "."))
    except ImportError as e:
        raise FaultException(FaultException.IMPORT_MODULE_ERROR, "Unable to import module '{}': {}".format(modname, str(e)))
    except SyntaxError as e:
        trace = ['  File "%s" Line %s\n    %s' % (e.filename, e.lineno, e.text)]
        raise FaultException(FaultException.USER_CODE_SYNTAX_ERROR,
                             "Syntax error in module '{}': {}".format(modname, str(e)), trace)
    try:
        return getattr(module, fname)
    except AttributeError:
        raise FaultException(FaultException.HANDLER_NOT_FOUND, "Handler '{}' missing on module '{}'".format(fname, modname))


def handle_event(api, request_handler, headers, body):
    invoke_id = headers.get("lambda-runtime-aws-request-id")
    try:
        client_context = headers.get("lambda-runtime-client-context")
        cognito_identity = headers.get("lambda-runtime-cognito-identity")
        context = LambdaContext(
            invoke_id,
            _parse_json_header(client_context, "Client Context") if client_context else None,
            _parse_json_header(cognito_identity, "Cognito Identity") if cognito_identity else None,
            int(headers.get("lambda-runtime-deadline-ms") or 0),
            headers.get("lambda-runtime-invoked-function-arn"))
        content_type = headers.get("content-type")
        event = body
        if content_type is None or content_type.split(";")[0].strip() == "application/json":
            try:
                event = json.loads(body)
            except Exception as e:
                raise FaultException(FaultException.UNMARSHAL_ERROR, "Unable to unmarshal input: {}".format(str(e)))
        response = request_handler(event, context)
        if isinstance(response, bytes):
            result, result_type = response, "application/unknown"
        else:
            try:
                result, result_type = to_json(response), "application/json"
            except Exception as e:
                raise FaultException(FaultException.MARSHAL_ERROR, "Unable to marshal response: {}".format(str(e)))
    except FaultException as e:
        error = make_error(e.msg, e.exception_type, e.trace, invoke_id)
    except Exception:
        error = build_fault_result(sys.exc_info(), invoke_id)
    else:
        api.post("/invocation/%s/response" % invoke_id, result, result_type)
        return
    log_error(error)
    api.post("/invocation/%s/error" % invoke_id, to_json(error), error_type=error["errorType"])


def main():
    global _request_id
    sys.stdout = Unbuffered(sys.stdout)
    sys.stderr = Unbuffered(sys.stderr)
    api = RuntimeAPI(os.environ.get("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"))
    task_root = os.environ.get("LAMBDA_TASK_ROOT") or os.getcwd()
    if sys.path and os.path.abspath(sys.path[0] or ".") == _HERE:
        sys.path.pop(0)  # the user's modules must not resolve against this directory
    sys.path.insert(0, task_root)
    try:
        setup_logging()
        sys.path.insert(0, _HERE)
        try:
            import lowcloud_endpoints
            lowcloud_endpoints.install()
        finally:
            sys.path.remove(_HERE)
        request_handler = get_handler(os.environ.get("_HANDLER", ""))
    except Exception as e:
        if isinstance(e, FaultException):
            error = make_error(e.msg, e.exception_type, e.trace)
        else:
            error = build_fault_result(sys.exc_info())
        logging.warning(_UNHANDLED_WARNING)
        log_error(error)
        try:
            api.post("/init/error", to_json(error), error_type=error["errorType"])
        except OSError:
            pass
        sys.exit(1)

    while True:
        try:
            headers, body = api.next()
        except OSError:
            sys.exit(0)
        _request_id = headers.get("lambda-runtime-aws-request-id")
        trace_id = headers.get("lambda-runtime-trace-id")
        if trace_id is not None:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        try:
            handle_event(api, request_handler, headers, body)
        except OSError:
            sys.exit(0)


if __name__ == "__main__":
    main()
