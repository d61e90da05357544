"""Start bwrap as an unprivileged host user when the bot runs as root.

Run as `python -I -S _as_user.py CONFIG_JSON BWRAP_ARGV…`, as root. CONFIG has the target
`uid`/`gid` and the host `sources` bwrap must bind. That user may not be able to reach them
(a virtualenv under /root, which is 0700), and bwrap resolves bind sources by path as its own
user. So, in a mount namespace of its own (the host's mounts are untouched), this script
puts a small tmpfs over /tmp, binds each source at /tmp/studybot-binds/N, drops to the user
(no supplementary groups) and execs bwrap, which binds from there.

Standard library only, no `site`: it runs for every cold sandbox and every warm start.
"""

from __future__ import annotations

import ctypes
import json
import os
import sys

STAGE = "/tmp/studybot-binds"
_CLONE_NEWNS = 0x00020000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV = 1, 2, 4
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 32, 4096, 0x4000, 0x40000
_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    _check(
        _libc.mount(
            source.encode(),
            target.encode(),
            fstype.encode() if fstype else None,
            ctypes.c_ulong(flags),
            data.encode() if data else None,
        ),
        f"mount {target}",
    )


def staged_path(index: int) -> str:
    """Where source number `index` is seen by bwrap."""
    return f"{STAGE}/{index}"


def main(argv: list[str]) -> int:
    config = json.loads(argv[0])
    sources: list[str] = config["sources"]
    if sources:
        _check(_libc.unshare(_CLONE_NEWNS), "unshare")
        _mount("none", "/", None, _MS_REC | _MS_PRIVATE, None)
        # Opened in the new namespace (a bind from another one is refused) and before /tmp is
        # covered: a source may itself live under /tmp.
        handles = [os.open(path, os.O_PATH | os.O_DIRECTORY) for path in sources]
        _mount("studybot", "/tmp", "tmpfs", _MS_NOSUID | _MS_NODEV, "size=64k,mode=755")
        os.mkdir(STAGE, 0o755)
        for index, handle in enumerate(handles):
            target = staged_path(index)
            os.mkdir(target, 0o755)
            _mount(f"/proc/self/fd/{handle}", target, None, _MS_BIND | _MS_REC, None)
            flags = _MS_REMOUNT | _MS_BIND | _MS_RDONLY
            _mount("none", target, None, flags, None)
            os.close(handle)
    os.setgroups([])
    os.setgid(int(config["gid"]))
    os.setuid(int(config["uid"]))
    if os.getuid() == 0 or os.geteuid() == 0:
        raise SystemExit("refusing to start the sandbox as root")
    os.execv(argv[1], argv[1:])
    return 1  # not reached


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
