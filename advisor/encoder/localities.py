"""The Medicare payment localities of the imported GPCI file (PFS Addendum E): the one resolver every locality input
goes through (the estimate, Quick check, the chat request, `advisor ask --locality`) and the list a user picks from
(GET /api/localities, `advisor localities`, the chat page's selector).

A locality is named by MAC-locality (01182-18, the key shown back), by state and locality number (CA-18) or by a
part of its name only one locality has (manhattan). Without the GPCI file there is nothing to choose from: a
Conflict (409) saying how to import it, since no input could be right.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from advisor.data.tables import GpciEntry
from advisor.encoder.model import Origin
from advisor.encoder.scope import Scope
from advisor.errors import Conflict, InvalidInput
from advisor.rules.catalog import Catalog

LIST_HINT = "`advisor localities` or GET /api/localities lists them all"


class Locality(BaseModel):
    """The Medicare locality an estimate is priced for, with its geographic practice cost indices."""

    key: str = Field(description="MAC-locality, e.g. 01182-18: what `locality` accepts back.")
    mac: str
    state: str
    locality: str
    name: str
    pw_gpci: float
    pe_gpci: float
    mp_gpci: float
    origin: Origin


class LocalityList(BaseModel):
    """GET /api/localities: every locality of the GPCI file in effect on the date (empty, with a notice, when none is
    imported: estimates are then national)."""

    date: date
    table: str | None = Field(None, description="The GPCI table version, e.g. CMS GPCI 2026; None: not imported.")
    localities: list[Locality]
    notice: str | None = None


def shown(place: GpciEntry, scope: Scope) -> Locality:
    """A locality of the file as the API shows it, with the table version it comes from."""
    return Locality(key=place.key, mac=place.mac, state=place.state, locality=place.locality, name=place.name,
                    pw_gpci=place.pw, pe_gpci=place.pe, mp_gpci=place.mp, origin=scope.imported(place.version))


def list_localities(catalog: Catalog, on: date | None = None) -> LocalityList:
    """The localities a user can choose on the date of service (today by default)."""
    scope = Scope.of(catalog, on, [])
    places = scope.tables.localities(scope.day) if scope.tables is not None else []
    if not places:
        return LocalityList(date=scope.day, localities=[], notice=(
            "No GPCI file is imported, so estimates are national: import the CMS GPCI file (PFS Addendum E, "
            "GPCI2026.csv in the RVU zip) with `advisor data import` to price a locality."))
    return LocalityList(date=scope.day, table=places[0].version.table, localities=[shown(p, scope) for p in places])


def find_locality(scope: Scope, wanted: str) -> GpciEntry:
    """The locality a user named: MAC-locality (01182-18), state and locality number (CA-18, CA 18) or a part of
    its name that only one locality has (manhattan). InvalidInput (422) naming close choices and how to list them
    all; Conflict (409) when no GPCI file is imported."""
    places = scope.tables.localities(scope.day) if scope.tables is not None else []
    if not places:
        raise Conflict("a locality needs the CMS GPCI file (PFS Addendum E, GPCI2026.csv in the RVU zip): import it "
                       "with `advisor data import`, or leave out the locality for national amounts", "locality")
    text = " ".join(wanted.split()).upper()
    if not text:
        raise InvalidInput("locality is empty: give MAC-locality (01182-18), state and locality (CA-18) or a name; "
                           f"{LIST_HINT}", "locality")
    compact = text.replace(" ", "-")
    found = [p for p in places if compact in (p.key, f"{p.state}-{p.locality}")]
    if not found:
        found = [p for p in places if text in p.name.upper()]
    if len(found) == 1:
        return found[0]
    in_state = [p for p in places if p.state == text[:2]]
    choices = found or in_state or places
    options = ", ".join(f"{p.key} ({p.state} {p.name})" for p in choices[:8]) + (" ..." if len(choices) > 8 else "")
    what = ("names several localities" if found or (in_state and text == text[:2]) else
            f"is no locality of the {places[0].version.table} file")
    raise InvalidInput(f"locality {wanted!r} {what}; give MAC-locality, e.g. {options} ({LIST_HINT})", "locality")


def checked_locality(catalog: Catalog, wanted: str, on: date | None = None) -> str:
    """A request's locality as its MAC-locality key, checked before any work is done (the chat request)."""
    return find_locality(Scope.of(catalog, on, []), wanted).key


__all__ = ["LIST_HINT", "Locality", "LocalityList", "checked_locality", "find_locality", "list_localities", "shown"]
