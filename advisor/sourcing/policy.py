"""The source policy: which hosts publish primary text, which sites are never support (catalog/sources.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from advisor.errors import DataError
from advisor.rules.catalog import CATALOG_DIR
from advisor.rules.registry import read_yaml


@dataclass(frozen=True)
class SourcePolicy:
    """Primary hosts and unreliable sites, each matched on the host name or a parent domain of it."""

    primary_hosts: tuple[str, ...]
    unreliable: dict[str, str]

    def unreliable_reason(self, url: str | None) -> str | None:
        """Why a URL may not be cited (None when it may)."""
        host = _host(url)
        return next((why for site, why in self.unreliable.items() if _under(host, site)), None)

    def is_primary_url(self, url: str | None) -> bool:
        """A page on a CMS, HHS/OIG or Medicare contractor host: the policy's own text."""
        host = _host(url)
        return any(_under(host, site) for site in self.primary_hosts)


def _host(url: str | None) -> str:
    return (urlsplit(url).hostname or "").rstrip(".").lower() if url else ""


def _under(host: str, site: str) -> bool:
    return bool(host) and (host == site or host.endswith("." + site))


@lru_cache(maxsize=4)
def load_policy(directory: Path = CATALOG_DIR) -> SourcePolicy:
    """Read the policy once per catalog directory; DataError when sources.yaml lacks it."""
    raw = read_yaml(directory / "sources.yaml")
    hosts, unreliable = raw.get("primary_hosts"), raw.get("unreliable")
    if not isinstance(hosts, list) or not isinstance(unreliable, dict):
        raise DataError("sources.yaml needs `primary_hosts` (a list) and `unreliable` (host: reason)", "sources.yaml")
    return SourcePolicy(primary_hosts=tuple(str(h).lower() for h in hosts),
                        unreliable={str(k).lower(): str(v) for k, v in unreliable.items()})
