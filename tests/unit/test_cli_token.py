"""`ybj token` signs with the running platform's key wherever it is run from, or says where it looked: it never makes a
key of its own that the platform would refuse."""

from __future__ import annotations

from pathlib import Path

import pytest

from ybj_kernel.auth import TokenVerifier, ensure_dev_keys
from ybj_kernel.cli import main
from ybj_kernel.settings import Settings, checkout_run_dir

REPO = Path(__file__).resolve().parents[2]


def test_the_run_folder_is_the_checkouts_from_any_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("YBJ_RUN_DIR", raising=False)
    assert checkout_run_dir() == REPO / ".run"
    assert Settings().private_key_path() == REPO / ".run" / "keys" / "jwt-private.pem"


def test_a_token_from_another_folder_is_signed_by_the_platforms_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = tmp_path / "platform-run"
    ensure_dev_keys(run_dir / "keys" / "jwt-private.pem", run_dir / "keys" / "jwt-public.pem")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("YBJ_RUN_DIR", str(run_dir))
    main(["token", "--user", "gy-fr-01", "--role", "first_reviewer", "--admdvs", "520100"])
    token = capsys.readouterr().out.strip()
    verifier = TokenVerifier((run_dir / "keys" / "jwt-public.pem").read_bytes())
    assert verifier.actor(f"Bearer {token}").user_id == "gy-fr-01"
    assert not (elsewhere / ".run").exists()


def test_without_the_platforms_key_it_says_where_it_looked_and_makes_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("YBJ_RUN_DIR", str(tmp_path / "empty"))
    with pytest.raises(SystemExit):
        main(["token", "--user", "gy-fr-01", "--role", "first_reviewer", "--admdvs", "520100"])
    assert str(tmp_path / "empty" / "keys" / "jwt-private.pem") in capsys.readouterr().err
    assert not (tmp_path / "empty").exists()
