import hashlib

import pytest

from kehu.policy.engine import available_packs, load_packs
from kehu.policy.tests.engine.support import POLICIES, SHIPPED_PACKS, pack


def test_every_regulation_has_its_pack_file():
    assert set(SHIPPED_PACKS) <= set(available_packs(POLICIES))


@pytest.mark.parametrize("name", SHIPPED_PACKS)
def test_shipped_pack_loads(name):
    loaded = pack(name)
    assert loaded.name == name
    assert loaded.schemes


@pytest.mark.parametrize("name", SHIPPED_PACKS)
def test_pack_version_is_sha256_of_file_bytes(name):
    expected = hashlib.sha256((POLICIES / f"{name}.yaml").read_bytes()).hexdigest()
    assert pack(name).version == expected
    assert all(scheme.pack_version == expected for scheme in pack(name).schemes.values())


def test_all_packs_in_directory_load_together():
    assert set(load_packs(POLICIES)) >= set(SHIPPED_PACKS)


@pytest.mark.parametrize("name", SHIPPED_PACKS)
def test_every_threshold_cites_an_article(name):
    for scheme in pack(name).schemes.values():
        for criterion in scheme.criteria:
            assert all(t.citation.article for t in criterion.thresholds)
