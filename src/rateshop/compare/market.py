"""The market catalog: carriers, their groups, ratings, links and connectors."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rateshop.manual.source import safe_load


class Endpoint(BaseModel):
    """Where and how a live carrier's quoting service is asked (``connector: http`` or ``xml``).

    Secrets are never written here: the catalog names the environment variable that holds each
    (``key_env``, ``client_id_env``, ``client_secret_env``), and the base URL may be one too
    (``url_env``), so a catalog can name a sandbox or a test endpoint that is set per machine.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str | None = None
    url_env: str | None = None
    auth: Literal["none", "apikey", "oauth2"] = "none"
    key_env: str | None = None
    key_header: str = "X-Api-Key"
    client_id_env: str | None = None
    client_secret_env: str | None = None
    token_path: str = "/oauth/token"
    quote_path: str = "/quotes"
    mapping: str = "mapping.yaml"
    concurrency: int = Field(default=8, ge=1, le=256)
    call_deadline: float | None = Field(default=None, gt=0)
    may_requote: bool = False
    # The header carrying an idempotency key the carrier honours (e.g. Idempotency-Key): only
    # then may a quote request it may have taken be sent again.
    idempotency_header: str | None = None


class Carrier(BaseModel):
    """A carrier as the catalog describes it (sample data in the shipped market).

    ``connector`` names how its prices are obtained (``manual``, ``http``, ``xml`` or a connector
    an installed package registers); a live one has an ``endpoint``. ``folder`` is where its own
    files live (``<catalog folder>/carriers/<id>``), set when the catalog is read.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str
    group: str
    kind: str
    rating: str
    link: str
    connector: str
    writes: dict[str, list[str]]
    # How rateshop reaches the carrier is the operator's business: never in the public catalog.
    endpoint: Endpoint | None = Field(default=None, exclude=True)
    folder: Path | None = Field(default=None, exclude=True)


class Market(BaseModel):
    """Every carrier of the market by id."""

    carriers: dict[str, Carrier]

    @classmethod
    def load(cls, folder: Path, *more: Path) -> Market:
        """Read ``carriers.yaml`` from ``folder``, then each catalog file of ``more`` beside it.

        A further catalog (the live demo carriers, say) adds carriers; it may not redefine one.
        """
        carriers: dict[str, Carrier] = {}
        for catalog in (folder / "carriers.yaml", *more):
            data = safe_load(catalog.read_text(encoding="utf-8"))
            for entry in data["carriers"]:
                home = catalog.parent / "carriers" / str(entry.get("id"))
                carrier = Carrier(**{**entry, "folder": home})
                if carrier.id in carriers:
                    raise ValueError(f"{catalog}: carrier {carrier.id!r} is already in the market")
                carriers[carrier.id] = carrier
        return cls(carriers=carriers)

    def get(self, carrier_id: str) -> Carrier | None:
        return self.carriers.get(carrier_id)


# Financial-strength scale, best first, so ratings can be ranked.
RATING_ORDER = ["A++", "A+", "A", "A-", "B++", "B+", "B", "B-", "C++", "C+", "C", "C-"]


def rating_rank(rating: str) -> int:
    """Lower is stronger; unknown ratings rank last."""
    return RATING_ORDER.index(rating) if rating in RATING_ORDER else len(RATING_ORDER)
