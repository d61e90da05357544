"""How bubblewrap is invoked, and whether it can be on this machine."""

from __future__ import annotations

import contextlib
import ctypes.util
import json
import os
import pwd
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import _as_user
from .limits import SandboxLimits

INSIDE_SOURCE = Path(__file__).resolve().parent / "_inside"
INSIDE_MOUNT = "/opt/studybot"
_BOOTSTRAP = (
    f"import sys; sys.path.insert(0, {INSIDE_MOUNT!r}); "
    "from _inside.zygote import main; sys.exit(main(sys.argv[1:]))"
)
INSTALL_HINT = (
    "Install bubblewrap (Debian/Ubuntu: `apt-get install bubblewrap`) and allow unprivileged "
    "user namespaces (`sysctl -w kernel.unprivileged_userns_clone=1`, "
    "`sysctl -w user.max_user_namespaces=15000`; on Ubuntu 24.04+ also "
    "`sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`). For local development only, "
    "STUDYBOT_SANDBOX__UNSAFE_NO_SANDBOX=true runs code WITHOUT any isolation."
)


def job_environment(limits: SandboxLimits) -> dict[str, str]:
    """The whole environment a job sees: nothing from the host (no tokens, no DB URL)."""
    threads = str(limits.torch_threads)
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        # numpy's OpenBLAS starts threads at import, which would make fork() unsafe.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": threads,
        "MKL_NUM_THREADS": threads,
    }


# The virtualenv is mounted here, not at its own path: the sandbox puts a fresh tmpfs on
# /tmp, and a project cloned under /tmp (as CI may do) would hide its own venv.
VENV_MOUNT = "/opt/venv"


def _read_only_roots() -> list[tuple[str, str]]:
    """(host path, sandbox path) of the interpreter, its standard library and the
    virtualenv (for torch), deduplicated."""
    roots: list[tuple[str, str]] = []
    base = os.path.realpath(sys.base_prefix)
    if base != "/usr" and not base.startswith("/usr/"):
        roots.append((base, base))
    venv = os.path.realpath(sys.prefix)
    if venv != base:
        roots.append((venv, VENV_MOUNT))
    return roots


def _interpreter() -> str:
    """The interpreter as seen inside the sandbox (the venv's, so torch is importable)."""
    in_venv = os.path.realpath(sys.prefix) != os.path.realpath(sys.base_prefix)
    if in_venv and os.path.exists(os.path.join(sys.prefix, "bin", "python3")):
        return f"{VENV_MOUNT}/bin/python3"
    return sys.executable


# When the bot runs as root, bwrap runs as this system user (else `nobody`), so that no
# process of a job is host uid 0, not even one without capabilities.
SANDBOX_USER = "studybot-sandbox"


@dataclass(frozen=True)
class RunAs:
    """The unprivileged host user bwrap is started as (only when we are root)."""

    uid: int
    gid: int
    name: str


def run_as() -> RunAs | None:
    """Whom to start bwrap as: None when we are not root (it then runs as us)."""
    if os.geteuid() != 0:
        return None
    for name in (SANDBOX_USER, "nobody"):
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            return RunAs(entry.pw_uid, entry.pw_gid, name)
    return RunAs(65534, 65534, "uid 65534")


def _bound_sources() -> list[tuple[str, str]]:
    """(host path, sandbox path) of what bwrap binds from outside /usr."""
    return [*_read_only_roots(), (str(INSIDE_SOURCE), f"{INSIDE_MOUNT}/_inside")]


def launch(bwrap_args: list[str], user: RunAs | None, *, staged: bool = True) -> list[str]:
    """The command that starts `bwrap_args` as `user`; `staged`: it binds the sources from
    where `_as_user` puts them (`command(..., staged=True)`)."""
    if user is None:
        return bwrap_args
    sources = [host for host, _ in _bound_sources()] if staged else []
    config = {"uid": user.uid, "gid": user.gid, "sources": sources}
    return [sys.executable, "-I", "-S", _as_user.__file__, json.dumps(config), *bwrap_args]


def command(
    control_fd: int,
    limits: SandboxLimits,
    *,
    warm: bool,
    spares: int = 1,
    staged: bool = False,
) -> list[str]:
    """The bwrap command line that starts the warm (or one-shot) interpreter.

    `staged`: bind the sources from where `_as_user` puts them (see `launch`).
    """
    args = [
        shutil.which("bwrap") or "bwrap",
        "--unshare-user",
        "--unshare-pid",
        "--unshare-net",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-cgroup-try",
        "--uid",
        "65534",
        "--gid",
        "65534",
        "--hostname",
        "sandbox",
        "--die-with-parent",
        "--new-session",
        "--cap-drop",
        "ALL",
        "--clearenv",
        "--ro-bind",
        "/usr",
        "/usr",
    ]
    for link in ("bin", "lib", "lib64", "sbin"):
        if os.path.islink(f"/{link}"):
            args += ["--symlink", os.readlink(f"/{link}"), f"/{link}"]
        elif os.path.isdir(f"/{link}"):
            args += ["--ro-bind", f"/{link}", f"/{link}"]
    for path in ("/etc/ld.so.cache", "/etc/localtime", "/sys/devices/system/cpu"):
        args += ["--ro-bind-try", path, path]
    for index, (host_path, sandbox_path) in enumerate(_bound_sources()):
        source = _as_user.staged_path(index) if staged else host_path
        args += ["--ro-bind", source, sandbox_path]
    args += ["--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev", "--tmpfs", "/tmp"]
    args += ["--remount-ro", "/"]  # bwrap's root is a writable tmpfs shared by every job
    for name, value in job_environment(limits).items():
        args += ["--setenv", name, value]
    args += ["--setenv", "HOME", "/tmp", "--chdir", "/"]
    interpreter = _interpreter()
    config = {"limits": limits.for_job(), "env": job_environment(limits), "spares": spares}
    args += [interpreter, "-I", "-B", "-c", _BOOTSTRAP, str(control_fd), json.dumps(config)]
    return [*args, "--warm"] if warm else args


def unavailable_reason() -> str | None:
    """None if bubblewrap works here, else why not and how to fix it (blocking: ~20 ms)."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return f"bubblewrap (bwrap) is not installed. {INSTALL_HINT}"
    if ctypes.util.find_library("seccomp") is None:
        return "libseccomp is missing (Debian: `apt-get install libseccomp2`)."
    user = run_as()
    probe = launch(
        [bwrap, "--unshare-all", "--ro-bind", "/", "/", "--", "true"], user, staged=False
    )
    try:
        done = subprocess.run(probe, env={}, capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap could not be started ({exc}). {INSTALL_HINT}"
    if done.returncode != 0:
        detail = done.stderr.decode(errors="replace").strip()
        who = f" as the user {user.name}" if user else ""
        return f"bubblewrap cannot create namespaces{who} here ({detail}). {INSTALL_HINT}"
    return None
