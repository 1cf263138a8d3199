"""Two records sharing one lock: transfers between accounts keep the sum invariant.

Run from the repository root::

    python examples/shared_lock.py

Two ``SharedAccount`` records are built with the same ``multiprocessing.RLock`` passed
as ``lock=``. A transfer opens ``update()`` on both (the lock is reentrant, so the
second ``update()`` nests inside the first): the debit and the credit are one atomic
step, and a transfer that would overdraw raises inside the block, so both accounts are
rolled back. Two processes transfer random amounts either way (every 100th transfer asks
for more money than exists, to show the rollback); a reader process holds the shared
lock while it reads both balances and checks that their sum never changes.

With a lock for each account instead, the reader could see money in flight, and two
transfers in opposite directions, each holding one account's lock and waiting for the
other's, would deadlock: one lock for both rules out both.

Exits 1 if the reader ever saw a wrong sum or the final balances do not add up.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.sharedctypes
import multiprocessing.synchronize
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for "import generated"

from generated.bank import SharedAccount

OPENING = 1_000_00  # cents in each account at the start
TRANSFERS = 5_000  # per transferring process
TOTAL = 2 * OPENING


class InsufficientFunds(Exception):
    pass


def transfer(source: SharedAccount, target: SharedAccount, amount: int) -> None:
    """Move ``amount`` cents in one step; raise, changing nothing, on overdraft."""
    with source.update() as debit, target.update() as credit:
        credit.balance += amount  # written first on purpose: the rollback undoes it
        credit.transfers += 1
        debit.balance -= amount
        debit.transfers += 1
        if debit.balance < 0:
            raise InsufficientFunds(f"{amount} cents would overdraw the account")


def transferrer(
    a: SharedAccount,
    b: SharedAccount,
    seed: int,
    start: multiprocessing.synchronize.Barrier,
    refused: multiprocessing.sharedctypes.Synchronized[int],
) -> None:
    rng = random.Random(seed)
    start.wait()
    for number in range(TRANSFERS):
        source, target = (a, b) if rng.random() < 0.5 else (b, a)
        amount = rng.randrange(1, OPENING // 100)
        if number % 100 == 99:
            amount = TOTAL + 1  # more than exists: refused, and rolled back
        try:
            transfer(source, target, amount)
        except InsufficientFunds:
            with refused.get_lock():
                refused.value += 1


def reader(
    a: SharedAccount,
    b: SharedAccount,
    lock: multiprocessing.synchronize.RLock,
    start: multiprocessing.synchronize.Barrier,
    stop: multiprocessing.synchronize.Event,
    checks: multiprocessing.sharedctypes.Synchronized[int],
    wrong: multiprocessing.sharedctypes.Synchronized[int],
) -> None:
    seen = bad = 0
    start.wait()
    while not stop.is_set() or seen == 0:
        with lock:  # the one lock guards both records: no transfer is half-seen
            first, second = a.snapshot(), b.snapshot()
        seen += 1
        if (
            first.balance + second.balance != TOTAL
            or min(first.balance, second.balance) < 0
        ):
            bad += 1
    checks.value, wrong.value = seen, bad


def main() -> int:
    lock = multiprocessing.RLock()
    a = SharedAccount(balance=OPENING, lock=lock)
    b = SharedAccount(balance=OPENING, lock=lock)
    assert a.get_lock() is b.get_lock() is lock

    refused = multiprocessing.Value("q", 0)
    checks = multiprocessing.Value("q", 0)
    wrong = multiprocessing.Value("q", 0)
    start = multiprocessing.Barrier(3)  # all three processes begin together
    stop = multiprocessing.Event()
    watcher = multiprocessing.Process(
        target=reader, args=(a, b, lock, start, stop, checks, wrong)
    )
    movers = [
        multiprocessing.Process(target=transferrer, args=(a, b, 1, start, refused)),
        multiprocessing.Process(target=transferrer, args=(a, b, 2, start, refused)),
    ]
    watcher.start()
    for process in movers:
        process.start()
    for process in movers:
        process.join()
    stop.set()
    watcher.join()

    first, second = a.snapshot(), b.snapshot()
    done = first.transfers  # every transfer, either way, touched both accounts
    print(
        f"transfers: {2 * TRANSFERS:,} tried, {done:,} done, "
        f"{refused.value:,} refused and rolled back"
    )
    print(
        f"balances:  a={first.balance:,} + b={second.balance:,} = "
        f"{first.balance + second.balance:,} (expected {TOTAL:,})"
    )
    print(f"reader:    {checks.value:,} checks of the sum, {wrong.value:,} wrong")

    failures = []
    if first.balance + second.balance != TOTAL:
        failures.append("the final balances do not add up")
    if first.transfers != second.transfers or done + refused.value != 2 * TRANSFERS:
        failures.append("transfer counts do not add up (a rollback went wrong)")
    if wrong.value or not checks.value:
        failures.append("the reader saw a wrong sum, or never checked")
    failures += [
        f"{process.name} exited with {process.exitcode}"
        for process in [watcher, *movers]
        if process.exitcode != 0
    ]
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    if failures:
        return 1
    print("OK: the sum never changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
