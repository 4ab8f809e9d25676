"""The `prune` flow: delete what is older than a limit (dry run unless `apply`).

Three kinds of things age: Prefect's flow runs of prm's flows (with their task runs and
artifacts; their logs go with the server's orphan clean-up, see deployments/README.md), the
local bundle folders under var/bundles/, and, when asked (`bucket_runs`), published runs in
the bucket, every year's latest kept. The plan is flows/prune_plan.py, which `prm prune` runs
without a flow.
"""

from uuid import UUID

from prefect import flow, get_run_logger
from prefect.runtime import flow_run as current_run

from flows.prune_plan import PrunePlan, apply_plan, cutoff_for, make_plan
from tasks.config import get_settings


@flow(name="prune")
def prune(
    older_than: str = "90d",
    apply: bool = False,
    bucket_runs: bool = False,
    bucket: str = "",
    prefix: str = "",
    endpoint_url: str = "",
) -> PrunePlan:
    """List, and with `apply` delete, what is older than `older_than`.

    Args:
        older_than: Age limit: a number and a unit s, m, h, d or w (`90d`).
        apply: Delete; off = only list what would be deleted (a dry run).
        bucket_runs: Also published runs in the bucket (each year's latest is kept).
        bucket: S3 bucket; empty = PRM_S3_BUCKET.
        prefix: Key prefix in the bucket; empty = PRM_S3_PREFIX, else "reports".
        endpoint_url: S3 endpoint; empty = PRM_S3_ENDPOINT_URL, else AWS.
    """
    logger = get_run_logger()
    cutoff = cutoff_for(older_than)
    settings = get_settings(s3_bucket=bucket, s3_prefix=prefix, s3_endpoint_url=endpoint_url)
    keep = {UUID(current_run.id)} if current_run.id else set()
    plan = make_plan(cutoff, settings, with_prefect=True, bucket_runs=bucket_runs, keep=keep)
    for line in plan.lines():
        logger.info(line)
    for line in apply_plan(plan, settings) if apply else ["dry run: nothing deleted"]:
        logger.info(line)
    return plan
