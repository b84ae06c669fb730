"""Reconciliation: where the curated tables (codes.yaml mue/mai/global/bilateral, ptp.yaml pairs) disagree with the
imported CMS tables, for the codes in the catalog, so the curated rows can be corrected and their confidence marks set.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date

from advisor.data.detect import MUE, PTP, RVU
from advisor.data.tables import ImportedTables
from advisor.rules.catalog import Catalog


@dataclass
class Difference:
    kind: str  # differs | missing_in_cms | missing_in_curated | confirm (agrees; curated mark is not 'confirmed')
    field: str  # mue | mai | global | bilateral | ptp
    codes: str
    curated: str
    imported: str
    table: str
    confidence: str = ""

    def line(self) -> str:
        conf = f" [{self.confidence}]" if self.confidence else ""
        return (f"{self.kind:<18} {self.field:<9} {self.codes:<13} curated: {self.curated}{conf}  "
                f"{self.table}: {self.imported}")

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


def diff(catalog: Catalog, tables: ImportedTables, dos: date | None = None) -> list[Difference]:
    """Every disagreement (and every agreement the curated data does not yet mark confirmed) for the catalog's codes."""
    out: list[Difference] = []
    codes = sorted(catalog.codes)
    mues = tables.mue_many(codes, dos)
    rvus = tables.mpfs_many(codes, dos)
    mue_v, rvu_v, ptp_v = tables.version_for(MUE, dos), tables.version_for(RVU, dos), tables.version_for(PTP, dos)

    def compare(field: str, code: str, mine: object, theirs: object | None, table: str) -> None:
        conf = catalog.codes[code].prov(field).confidence
        if theirs is None:
            out.append(Difference("missing_in_cms", field, code, str(mine), "-", table, conf))
        elif str(mine) != str(theirs):
            out.append(Difference("differs", field, code, str(mine), str(theirs), table, conf))
        elif conf != "confirmed":
            out.append(Difference("confirm", field, code, str(mine), str(theirs), table, conf))

    for code in codes:
        info = catalog.codes[code]
        if mue_v is not None:
            entry = mues.get(code)
            compare("mue", code, info.mue, entry.value if entry else None, mue_v.table)
            compare("mai", code, info.mai, entry.mai if entry else None, mue_v.table)
        if rvu_v is not None:
            row = rvus.get(code)
            compare("global", code, info.global_days, row.global_days if row else None, rvu_v.table)
            compare("bilateral", code, info.bilateral, row.bilateral if row else None, rvu_v.table)
    if ptp_v is not None:
        cms = tables.ptp_among(codes, dos)
        for (col1, col2), pair in sorted(catalog.pairs.items()):
            edit = cms.get((col1, col2))
            reverse = cms.get((col2, col1))
            name = f"{col1}/{col2}"
            if edit is None and reverse is not None:
                out.append(Difference("differs", "ptp", name, f"col1 {col1}, MI {pair.mi}",
                                      f"col1 {col2}, MI {reverse.mi}", ptp_v.table, pair.confidence))
            elif edit is None:
                if ptp_v.covers(col1) and ptp_v.covers(col2):
                    out.append(Difference("missing_in_cms", "ptp", name, f"MI {pair.mi}", "no edit in effect",
                                          ptp_v.table, pair.confidence))
            elif edit.mi != pair.mi:
                out.append(Difference("differs", "ptp", name, f"MI {pair.mi}", f"MI {edit.mi}", ptp_v.table,
                                      pair.confidence))
            elif pair.confidence != "confirmed":
                out.append(Difference("confirm", "ptp", name, f"MI {pair.mi}", f"MI {edit.mi}", ptp_v.table,
                                      pair.confidence))
        curated_pairs = {frozenset(p) for p in catalog.pairs}
        for (col1, col2), edit in sorted(cms.items()):
            if frozenset((col1, col2)) not in curated_pairs and edit.mi != 9:
                out.append(Difference("missing_in_curated", "ptp", f"{col1}/{col2}", "-",
                                      f"MI {edit.mi} ({edit.rationale})", ptp_v.table))
    return out
