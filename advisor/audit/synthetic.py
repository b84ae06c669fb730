"""Synthetic claim-line exports (pseudonymous, random) for tests and the audit benchmark. No real patient data."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from advisor.claims import parse_line

HEADER = ("claim_id", "patient_id", "rendering_provider", "dos", "cpt", "modifiers", "units", "payer", "pos", "dx",
          "claim_type")


@dataclass
class ClaimFile:
    """Builds a CSV export: `add(...)` one claim (several lines) at a time."""

    header: tuple[str, ...] = HEADER
    rows: list[list[str]] = field(default_factory=list)
    _next: int = 1

    def add(self, patient: str, provider: str, dos: date, lines: list[str], payer: str = "Medicare Part B",
            pos: str = "11", claim_id: str | None = None, dx: str = "M47.816", claim_type: str = "") -> str:
        cid = claim_id or f"C{self._next:07d}"
        self._next += 1
        for text in lines:
            line = parse_line(text)
            self.rows.append([cid, patient, provider, dos.strftime("%m/%d/%Y"), line.code, "-".join(line.modifiers),
                              str(line.units), payer, pos, dx, claim_type])
        return cid

    def to_bytes(self, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
        out = io.StringIO()
        writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
        writer.writerow(self.header)
        writer.writerows(self.rows)
        return out.getvalue().encode(encoding)


START = date(2025, 1, 6)


def clean_panel(cf: ClaimFile | None = None, providers: int = 3, patients: int = 30, seed: int = 7) -> ClaimFile:
    """A practice with no panel pattern: 25 on few injection days, sessions within the LCD limits, clean claims."""
    rng = random.Random(seed)
    cf = cf or ClaimFile()
    for p in range(patients):
        patient = f"PT{p:05d}"
        provider = f"DR{p % providers:02d}"
        kind = p % 6
        day = START + timedelta(days=rng.randrange(0, 20))
        if kind == 0:  # lumbar TFESI, 3 sessions a year, one follow-up visit without procedure
            for k in range(3):
                cf.add(patient, provider, day + timedelta(days=110 * k), ["64483", "64484"])
            cf.add(patient, provider, day + timedelta(days=30), ["99213"])
        elif kind == 1:  # diagnostic MBBs then bilateral RFA, follow-up after the global
            cf.add(patient, provider, day, ["64493-50-KX", "64494-50-KX"])
            cf.add(patient, provider, day + timedelta(days=21), ["64493-50-KX", "64494-50-KX"])
            cf.add(patient, provider, day + timedelta(days=50), ["64635-50", "64636-50"])
            cf.add(patient, provider, day + timedelta(days=80), ["99213"])
        elif kind == 2:  # trigger points 3 times a year, 4 months apart
            for k in range(3):
                cf.add(patient, provider, day + timedelta(days=120 * k), ["20553"])
        elif kind == 3:  # knee injections, 20610 mostly, one separate-problem E/M
            cf.add(patient, provider, day, ["20610-RT"])
            cf.add(patient, provider, day + timedelta(days=90), ["99214-25", "20610-RT"])
            cf.add(patient, provider, day + timedelta(days=200), ["20611-RT"])
        elif kind == 4:  # knee + trigger points same day, different site with XS
            cf.add(patient, provider, day, ["20610-LT", "20552-XS"])
            cf.add(patient, provider, day + timedelta(days=150), ["20610-LT"])
        else:  # SI joint: 2 diagnostic, then therapeutic; interlaminar cervical ESI
            cf.add(patient, provider, day, ["27096-KX"])
            cf.add(patient, provider, day + timedelta(days=20), ["27096-KX"])
            cf.add(patient, provider, day + timedelta(days=100), ["27096"])
            cf.add(patient, provider, day + timedelta(days=40), ["62321"])
    return cf


def planted_panel(seed: int = 11) -> tuple[ClaimFile, dict[str, str]]:
    """A clean practice plus one planted instance of every pattern; returns the file and the planted subjects."""
    cf = clean_panel(seed=seed)
    # provider DR25 bills E/M-25 on 19 of 20 injection days
    for k in range(20):
        lines = ["99213-25", "20610-RT"] if k < 19 else ["20610-RT"]
        cf.add(f"PM{k:03d}", "DR25", START + timedelta(days=7 * k), lines)
    # patient PTTPI: trigger points every 3 weeks
    for k in range(6):
        cf.add("PTTPI", "DR00", START + timedelta(days=21 * k), ["20552"])
    # patient PTESI: fifth lumbar ESI session within 12 months (cervical sessions separate)
    for k in range(5):
        cf.add("PTESI", "DR01", START + timedelta(days=60 * k), ["62323"])
    cf.add("PTESI", "DR01", START + timedelta(days=10), ["62321"])
    # RT/LT pair for a bilateral facet on a Medicare office claim
    cf.add("PTRTLT", "DR02", START + timedelta(days=3), ["64493-RT", "64493-LT"])
    # 20611 with 76942
    cf.add("PTUS", "DR01", START + timedelta(days=4), ["20611-LT", "76942"])
    # E/M 5 days after 64635
    cf.add("PTGLOB", "DR00", START + timedelta(days=30), ["64635-50"])
    cf.add("PTGLOB", "DR00", START + timedelta(days=35), ["99213"])
    # 59 where XS fits
    cf.add("PT59", "DR02", START + timedelta(days=8), ["20610-RT", "20552-59"])
    # add-on without primary
    cf.add("PTADD", "DR01", START + timedelta(days=9), ["64494"])
    # facet third level and three transforaminal levels
    cf.add("PTLVL", "DR02", START + timedelta(days=12), ["64493", "64494", "64495"])
    cf.add("PTTF", "DR02", START + timedelta(days=13), ["64483", "64484 x2"])
    planted = {
        "MOD25-RATE": "provider DR25", "TPI-CADENCE": "patient PTTPI", "LCD-SESSIONS": "patient PTESI",
        "BILATERAL-RTLT": "provider DR02", "US-20611": "provider DR01", "EM-IN-GLOBAL": "provider DR00",
        "MOD59-XS": "provider DR02", "ADDON-ALONE": "provider DR01", "LEVELS": "provider DR02",
    }
    return cf, planted


def bulk_panel(lines: int = 100_000, seed: int = 3, providers: int = 25) -> ClaimFile:
    """About `lines` claim lines of a mixed pain practice over two years (for the benchmark)."""
    rng = random.Random(seed)
    cf = ClaimFile()
    templates = [
        ["99213-25", "20610-RT"], ["64483", "64484"], ["64493-50-KX", "64494-50-KX"], ["64635-50", "64636-50"],
        ["20553"], ["62323"], ["27096-KX"], ["99214"], ["20611-LT"], ["20610-RT", "20552-59"], ["64493-RT", "64493-LT"],
        ["20611", "76942"], ["64479", "64480 x2"], ["99204-25", "20552"], ["G0260-RT", "G0260-LT"], ["64494"],
    ]
    n_patients = max(1, lines // 12)
    while len(cf.rows) < lines:
        p = rng.randrange(n_patients)
        tpl = templates[rng.randrange(len(templates))]
        pos = "24" if tpl[0] == "G0260-RT" else rng.choice(("11", "11", "11", "22"))
        cf.add(f"PT{p:06d}", f"DR{p % providers:02d}", START + timedelta(days=rng.randrange(730)), tpl,
               payer=rng.choice(("Medicare", "MCR", "Aetna PPO", "BCBS")), pos=pos)
    return cf


def compact_export(rows: int = 1_000_000, seed: int = 5) -> bytes:
    """A large export with only the required columns and short values (~25 bytes a row): claims of one to three
    lines for many patients over two years, for the audit's large-file benchmark."""
    rng = random.Random(seed)
    templates = (("64483", "64484"), ("20610",), ("64493", "64494"), ("99213", "20552"), ("62323",), ("99214",),
                 ("20611", "76942"), ("27096",), ("G0260",))
    out = ["claim,patient,provider,dos,code"]
    n_patients = max(1, rows // 10)
    claim = 0
    while len(out) <= rows:
        claim += 1
        p = rng.randrange(n_patients)
        dos = (START + timedelta(days=rng.randrange(730))).strftime("%Y%m%d")
        for code in templates[rng.randrange(len(templates))]:
            out.append(f"C{claim:x},P{p:x},D{p % 40},{dos},{code}")
    return ("\n".join(out[: rows + 1]) + "\n").encode()
