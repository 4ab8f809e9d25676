"""Prefect Automations that `prm deploy` keeps on the server: alerts and crash detection.

- **prm: alert on failed runs.** When a flow run of prm's deployments enters Failed, Crashed
  or TimedOut, the server POSTs JSON to the webhook block `prm-alerts` (its URL, a secret, is
  PRM_ALERT_WEBHOOK_URL where `prm deploy` ran). The message names the deployment, the run,
  the state and the first line of its message, and links to the run in the UI (the server
  needs PREFECT_UI_URL for the link). A webhook that cannot be reached does not touch the
  run: the server records `prefect.automation.action.failed` in its event feed, with the
  reason ("Webhook call failed: ConnectError(...)").
- **prm: crash unresponsive runs.** A flow run whose heartbeats stop (the worker or its
  machine died: PREFECT_FLOWS_HEARTBEAT_FREQUENCY is 30 s in deployments/prefect.yaml) is
  set to Crashed after 90 s without one, which frees the deployment's concurrency slot.

Both are matched by name and updated in place, so `prm deploy` can run any number of times.
"""

from datetime import timedelta
from uuid import UUID

WEBHOOK_BLOCK = "prm-alerts"
ALERT_AUTOMATION = "prm: alert on failed runs"
ZOMBIE_AUTOMATION = "prm: crash unresponsive runs"
ALERT_STATES = ("Failed", "Crashed", "TimedOut")
FINAL_STATES = ("Completed", "Failed", "Cancelled", "Crashed")
SILENT_FOR = timedelta(seconds=90)  # three missed heartbeats at 30 s

# The JSON the webhook gets: `text` for chat tools (Slack, Teams, Mattermost take it as is)
# and each fact as its own field. Rendered by the server (Jinja, sandboxed).
PAYLOAD = """\
{%- set reason = (flow_run.state.message or "no message").strip().splitlines()[0] -%}
{%- set text -%}
prm: {{ deployment.name }} run {{ flow_run.name }} is {{ flow_run.state.name }}
Deployment: {{ flow.name }}/{{ deployment.name }}
Run: {{ flow_run.name }} ({{ flow_run.id }})
State: {{ flow_run.state.name }}
Reason: {{ reason }}
Open: {{ flow_run|ui_url }}
{%- endset -%}
{"text": {{ text | tojson }},
 "deployment": {{ (flow.name ~ "/" ~ deployment.name) | tojson }},
 "flow_run": {{ flow_run.name | tojson }}, "flow_run_id": "{{ flow_run.id }}",
 "state": {{ flow_run.state.name | tojson }}, "reason": {{ reason | tojson }},
 "url": {{ (flow_run|ui_url) | tojson }}}"""


def _prm_deployments(deployment_ids: list[UUID]) -> dict:
    """The related-resource filter: events about a run of one of these deployments."""
    return {
        "prefect.resource.role": "deployment",
        "prefect.resource.id": [f"prefect.deployment.{d}" for d in deployment_ids],
    }


def save_webhook_block(url: str) -> UUID:
    """Create or update the `prm-alerts` webhook block: a JSON POST to `url` (kept secret)."""
    from prefect.blocks.webhook import Webhook

    block = Webhook(method="POST", url=url, headers={"Content-Type": "application/json"})
    return block.save(WEBHOOK_BLOCK, overwrite=True)


def alert_automation(deployment_ids: list[UUID], block_id: UUID):
    """The automation: a prm deployment's run entered Failed, Crashed or TimedOut → POST."""
    from prefect.events.actions import CallWebhook
    from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

    trigger = EventTrigger(
        expect={f"prefect.flow-run.{state}" for state in ALERT_STATES},
        match={"prefect.resource.id": "prefect.flow-run.*"},
        match_related=_prm_deployments(deployment_ids),
        posture=Posture.Reactive,
        threshold=1,
        within=timedelta(0),
    )
    action = CallWebhook(block_document_id=block_id, payload=PAYLOAD)
    return AutomationCore(name=ALERT_AUTOMATION, trigger=trigger, actions=[action])


def zombie_automation(deployment_ids: list[UUID]):
    """The automation: a prm run that sent a heartbeat and then nothing for 90 s → Crashed."""
    from prefect.client.schemas.objects import StateType
    from prefect.events.actions import ChangeFlowRunState
    from prefect.events.schemas.automations import AutomationCore, EventTrigger, Posture

    trigger = EventTrigger(
        after={"prefect.flow-run.heartbeat"},
        expect={"prefect.flow-run.heartbeat", *(f"prefect.flow-run.{s}" for s in FINAL_STATES)},
        match={"prefect.resource.id": "prefect.flow-run.*"},
        match_related=_prm_deployments(deployment_ids),
        for_each={"prefect.resource.id"},
        posture=Posture.Proactive,
        threshold=1,
        within=SILENT_FOR,
    )
    message = f"no heartbeat for {SILENT_FOR.seconds} s: the worker or its machine stopped"
    action = ChangeFlowRunState(state=StateType.CRASHED, message=message)
    return AutomationCore(name=ZOMBIE_AUTOMATION, trigger=trigger, actions=[action])


def save_automation(automation) -> UUID:
    """Create the automation, or update the one of the same name; its id."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        same_name = client.read_automations_by_name(automation.name)
        if not same_name:
            return client.create_automation(automation)
        for extra in same_name[1:]:
            client.delete_automation(extra.id)
        client.update_automation(same_name[0].id, automation)
        return same_name[0].id


def deployment_ids(names: list[str]) -> list[UUID]:
    """The ids of those deployments `flow-name/deployment-name` that are on the server."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    found = []
    with get_client(sync_client=True) as client:
        for name in names:
            try:
                found.append(client.read_deployment_by_name(name).id)
            except ObjectNotFound:
                continue
    return found


def ensure_automations(names: list[str], webhook_url: str) -> list[str]:
    """Keep both automations in line with these deployments; a line per thing done."""
    ids = deployment_ids(names)
    save_automation(zombie_automation(ids))
    done = [f"Automation {ZOMBIE_AUTOMATION!r}: runs silent for {SILENT_FOR.seconds} s crash"]
    if not webhook_url:
        done.append("Alerts: not set up (PRM_ALERT_WEBHOOK_URL is unset)")
        return done
    save_automation(alert_automation(ids, save_webhook_block(webhook_url)))
    done.append(
        f"Automation {ALERT_AUTOMATION!r}: Failed/Crashed/TimedOut → block {WEBHOOK_BLOCK!r}"
    )
    return done
