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

import json
import os
import sys

if __package__:
    from ._inside import syscalls
else:  # run by path with -I -S: the package is not importable; -I leaves out our folder
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from _inside import syscalls  # type: ignore[no-redef,import-not-found]

STAGE = "/tmp/studybot-binds"


def staged_path(index: int) -> str:
    """Where source number `index` is seen by bwrap."""
    return f"{STAGE}/{index}"


def main(argv: list[str]) -> int:
    config = json.loads(argv[0])
    sources: list[str] = config["sources"]
    if sources:
        syscalls.unshare(syscalls.CLONE_NEWNS)
        syscalls.mount("none", "/", None, syscalls.MS_REC | syscalls.MS_PRIVATE, None)
        # Opened in the new namespace (a bind from another one is refused) and before /tmp is
        # covered: a source may itself live under /tmp.
        handles = [os.open(path, os.O_PATH | os.O_DIRECTORY) for path in sources]
        flags = syscalls.MS_NOSUID | syscalls.MS_NODEV
        syscalls.mount("studybot", "/tmp", "tmpfs", flags, "size=64k,mode=755")
        os.mkdir(STAGE, 0o755)
        for index, handle in enumerate(handles):
            target = staged_path(index)
            os.mkdir(target, 0o755)
            bind = syscalls.MS_BIND | syscalls.MS_REC
            syscalls.mount(f"/proc/self/fd/{handle}", target, None, bind, None)
            read_only = syscalls.MS_REMOUNT | syscalls.MS_BIND | syscalls.MS_RDONLY
            syscalls.mount("none", target, None, read_only, None)
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
