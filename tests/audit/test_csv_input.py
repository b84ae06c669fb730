"""Reading claim exports: header synonyms, value mapping, malformed rows, encodings, delimiters, bad files."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor.audit.csv_input import UploadTooLarge, map_claim_type, map_payer, parse_date, read_csv
from advisor.errors import AdvisorError, InvalidInput
from advisor.rules.model import ClaimType, Payer

GOOD = (
    "claim_id,patient_id,provider,dos,code,modifiers,units,payer,pos\n"
    "C1,P1,D1,2025-03-14,99213,25,1,Medicare,11\n"
    "C1,P1,D1,2025-03-14,20610,RT,1,Medicare,11\n"
)


def test_reads_a_plain_file() -> None:
    parsed = read_csv(GOOD.encode())
    assert [r.code for r in parsed.rows] == ["99213", "20610"]
    assert parsed.rows[0].claim_line.modifiers == ("25",)
    assert parsed.rows[0].dos == date(2025, 3, 14) and parsed.rows[0].line == 2
    assert parsed.errors == [] and parsed.delimiter == ","


def test_header_synonyms_case_and_spacing() -> None:
    text = ("Claim Number;MRN;NPI;Service Date;HCPCS;Mods;Qty;Insurance;Place of Service;Dx\n"
            "A-7;X9;1234567890;03/14/2025;64493;50;1;Medicare Advantage;24;M47.816\n")
    parsed = read_csv(text.encode())
    row = parsed.rows[0]
    assert (row.claim_id, row.patient_id, row.provider) == ("A-7", "X9", "1234567890")
    assert row.payer is Payer.MEDICARE and row.diagnoses == ("M47.816",)
    assert row.pos == "24" and row.claim_type is ClaimType.PROFESSIONAL  # POS 24 stays POS: the physician's claim
    assert parsed.columns["provider"] == "NPI" and parsed.delimiter == ";"


@pytest.mark.parametrize("mods,expected", [("25;XS", ("25", "XS")), ("RT,XS", ("RT", "XS")), ("RT XS", ("RT", "XS")),
                                           ("rt-xs", ("RT", "XS")), ("", ())])
def test_modifier_separators(mods: str, expected: tuple[str, ...]) -> None:
    text = f'claim,patient,npi,dos,cpt,modifiers\nC1,P1,D1,2025-01-02,20610,"{mods}"\n'
    assert read_csv(text.encode()).rows[0].claim_line.modifiers == expected


@pytest.mark.parametrize("value,expected", [
    ("medicare", Payer.MEDICARE), ("MCR", Payer.MEDICARE), ("Medicare Part B", Payer.MEDICARE), ("MA", Payer.MEDICARE),
    ("Humana Medicare Advantage", Payer.MEDICARE), ("Aetna PPO", Payer.COMMERCIAL), ("Medicaid", Payer.COMMERCIAL),
    ("", Payer.MEDICARE),
])
def test_payer_mapping(value: str, expected: Payer) -> None:
    assert map_payer(value, Payer.MEDICARE) is expected


@pytest.mark.parametrize("value,expected", [
    ("professional", ClaimType.PROFESSIONAL), ("office", ClaimType.PROFESSIONAL), ("ASC", ClaimType.ASC),
    ("hospital_outpatient", ClaimType.HOSPITAL_OUTPATIENT), ("facility", ClaimType.HOSPITAL_OUTPATIENT),
    ("HOPD", ClaimType.HOSPITAL_OUTPATIENT), ("", ClaimType.PROFESSIONAL)])
def test_claim_type_mapping(value: str, expected: ClaimType) -> None:
    assert map_claim_type(value) is expected


def test_a_place_of_service_is_not_a_claim_type() -> None:
    with pytest.raises(ValueError, match="place of service"):
        map_claim_type("24")


@pytest.mark.parametrize("text", ["2025-03-14", "03/14/2025", "3/14/25", "20250314", "14.03.2025",
                                  "2025-03-14 00:00:00"])
def test_dates(text: str) -> None:
    assert parse_date(text) == date(2025, 3, 14)


def test_missing_column_names_it_and_the_accepted_names() -> None:
    with pytest.raises(InvalidInput) as err:
        read_csv(b"claim_id,patient_id,dos,code\nC1,P1,2025-01-01,20610\n")
    assert "'provider'" in err.value.message and "rendering_provider" in err.value.message and "npi" in err.value.message


def test_malformed_rows_are_listed_and_the_rest_is_read() -> None:
    text = GOOD + (
        "C2,P2,D1,2025-02-30,20610,,1,Medicare,11\n"      # line 4: bad date
        "C3,P2,D1,2025-03-01,ABCDE,,1,Medicare,11\n"      # line 5: bad code
        "C4,P2,D1,2025-03-01,20610,,two,Medicare,11\n"    # line 6: bad units
        "C5,P2,D1,2025-03-01,20610,ZZZ,1,Medicare,11\n"   # line 7: bad modifier
        ",P2,D1,2025-03-01,20610,,1,Medicare,11\n"        # line 8: empty claim id
        "C6,P2,D1,2025-03-01,20552,,1,Medicare,X9\n"      # line 9: not a POS code
        "C7,P3,D1,2025-03-02,20552,,1,Medicare,11\n"
    )
    parsed = read_csv(text.encode())
    assert [e.line for e in parsed.errors] == [4, 5, 6, 7, 8, 9]
    reasons = " | ".join(e.reason for e in parsed.errors)
    for word in ("date", "CPT/HCPCS", "units", "modifier", "claim id", "place of service"):
        assert word in reasons
    assert [r.claim_id for r in parsed.rows] == ["C1", "C1", "C7"]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "latin-1", "cp1252", "utf-16"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_encodings_and_delimiters(encoding: str, delimiter: str) -> None:
    text = GOOD.replace("D1", "Dr Müller é").replace(",", delimiter)
    parsed = read_csv(text.encode(encoding))
    assert len(parsed.rows) == 2 and parsed.rows[0].provider == "Dr Müller é"
    assert parsed.columns["claim_id"] == "claim_id"


@pytest.mark.parametrize("data,word", [
    (b"", "empty"), (b"  \n\n", "empty"), (b"%PDF-1.7\n%\xe2\xe3\n1 0 obj", "not a CSV"),
    (b"PK\x03\x04\x14\x00\x06\x00", "not a CSV"), (b"a\x00b\x00c", "not a CSV"),
    (b"just some words in a text file\nand another line\n", "single column"),
    (b"claim_id,patient_id,provider,dos,code\n", "no claim lines"),
])
def test_unusable_files(data: bytes, word: str) -> None:
    with pytest.raises(InvalidInput) as err:
        read_csv(data)
    assert word in err.value.message


def test_file_over_the_limit() -> None:
    with pytest.raises(UploadTooLarge) as err:
        read_csv(GOOD.encode(), max_bytes=10)
    assert err.value.status_code == 413 and "limit" in err.value.message


def test_path_input(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "claims.csv"
    path.write_bytes(GOOD.encode("utf-8-sig"))
    assert len(read_csv(path).rows) == 2


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400) | st.text(max_size=300).map(lambda t: ("claim,patient,npi,dos,code\n" + t).encode()))
def test_never_crashes_on_arbitrary_input(data: bytes) -> None:
    try:
        parsed = read_csv(data)
    except AdvisorError:
        return
    assert parsed.data_rows == len(parsed.rows) + len(parsed.errors)
