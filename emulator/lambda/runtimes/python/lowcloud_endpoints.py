"""Make old botocore honour AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>.

Purpose and contract: botocore learned the SDK-wide endpoint variables in
1.31; older ones (Debian's python3-botocore 1.29, boto3 1.26) ignore them, so
a function or script running against lowcloud would call real AWS. `install()`
fixes that without importing botocore: it puts a finder on sys.meta_path that
waits for `botocore.session` to be imported and then wraps
`botocore.session.Session.create_client` (boto3's clients and resources are
built through it), or patches at once if botocore.session is already loaded.
The wrapper only acts when the caller passed no endpoint_url: it uses
AWS_ENDPOINT_URL_<service id> (the model's serviceId upper-cased, spaces and
dashes turned into underscores, e.g. AWS_ENDPOINT_URL_DYNAMODB,
AWS_ENDPOINT_URL_API_GATEWAY), else AWS_ENDPOINT_URL; empty values are ignored
and AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true turns it off, as in botocore 1.31+.
Versions >= 1.31 are left alone (they do this themselves). Standard library
only, Python 3.8+, imports nothing heavy, safe to call more than once: the
lowcloud Python bootstrap calls install() before importing the handler, and a
`sitecustomize.py` on PYTHONPATH can do `import lowcloud_endpoints;
lowcloud_endpoints.install()` for plain scripts.
"""

import os
import sys

_TARGET = "botocore.session"
_PATCHED_FLAG = "_lowcloud_endpoint_patch"


def _version_tuple(text):
    parts = []
    for piece in str(text).split(".")[:3]:
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        parts.append(int(digits or 0))
    return tuple(parts)


def _needs_patch():
    botocore = sys.modules.get("botocore")
    version = getattr(botocore, "__version__", None)
    return version is not None and _version_tuple(version) < (1, 31)


def _service_env_suffix(session, service_name, api_version):
    """The model's serviceId as the SDKs spell it in variable names."""
    name = service_name
    try:
        import botocore.utils as utils

        name = getattr(utils, "SERVICE_NAME_ALIASES", {}).get(name, name)
        loader = session.get_component("data_loader")
        # load_service_model is cached per loader, so create_client reuses it.
        model = loader.load_service_model(name, "service-2", api_version)
        name = model.get("metadata", {}).get("serviceId") or name
    except Exception:
        pass
    return name.upper().replace(" ", "_").replace("-", "_")


def configured_endpoint(session, service_name, api_version=None, environ=None):
    """The endpoint the environment configures for a service, or None."""
    env = os.environ if environ is None else environ
    if env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").strip().lower() == "true":
        return None
    if not any(key.startswith("AWS_ENDPOINT_URL") for key in env):
        return None
    suffix = _service_env_suffix(session, service_name, api_version)
    return env.get("AWS_ENDPOINT_URL_" + suffix) or env.get("AWS_ENDPOINT_URL") or None


def _patch(session_module):
    session_class = getattr(session_module, "Session", None)
    original = getattr(session_class, "create_client", None)
    if original is None or getattr(original, _PATCHED_FLAG, False) or not _needs_patch():
        return False

    def create_client(self, service_name, *args, **kwargs):
        # Positional order: region_name, api_version, use_ssl, verify, endpoint_url.
        if len(args) >= 5:
            endpoint_url, api_version = args[4], args[1]
        else:
            endpoint_url = kwargs.get("endpoint_url")
            api_version = args[1] if len(args) >= 2 else kwargs.get("api_version")
        if endpoint_url is None:
            found = configured_endpoint(self, service_name, api_version)
            if found:
                if len(args) >= 5:
                    args = args[:4] + (found,) + args[5:]
                else:
                    kwargs["endpoint_url"] = found
        return original(self, service_name, *args, **kwargs)

    create_client.__doc__ = original.__doc__
    create_client.__wrapped__ = original
    setattr(create_client, _PATCHED_FLAG, True)
    session_class.create_client = create_client
    return True


class _BotocoreSessionFinder(object):
    """A meta-path finder that only ever answers for botocore.session.

    It asks the other finders for the real spec and wraps that loader's
    exec_module so the patch is applied right after the module body ran."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != _TARGET:
            return None
        spec = None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                break
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        inner_exec = spec.loader.exec_module

        def exec_module(module):
            inner_exec(module)
            _uninstall_finder()
            _patch(module)

        try:  # path-based finders build a fresh loader per spec
            spec.loader.exec_module = exec_module
        except (AttributeError, TypeError):
            pass
        return spec


def _uninstall_finder():
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _BotocoreSessionFinder)]


def install():
    """Patch botocore now if it is loaded, else as soon as it is imported."""
    module = sys.modules.get(_TARGET)
    if module is not None:
        _uninstall_finder()
        return _patch(module)
    if not any(isinstance(f, _BotocoreSessionFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, _BotocoreSessionFinder())
    return False
