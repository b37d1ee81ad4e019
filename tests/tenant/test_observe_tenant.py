"""observe and diff against a tenant-kind profile: counted at the target, guarded, journaled, restored."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

from tests.tenant.tenantkit import (
    PHONES,
    Recorder,
    admin_state,
    as_tenant,
    cli,
    emulator_process,
    profile_dict,
    write_profile,
)

OBSERVE_LIMIT = 150


def test_observe_a_tenant_within_150_requests_restores_everyone_and_leaks_no_number(tmp_path: Path) -> None:
    """Preflight, the probes, the journal reads and the restore, counted at the target."""
    emu = write_profile(tmp_path / "emu.toml", profile_dict(phones=PHONES))
    with emulator_process(emu) as base_url, Recorder(upstream=base_url.removesuffix("/v1.0")) as proxy:
        raw = as_tenant(profile_dict(base_url=proxy.url + "/v1.0", phones=PHONES, mode="smoke",
                                     journal_dir=str(tmp_path / "journal")))
        raw["target"].update(settle_s=0, consistency_timeout_s=0)
        profile = write_profile(tmp_path / "tenant.toml", raw)
        before = admin_state(profile)
        proxy.seen.clear()
        out = tmp_path / "tenant-ledger.toml"
        proc = cli("observe", "--target", str(profile), "--out", str(out))
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
        sent = len(proxy.seen)
        assert sent <= OBSERVE_LIMIT + 10, f"observe sent {sent} requests (restore included)"
        assert "restored and verified" in proc.stderr
        assert admin_state(profile) == before
        text = out.read_text(encoding="utf-8")
        assert all(n not in text and n not in proc.stdout for phones in PHONES.values() for n in phones.values())
        ledger = tomllib.loads(text)
        assert ledger["target"]["kind"] == "tenant"
        assert ledger["questions"]["duplicate-type"]["status"] == 409
        journals = list((tmp_path / "journal").glob("*.jsonl"))
        assert journals, "no journal was written"

        proc = cli("diff", "--target", str(profile), "--against", "embedded", "--results-dir", str(tmp_path / "r"),
                   "--scenario", "update-valid", "--scenario", "duplicate-type/*")
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr
        assert json.loads((tmp_path / "r" / "diff.json").read_text())["differences"] == []
        assert admin_state(profile) == before
