"""Hostile job sources shared by the sandbox tests and the grading tests."""

# Signals every pid and process group it can name (-1, its parent, 1–400), its own group last;
# the signal number is argv[1].
SIGNAL_ATTACK = """
import os, sys
sig = int(sys.argv[1])
me, group = os.getpid(), os.getpgrp()
for target in [-1, os.getppid(), *range(1, 400)]:
    if target != me:
        try:
            os.kill(target, sig)
        except OSError:
            pass
for target in range(1, 400):
    if target != group:
        try:
            os.killpg(target, sig)
        except OSError:
            pass
os.kill(0, sig)
print('still here')
"""
