"""What the system tests' checkers share: one ok/FAIL line per check, and the verdict."""
import sys

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def finish(name, details=""):
    """Exits non-zero when a check failed, printing `details` (logs) first."""
    if failures:
        if details:
            print(details)
        print(f"{len(failures)} {name} checks failed")
        sys.exit(1)
    print(f"{name}: all checks passed")
