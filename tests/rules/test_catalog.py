"""The curated catalog: every code in scope present, every value sourced, dated and marked."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from advisor.errors import DataError
from advisor.rules.catalog import CATALOG_DIR, CATALOG_FILES, curated_catalog, load_curated

SCOPE = (
    [str(c) for c in range(62320, 62328)] + [str(c) for c in range(64479, 64485) if c not in (64481, 64482)]
    + [str(c) for c in range(64490, 64496)] + [f"021{i}T" for i in range(3, 9)] + ["64633", "64634", "64635", "64636"]
    + ["64451", "64625", "27096", "G0260", "20600", "20604", "20605", "20606", "20610", "20611", "20552", "20553"]
    + ["76942", "77002", "77003", "77012"] + [str(c) for c in range(99202, 99206)] + [str(c) for c in range(99211, 99216)]
)


def test_scope_is_covered_and_sourced() -> None:
    catalog = load_curated()
    missing = [c for c in SCOPE if c not in catalog.codes]
    assert not missing
    for info in catalog.codes.values():
        for field in ("imaging", "addon", "global", "bilateral", "mue", "mai"):
            prov = info.prov(field)
            assert prov.sources and prov.effective and prov.confidence, (info.code, field)
        if info.addon and not info.open_primaries:
            assert info.primaries and all(p in catalog.codes for p in info.primaries), info.code


def test_descriptors_are_short_and_our_own() -> None:
    for info in load_curated().codes.values():
        assert 10 < len(info.descriptor) <= 110, info.code


def test_unknown_source_id_is_a_data_error(tmp_path: Path) -> None:
    for name in CATALOG_FILES:
        (tmp_path / f"{name}.yaml").write_text((CATALOG_DIR / f"{name}.yaml").read_text())
    data = yaml.safe_load((tmp_path / "ptp.yaml").read_text())
    data["pairs"][0]["src"] = ["no-such-source"]
    (tmp_path / "ptp.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(DataError, match="no-such-source"):
        load_curated(tmp_path)


def test_value_without_source_is_a_data_error(tmp_path: Path) -> None:
    for name in CATALOG_FILES:
        (tmp_path / f"{name}.yaml").write_text((CATALOG_DIR / f"{name}.yaml").read_text())
    data = yaml.safe_load((tmp_path / "codes.yaml").read_text())
    del data["codes"][0]["src"]
    (tmp_path / "codes.yaml").write_text(yaml.safe_dump(data))
    with pytest.raises(DataError, match="62320"):
        load_curated(tmp_path)


def test_joint_sizes_cover_cpt_examples_and_name_sources() -> None:
    catalog = curated_catalog()
    size = catalog.joint_size
    assert {size(j) for j in ("knee", "shoulder", "hip", "subacromial bursa")} == {"major"}
    assert {size(j) for j in ("wrist", "elbow", "ankle", "olecranon bursa")} == {"intermediate"}
    assert {size(j) for j in ("finger", "toe")} == {"small"}
    # the size classes live in anatomy.yaml, which must cite sources the catalog knows
    assert catalog.registry.sources and set(catalog.registry.sources) <= set(catalog.sources)
