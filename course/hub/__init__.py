"""The cohort hub (issue 17): the shared course environment, JupyterHub's proxy, a local trial
of deploy/jupyterhub/jupyterhub_config.py, and kernels driven through a hub's REST API."""

from course.hub.env import EnvReport, HubProblem, install_proxy, shared_environment, system_python
from course.hub.kernel import HubKernel, Run
from course.hub.trial import TrialHub, free_port, trial_accounts

__all__ = [
    "EnvReport",
    "HubKernel",
    "HubProblem",
    "Run",
    "TrialHub",
    "free_port",
    "install_proxy",
    "shared_environment",
    "system_python",
    "trial_accounts",
]
