"""The deployment step a worker runs before it loads a flow: go to the project folder.

prefect.yaml's `pull` step. The folder is PRM_PROJECT_DIR from the worker's environment, else
the folder `prm deploy` ran from, which it stores in the deployment's job variables as
PRM_DEPLOYED_FROM: a worker started from the checkout then needs no extra variable.
"""

import os
from pathlib import Path


def enter_project_dir() -> dict[str, str]:
    """Change to prm's project folder; its path as the step's output `directory`."""
    chosen = os.environ.get("PRM_PROJECT_DIR") or os.environ.get("PRM_DEPLOYED_FROM") or ""
    if not chosen or chosen.startswith("{{"):  # `prefect deploy` run without `prm deploy`
        raise RuntimeError("set PRM_PROJECT_DIR to prm's folder where the worker runs")
    folder = Path(chosen)
    if not (folder / "flows").is_dir():
        raise RuntimeError(f"PRM_PROJECT_DIR={chosen} does not hold prm's code (no flows/)")
    os.chdir(folder)
    return {"directory": str(folder)}
