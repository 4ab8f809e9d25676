"""The `prune` flow and `prm prune`: a dry run by default, deletions only when told."""

import os
from datetime import UTC, datetime, timedelta

import pytest
import typer
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
from prefect.exceptions import ObjectNotFound
from typer.testing import CliRunner

from flows import cli_ops
from flows.monthly import monthly_report
from flows.prune import prune

TINY = {
    "partners.csv": "partner_id,name,partner_type,membership_category,country\n"
    "P1,Alpha Foundation,FOUNDATION,,CHE\n",
    "agreements.csv": "agreement_id,partner_id,title,signed_on,region,priority,status\n"
    "A1,P1,Rural connectivity,2024-03-01,AFR,CONNECTIVITY,\n",
    "contributions.csv": "contribution_id,agreement_id,source,amount,currency\n"
    "C1,A1,PARTNER,1000,USD\n",
    "exchange_rates.csv": "currency,valid_from,units_per_usd\nEUR,2024-01-01,0.8\n",
}


@pytest.fixture
def prune_cli() -> typer.Typer:
    """`prm prune` on a bare app (with a second command, so `prune` is a sub-command)."""
    app = typer.Typer()
    app.command("prune")(cli_ops.prune)
    app.command("noop")(lambda: None)
    return app


def old_bundle(data_dir, days: int):
    """A bundle folder var/bundles/2024/<run> last changed `days` ago."""
    folder = data_dir / "bundles" / "2024" / f"run-{days}"
    folder.mkdir(parents=True)
    (folder / "metrics.json").write_text("{}")
    stamp = (datetime.now(UTC) - timedelta(days=days)).timestamp()
    for path in (folder / "metrics.json", folder):
        os.utime(path, (stamp, stamp))
    return folder


def test_prm_prune_is_a_dry_run_until_yes(tmp_path, monkeypatch, prune_cli):
    monkeypatch.setenv("PRM_DATA_DIR", str(tmp_path))
    old, recent = old_bundle(tmp_path, 100), old_bundle(tmp_path, 10)
    runner = CliRunner()
    bad = runner.invoke(prune_cli, ["prune", "--older-than", "90 days", "--yes"])
    assert bad.exit_code == 1 and bad.output.count("\n") == 1
    assert bad.output.startswith("prm: --older-than: '90 days' is not a duration")
    dry = runner.invoke(prune_cli, ["prune", "--older-than", "90d"])
    assert dry.exit_code == 0, dry.output
    assert "local bundle folders: 1" in dry.output and "dry run: nothing deleted" in dry.output
    assert "Prefect flow runs: not checked" in dry.output  # PREFECT_API_URL is unset
    assert old.is_dir() and recent.is_dir()
    done = runner.invoke(prune_cli, ["prune", "--older-than", "90d", "--yes"])
    assert done.exit_code == 0 and "deleted 1 local bundle folder(s)" in done.output
    assert not old.exists() and recent.is_dir()


def artifacts_of(client, run_id) -> list:
    owned = ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
    return client.read_artifacts(artifact_filter=owned)


@pytest.mark.integration
def test_prune_flow_deletes_old_flow_runs_and_their_artifacts(prefect_api, tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    for name, text in TINY.items():
        (source / name).write_text(text, encoding="utf-8")
    db, out = f"sqlite:///{tmp_path / 'prm.db'}", str(tmp_path / "out")
    state = monthly_report(str(source), 2024, upload=False, db_url=db, out=out, return_state=True)
    run_id = state.state_details.flow_run_id
    with get_client(sync_client=True) as client:
        assert artifacts_of(client, run_id)  # the summary and tables of the run
    kept = prune(older_than="1d")  # the run ended seconds ago: not old
    assert run_id not in kept.flow_runs
    dry = prune(older_than="0s")
    assert run_id in dry.flow_runs
    with get_client(sync_client=True) as client:
        assert client.read_flow_run(run_id).id == run_id  # a dry run deletes nothing
    prune(older_than="0s", apply=True)
    with get_client(sync_client=True) as client:
        with pytest.raises(ObjectNotFound):
            client.read_flow_run(run_id)
        assert artifacts_of(client, run_id) == []
