"""One risk against every carrier writing its line in its state: quotes, declines, errors, ranked."""

from __future__ import annotations

import asyncio
import datetime as dt
import math
from collections import deque
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Coroutine,
    Iterable,
    Mapping,
    Sequence,
)
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from functools import partial
from typing import Any, TypeVar

from rateshop.compare.connectors import Connector, Offer
from rateshop.compare.market import Market
from rateshop.compare.nearest import Substitution
from rateshop.compare.outcomes import (
    LiveDecline,
    LiveQuote,
    Pending,
    Referral,
    Status,
)
from rateshop.compare.ranking import Ranking, Standing, admits, order
from rateshop.errors import CarrierError, FieldProblem, RateshopError, RiskError
from rateshop.rating.quote import Decline, Quote
from rateshop.risk.questions import LINES

T = TypeVar("T")


@dataclass(slots=True)  # twenty or more per comparison, each kept while the others arrive
class Answer:
    """What one carrier said: a quote, a decline, a referral, pending, or failed (``error``).

    ``substitutions`` lists the options asked that the carrier does not offer, each with the
    nearest one it was quoted with instead; none means the cover is exactly as asked.
    ``connector`` is how the carrier was asked (``manual``, ``http``, ``xml`` …).
    """

    carrier: str
    carrier_name: str
    rating: str
    group: str
    quote: Quote | LiveQuote | None = None
    decline: Decline | LiveDecline | None = None
    error: str | None = None
    error_kind: str | None = None
    substitutions: tuple[Substitution, ...] = ()
    connector: str = "manual"
    referral: Referral | None = None
    pending: Pending | None = None

    @property
    def status(self) -> Status:
        """``quoted``, ``declined``, ``referred``, ``pending`` or ``failed``."""
        if self.quote is not None:
            return "quoted"
        if self.decline is not None:
            return "declined"
        if self.referral is not None:
            return "referred"
        if self.pending is not None:
            return "pending"
        return "failed"

    @property
    def like_for_like(self) -> bool:
        """Whether the answer is for exactly the cover asked."""
        return not self.substitutions

    def standing(self) -> Standing:
        """What ranking reads of this answer (a quote)."""
        return Standing(self.carrier, self.group, self.rating, annual(self), self.like_for_like)

    def to_dict(self, worksheet: bool = True) -> dict[str, Any]:
        """One carrier's answer as JSON-ready data."""
        out: dict[str, Any] = {
            "carrier": self.carrier,
            "carrier_name": self.carrier_name,
            "rating": self.rating,
            "group": self.group,
            "status": self.status,
            "connector": self.connector,
        }
        if self.quote is not None or self.decline is not None:
            out["like_for_like"] = self.like_for_like
            out["substitutions"] = [s.to_dict() for s in self.substitutions]
        if self.quote is not None:
            out["quote"] = self.quote.to_dict(worksheet)
        if self.decline is not None:
            out["decline"] = self.decline.to_dict()
        if self.referral is not None:
            out["referral"] = self.referral.to_dict()
        if self.pending is not None:
            out["pending"] = self.pending.to_dict()
        if self.error is not None:
            out["error"] = {
                "kind": self.error_kind,
                "message": failure_words(self.error_kind),
                "detail": self.error,
            }
        return out


# Why a carrier gave no price, by the kind of its failure: all an answer's message says. The
# carrier's or the engine's own text (a table name, a key, an expression) is the error's
# ``detail``, for agents and support; no shopper's page shows it.
FAILURE_WORDS = {
    "timeout": "did not answer in time",
    "auth": "could not be reached just now",
    "rate_limited": "is busy just now",
    "invalid_response": "answered with a price we could not check",
    "carrier_error": "could not give a price just now",
    "unavailable": "is unavailable just now",
    "bad_input": "could not price these answers",
}
NO_ANSWER = "did not answer"


def failure_words(kind: object) -> str:
    """A failed answer's kind in a shopper's words (never the carrier's or the engine's text)."""
    return FAILURE_WORDS.get(str(kind), NO_ANSWER)


@dataclass
class Comparison:
    """A risk's answers from every carrier, quotes ranked by annualised price."""

    line: str
    state: str
    effective: dt.date
    quotes: list[Answer] = field(default_factory=list)
    declines: list[Answer] = field(default_factory=list)
    # Every carrier without a price or a decline: referred, pending or failed (its ``status``).
    errors: list[Answer] = field(default_factory=list)

    def to_dict(
        self, worksheet: bool = True, made: Mapping[int, dict[str, Any]] | None = None
    ) -> dict[str, Any]:
        """The comparison as JSON-ready data (the shape the CLI prints and the store keeps).

        ``made`` holds answers already made into data, by the ``id`` of their :class:`Answer`
        (a stream makes each as it arrives); they are used as they are rather than made again.
        """
        made = made or {}

        def data(answers: list[Answer]) -> list[dict[str, Any]]:
            return [made.get(id(a)) or a.to_dict(worksheet) for a in answers]

        return {
            "line": self.line,
            "state": self.state,
            "effective": self.effective.isoformat(),
            "quotes": data(self.quotes),
            "declines": data(self.declines),
            "errors": data(self.errors),
        }

    def ranked(self, by: Ranking = "price") -> list[Answer]:
        """The quotes in the order of a ranking (see :func:`rateshop.compare.ranking.order`)."""
        key = order(by)
        return sorted(self.quotes, key=lambda a: key(a.standing()))

    def by_rating(self) -> list[Answer]:
        """Quotes ranked by carrier financial strength, then price."""
        return self.ranked("rating")

    def like_for_like(self) -> list[Answer]:
        """Quotes for exactly the cover asked first, then those on the nearest cover offered."""
        return self.ranked("like_for_like")

    def filtered(self, group: str | None = None, min_rating: str | None = None) -> Comparison:
        """The answers of carriers in ``group`` rated ``min_rating`` or better (None: any)."""

        def kept(answers: list[Answer]) -> list[Answer]:
            return [
                a
                for a in answers
                if admits(a.group, a.rating, only_group=group, min_rating=min_rating)
            ]

        return Comparison(
            self.line,
            self.state,
            self.effective,
            kept(self.quotes),
            kept(self.declines),
            kept(self.errors),
        )


def annual(answer: Answer) -> Fraction:
    """The exact yearly price of a quote, so 6- and 12-month terms compare fairly."""
    assert answer.quote is not None
    return answer.quote.yearly


def request_facts(risk: Mapping[str, Any]) -> tuple[str, str, dt.date]:
    """The line, state and effective date a risk asks for, checked."""
    problems = []
    line = risk.get("line")
    if line not in LINES:
        problems.append(
            FieldProblem("line", f"{line!r} is not a line we compare", ", ".join(LINES))
        )
    state = risk.get("state")
    if not isinstance(state, str) or len(state) != 2:
        problems.append(
            FieldProblem("state", f"{state!r} is not a state code", "two letters, e.g. TX")
        )
    effective = dt.date(1900, 1, 1)
    try:
        effective = dt.date.fromisoformat(str(risk.get("effective_date")))
    except ValueError:
        problems.append(
            FieldProblem(
                "effective_date", f"{risk.get('effective_date')!r} is not a date", "YYYY-MM-DD"
            )
        )
    if problems:
        raise RiskError(problems)
    assert isinstance(line, str)
    assert isinstance(state, str)
    return line, state.upper(), effective


DEFAULT_DEADLINE = 10.0  # seconds a comparison waits for the slowest live carrier


def _blank(conn: Connector, market: Market) -> Answer:
    """The answer of ``conn``'s carrier before it says anything: who it is, how it is asked."""
    info = market.get(conn.carrier)
    if info is None:
        return Answer(conn.carrier, conn.carrier, "", "")
    return Answer(conn.carrier, info.name, info.rating, info.group, connector=info.connector)


def _answered(answer: Answer, done: asyncio.Task[Offer]) -> Answer:
    """``answer`` with what a finished call of its connector said (its offer, or the error it
    raised); anything but rateshop's own errors is raised again."""
    exc = done.exception()
    if exc is None:
        settle(answer, done.result())
    elif isinstance(exc, RiskError):
        answer.error, answer.error_kind = str(exc), "bad_input"
    elif isinstance(exc, CarrierError):
        answer.error, answer.error_kind = str(exc), exc.kind
    elif isinstance(exc, RateshopError):
        answer.error, answer.error_kind = str(exc), "unavailable"
    else:
        raise exc
    return answer


async def _awaited(call: Awaitable[Offer]) -> Offer:
    return await call


async def _raising(exc: Exception) -> Offer:
    raise exc


def _call(
    conn: Connector, risk: Mapping[str, Any], facts: tuple[str, str, dt.date]
) -> Coroutine[Any, Any, Offer]:
    """The call of ``conn`` for ``risk``, as a coroutine for a task of its own (the connector's
    own coroutine, so no coroutine of ours wraps every carrier call)."""
    try:
        call = conn.quote_nearest(risk, *facts)
    except Exception as exc:  # raised before it was awaited: the task raises it
        return _raising(exc)
    return call if asyncio.iscoroutine(call) else _awaited(call)


# The kinds of a quote and of a decline, made once rather than as a union on every answer.
_QUOTES = (LiveQuote, Quote)
_DECLINES = (LiveDecline, Decline)


def settle(answer: Answer, offer: Offer) -> None:
    """Put a connector's offer on the answer, in the field of its kind."""
    got = offer.answer
    answer.substitutions = offer.substitutions
    if isinstance(got, _QUOTES):
        answer.quote = got
    elif isinstance(got, _DECLINES):
        answer.decline = got
    elif isinstance(got, Referral):
        answer.referral = got
    elif isinstance(got, Pending):
        answer.pending = got
    else:
        answer.error, answer.error_kind = got.message, got.kind


class _Asking:
    """Every connector asked at once for one risk, each in a task; one timer for the deadline.

    At the deadline every carrier still asked is failed ``timeout`` and its call cancelled,
    whether or not its connector lets go at once. ``wake`` is called as answers arrive: for
    each one when a stream waits for it, or once all are in when the whole comparison waits.

    A call's answer is made as its task ends, and the task let go of then: neither it nor the
    connector's offer stays alive while the other carriers are awaited (a comparison would
    otherwise keep both for each carrier, and the collector walk them, until the slowest answers).
    """

    def __init__(
        self,
        risk: Mapping[str, Any],
        connectors: Sequence[Connector],
        market: Market,
        deadline: float,
        facts: tuple[str, str, dt.date],
    ) -> None:
        self.loop = loop = asyncio.get_running_loop()
        self.market, self.deadline = market, deadline
        # Answers queue here as their calls end (asyncio.as_completed would make a queue, a
        # callback and a coroutine per carrier instead).
        self.finished: deque[Answer] = deque()
        self.count = len(connectors)
        # An error that is not rateshop's, raised by a call: raised again to whoever waits.
        self.raised: BaseException | None = None
        self.waiting: asyncio.Future[None] | None = None
        self.wake_each = True
        # The calls still running, with their connectors.
        self.tasks: dict[asyncio.Task[Offer], Connector] = {}
        for conn in connectors:
            task = loop.create_task(_call(conn, risk, facts))
            task.add_done_callback(self._arrived)
            self.tasks[task] = conn
        self.timer = loop.call_later(deadline, self._expire)

    def _arrived(self, task: asyncio.Task[Offer]) -> None:
        conn = self.tasks.pop(task, None)
        if conn is None:  # given up on at the deadline, or the comparison is closed
            return
        try:
            self.finished.append(_answered(_blank(conn, self.market), task))
        except BaseException as exc:  # not rateshop's: the caller's to see
            self.raised = exc
            self._wake()
            return
        if self.wake_each or len(self.finished) == self.count:
            self._wake()

    def _wake(self) -> None:
        if self.waiting is not None and not self.waiting.done():
            self.waiting.set_result(None)

    def _expire(self) -> None:
        tasks, self.tasks = self.tasks, {}
        for task, conn in tasks.items():
            answer = _blank(conn, self.market)
            answer.error = f"no answer within {self.deadline:g} s"
            answer.error_kind = "timeout"
            self.finished.append(answer)
            task.cancel()
        self._wake()

    async def wait(self, count: int) -> None:
        """Until at least ``count`` carriers are accounted for."""
        while len(self.finished) < count:
            if self.raised is not None:
                raise self.raised
            self.waiting = self.loop.create_future()
            await self.waiting
        if self.raised is not None:
            raise self.raised

    def close(self) -> None:
        """Stop the timer and every call still running."""
        self.timer.cancel()
        tasks, self.tasks = self.tasks, {}
        for task in tasks:
            task.cancel()


async def stream(
    risk: Mapping[str, Any],
    connectors: Sequence[Connector],
    market: Market,
    deadline: float = DEFAULT_DEADLINE,
) -> AsyncIterator[Answer]:
    """Each carrier's answer as soon as it arrives; the wait is the slowest, not the sum.

    A carrier that has not answered within ``deadline`` seconds is failed with kind ``timeout``
    at the deadline (its call is cancelled), whether or not its connector lets go at once.
    """
    asking = _Asking(risk, connectors, market, deadline, request_facts(risk))
    try:
        for _ in range(asking.count):
            await asking.wait(1)
            yield asking.finished.popleft()
    finally:
        asking.close()


# A year of cover's price times this is a whole number for every term of 1 to 36 months and any
# amount to the millionth: the price is then compared as an integer, exactly.
_YEAR_SCALE = math.lcm(*range(1, 37)) * 10**6


def price_key(quote: Quote | LiveQuote) -> int | Fraction:
    """The exact yearly price of a quote times :data:`_YEAR_SCALE`, as an integer when it is one
    (nearly always: a price in cents, a term of whole months), as a fraction otherwise.

    Either compares exactly with the other, so quotes order as their :attr:`yearly` prices do,
    and a comparison's sort makes no fraction for a price in cents.
    """
    numerator, denominator = quote.total.as_integer_ratio()
    denominator *= quote.term_months
    if _YEAR_SCALE % denominator == 0:
        return numerator * 12 * (_YEAR_SCALE // denominator)
    return Fraction(numerator * 12 * _YEAR_SCALE, denominator)


def _cheapest_first(answer: Answer) -> tuple[int | Fraction, str]:
    assert answer.quote is not None
    return price_key(answer.quote), answer.carrier


def collect(facts: tuple[str, str, dt.date], answers: Iterable[Answer]) -> Comparison:
    """Sort answers into a ranked comparison (ties by carrier id, so the order is stable)."""
    result = Comparison(*facts)
    for answer in answers:
        if answer.quote is not None:
            result.quotes.append(answer)
        elif answer.decline is not None:
            result.declines.append(answer)
        else:
            result.errors.append(answer)
    result.quotes.sort(key=_cheapest_first)
    result.declines.sort(key=lambda a: a.carrier)
    result.errors.sort(key=lambda a: a.carrier)
    return result


async def compare_async(
    risk: Mapping[str, Any],
    connectors: Sequence[Connector],
    market: Market,
    deadline: float = DEFAULT_DEADLINE,
) -> Comparison:
    """Ask every connector for ``risk`` concurrently and rank the answers.

    The same asking as :func:`stream`, woken once when every carrier is accounted for.
    """
    facts = request_facts(risk)
    asking = _Asking(risk, connectors, market, deadline, facts)
    asking.wake_each = False
    try:
        await asking.wait(asking.count)
        return collect(facts, asking.finished)
    finally:
        asking.close()


def compare(
    risk: Mapping[str, Any],
    connectors: Sequence[Connector],
    market: Market,
    deadline: float = DEFAULT_DEADLINE,
) -> Comparison:
    """Blocking form of :func:`compare_async` for library users and the command line.

    Called where an event loop already runs in this thread (a notebook, an async test), it runs
    the comparison on a loop of its own in a worker thread rather than failing.
    """
    return run_blocking(partial(compare_async, risk, connectors, market, deadline))


def run_blocking(work: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``work()`` run to its end on a loop of its own: here, or in a worker thread when this
    thread already runs a loop (a notebook, an async test)."""
    # The result is handed out through ``kept``, not as the main task's: when asyncio.run puts
    # back the Ctrl-C handler it had set, the signal module builds the repr of that handler, and
    # with it of the task and its result (a whole comparison's dataclasses: about a millisecond).
    kept: list[T] = []

    async def main() -> None:
        kept.append(await work())

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(main())
    else:
        with ThreadPoolExecutor(1) as pool:
            pool.submit(lambda: asyncio.run(main())).result()
    return kept[0]
