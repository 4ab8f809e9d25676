"""What `prune` deletes, found and deleted without Prefect's flow machinery.

The plan (flow runs, local bundle folders, published runs older than a cutoff) and its
deletion; Prefect's client is imported only when flow runs are asked for, so `prm prune`
without PREFECT_API_URL never imports Prefect. The `prune` flow (flows/prune.py) wires these.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID

from tasks.config import Settings
from tasks.durations import parse_duration
from tasks.retention import (
    OldRun,
    delete_dirs,
    delete_published,
    old_bundle_dirs,
    old_published_runs,
)
from tasks.storage.client import ObjectStore
from tasks.storage.index import update_index

PRM_FLOWS = ["monthly-report", "backfill", "ingest", "report", "prune"]
PAGE = 200


@dataclass
class PrunePlan:
    """What is older than the cutoff; `flow_runs` is None when no Prefect API was asked."""

    cutoff: datetime
    flow_runs: list[UUID] | None
    bundle_dirs: list = field(default_factory=list)
    bucket_runs: list[OldRun] | None = None

    def lines(self) -> list[str]:
        """One line per kind of thing, as the CLI and the flow's log show it."""
        when = self.cutoff.isoformat(timespec="seconds")
        found = [f"older than {when}:"]
        if self.flow_runs is None:
            found.append("  Prefect flow runs: not checked (no Prefect API)")
        else:
            found.append(f"  Prefect flow runs of prm's flows: {len(self.flow_runs)}")
        found.append(f"  local bundle folders: {len(self.bundle_dirs)}")
        if self.bucket_runs is not None:
            found.append(f"  published runs (each year's latest kept): {len(self.bucket_runs)}")
            found += [f"    {run.year} {run.run_id} ({run.run_time})" for run in self.bucket_runs]
        return found


def cutoff_for(older_than: str, now: datetime | None = None) -> datetime:
    """The moment `older_than` (`90d`, `12h`...) before now; ValueError on a bad duration."""
    return (now or datetime.now(UTC)) - parse_duration(older_than)


def old_flow_runs(cutoff: datetime, keep: set[UUID] = frozenset()) -> list[UUID]:
    """Ids of finished flow runs of prm's flows that ended before `cutoff`."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        FlowFilter,
        FlowFilterName,
        FlowRunFilter,
        FlowRunFilterEndTime,
    )

    flows = FlowFilter(name=FlowFilterName(any_=PRM_FLOWS))
    runs = FlowRunFilter(end_time=FlowRunFilterEndTime(before_=cutoff))
    found: list[UUID] = []
    with get_client(sync_client=True) as client:
        while page := client.read_flow_runs(
            flow_filter=flows, flow_run_filter=runs, limit=PAGE, offset=len(found)
        ):
            found += [run.id for run in page]
    return [run_id for run_id in found if run_id not in keep]


def delete_flow_runs(run_ids: list[UUID]) -> int:
    """Delete the flow runs and their artifacts (task runs go with them); how many runs."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        for run_id in run_ids:
            owned = ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
            for artifact in client.read_artifacts(artifact_filter=owned):
                client.delete_artifact(artifact.id)
            client.delete_flow_run(run_id)
    return len(run_ids)


def make_plan(
    cutoff: datetime, settings: Settings, with_prefect: bool, bucket_runs: bool, keep=frozenset()
) -> PrunePlan:
    """Find everything older than `cutoff` (Prefect runs only `with_prefect`)."""
    return PrunePlan(
        cutoff=cutoff,
        flow_runs=old_flow_runs(cutoff, keep) if with_prefect else None,
        bundle_dirs=old_bundle_dirs(settings.data_dir / "bundles", cutoff),
        bucket_runs=old_published_runs(ObjectStore.from_settings(settings), cutoff)
        if bucket_runs
        else None,
    )


def apply_plan(plan: PrunePlan, settings: Settings) -> list[str]:
    """Delete what the plan found; one line per kind of thing deleted."""
    done = []
    if plan.flow_runs:
        done.append(f"deleted {delete_flow_runs(plan.flow_runs)} Prefect flow run(s)")
    if plan.bundle_dirs:
        done.append(f"deleted {delete_dirs(plan.bundle_dirs)} local bundle folder(s)")
    if plan.bucket_runs:
        store = ObjectStore.from_settings(settings)
        objects = delete_published(store, plan.bucket_runs)
        done.append(f"deleted {len(plan.bucket_runs)} published run(s), {objects} object(s)")
        update_index(store)  # the index no longer lists (or links to) the deleted runs
        done.append("index.html and index.json rebuilt")
    return done or ["nothing to delete"]
