"""A seccomp blocklist built with libseccomp through ctypes (no compiler, no Python binding).

Built once in the warm interpreter, loaded in every job right before its code runs. The list
follows flatpak's and isolate's: kernel surfaces that are not namespaced or let a job escape
or attack its neighbours answer EPERM (or ENOSYS where callers must fall back), and every
socket family but AF_UNIX is refused. Syscalls of other ABIs (i386, x32) kill the process,
libseccomp's default for a foreign architecture.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno

from . import syscalls

_ACT_ALLOW = 0x7FFF0000
_CMP_NE = 1
_CMP_MASKED_EQ = 7
_AF_UNIX = 1
_TIOCSTI = 0x5412
_TIOCLINUX = 0x541C

# Calls refused with EPERM: namespaces and mounts, tracing, kernel keyrings, eBPF, perf,
# userfaultfd, module and system administration, cross-process memory access.
_EPERM = [
    "unshare",
    "setns",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "kcmp",
    "pidfd_getfd",
    "keyctl",
    "add_key",
    "request_key",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "syslog",
    "acct",
    "swapon",
    "swapoff",
    "reboot",
    "quotactl",
    "uselib",
    "open_by_handle_at",
    "name_to_handle_at",
    "lookup_dcookie",
    "fanotify_init",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "ioperm",
    "iopl",
    "mbind",
    "set_mempolicy",
    "migrate_pages",
    "move_pages",
    "vhangup",
    "nfsservctl",
]
# Calls refused with ENOSYS, so libraries take their fallback path: glibc retries clone3 as
# clone (whose flags we can filter; clone3's sit behind a pointer), io_uring users fall back
# to plain I/O, the new mount API does not exist.
_ENOSYS = [
    "clone3",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "open_tree",
    "move_mount",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
]


class _ArgCmp(ctypes.Structure):
    _fields_ = [
        ("arg", ctypes.c_uint),
        ("op", ctypes.c_int),
        ("datum_a", ctypes.c_uint64),
        ("datum_b", ctypes.c_uint64),
    ]


def _errno_action(code: int) -> int:
    return 0x00050000 | (code & 0xFFFF)


class SeccompFilter:
    """A compiled blocklist; `load()` applies it (with no_new_privs) to the calling thread."""

    def __init__(self) -> None:
        path = ctypes.util.find_library("seccomp") or "libseccomp.so.2"
        self._lib = ctypes.CDLL(path, use_errno=True)
        self._lib.seccomp_init.restype = ctypes.c_void_p
        self._lib.seccomp_init.argtypes = [ctypes.c_uint32]
        self._lib.seccomp_rule_add_array.argtypes = [
            ctypes.c_void_p,
            ctypes.c_uint32,
            ctypes.c_int,
            ctypes.c_uint,
            ctypes.POINTER(_ArgCmp),
        ]
        self._lib.seccomp_load.argtypes = [ctypes.c_void_p]
        self._lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
        self._ctx = self._lib.seccomp_init(_ACT_ALLOW)
        if not self._ctx:
            raise OSError("seccomp_init failed")
        for name in _EPERM:
            self._rule(_errno_action(errno.EPERM), name)
        for name in _ENOSYS:
            self._rule(_errno_action(errno.ENOSYS), name)
        # clone with any namespace flag: one rule per flag, as libseccomp ANDs conditions.
        for flag in (
            syscalls.CLONE_NEWUSER,
            syscalls.CLONE_NEWNS,
            syscalls.CLONE_NEWPID,
            syscalls.CLONE_NEWNET,
            syscalls.CLONE_NEWIPC,
            syscalls.CLONE_NEWUTS,
            syscalls.CLONE_NEWCGROUP,
        ):
            self._rule(_errno_action(errno.EPERM), "clone", _ArgCmp(0, _CMP_MASKED_EQ, flag, flag))
        for name in ("socket", "socketpair"):
            self._rule(_errno_action(errno.EAFNOSUPPORT), name, _ArgCmp(0, _CMP_NE, _AF_UNIX, 0))
        for request in (_TIOCSTI, _TIOCLINUX):
            self._rule(
                _errno_action(errno.EPERM),
                "ioctl",
                _ArgCmp(1, _CMP_MASKED_EQ, 0xFFFFFFFF, request),
            )

    def _rule(self, action: int, name: str, *conditions: _ArgCmp) -> None:
        number = self._lib.seccomp_syscall_resolve_name(name.encode())
        if number < 0:  # unknown on this architecture or libseccomp version
            return
        array = (_ArgCmp * max(1, len(conditions)))(*conditions)
        result = self._lib.seccomp_rule_add_array(self._ctx, action, number, len(conditions), array)
        if result != 0:
            raise OSError(-result, f"seccomp rule for {name}")

    def load(self) -> None:
        """Apply the filter to the calling process; irreversible."""
        result = self._lib.seccomp_load(self._ctx)
        if result != 0:
            raise OSError(-result, "seccomp_load")
